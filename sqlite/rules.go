package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
)

// Rules returns owner's effective rules in evaluation order: the stored
// ones and, unless stored, the built-in default rule
// (doctales.WithDefaultRule).
func (db *DB) Rules(ctx context.Context, owner string) ([]*doctales.Rule, error) {
	owner = doctales.OwnerOf(owner)
	stored, err := db.queryRules(ctx, `SELECT body FROM rules WHERE owner = ? ORDER BY ord, id`, owner)
	if err != nil {
		return nil, fmt.Errorf("rules of %q: %w", owner, err)
	}
	return doctales.WithDefaultRule(stored, owner), nil
}

// AllRules returns every stored rule of every owner, by owner and order.
func (db *DB) AllRules(ctx context.Context) ([]*doctales.Rule, error) {
	rules, err := db.queryRules(ctx, `SELECT body FROM rules ORDER BY owner, ord, id`)
	if err != nil {
		return nil, fmt.Errorf("all rules: %w", err)
	}
	return rules, nil
}

func (db *DB) queryRules(ctx context.Context, query string, args ...any) ([]*doctales.Rule, error) {
	rows, err := db.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	var out []*doctales.Rule
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, FormatError(err)
		}
		r := new(doctales.Rule)
		if err := json.Unmarshal([]byte(body), r); err != nil {
			return nil, fmt.Errorf("decode rule: %w", err)
		}
		out = append(out, r)
	}
	return out, FormatError(rows.Err())
}

// PutRule stores r (its Owner defaulted by doctales.OwnerOf), replacing the
// owner's rule with the same id, and appends an INSERT or MODIFY stream
// record with both images in the same transaction. CreatedAt is kept from
// the stored rule (or set to Now), UpdatedAt becomes Now; Default is set
// for the default rule's id. An owner has at most doctales.MaxRulesPerOwner
// rules. The first edit of the default rule is a MODIFY (created false): it
// existed, built in. The caller validates r (notify.ValidateRule).
func (db *DB) PutRule(ctx context.Context, r *doctales.Rule) (bool, error) {
	if r == nil || r.ID == "" {
		return false, doctales.FieldErrorf(doctales.EINVALID, "id", "rule id is required")
	}
	r.Owner = doctales.OwnerOf(r.Owner)
	r.Default = r.ID == doctales.DefaultRuleID
	now := db.Now()
	created := false
	err := db.write(ctx, func(tx *writeTx) error {
		var oldBody string
		var old *doctales.Rule
		switch err := tx.queryRow(`SELECT body FROM rules WHERE owner = ? AND id = ?`, r.Owner, r.ID).Scan(&oldBody); {
		case errNoRows(err):
			var n int
			if err := tx.queryRow(`SELECT count(*) FROM rules WHERE owner = ?`, r.Owner).Scan(&n); err != nil {
				return FormatError(err)
			}
			if n >= doctales.MaxRulesPerOwner {
				return doctales.FieldErrorf(doctales.EINVALID, "id", "%s has %d rules; the limit is %d", r.Owner, n, doctales.MaxRulesPerOwner)
			}
			if r.ID == doctales.DefaultRuleID {
				old = doctales.DefaultRule(r.Owner) // editing the built-in rule
			}
		case err != nil:
			return FormatError(err)
		default:
			old = new(doctales.Rule)
			if err := json.Unmarshal([]byte(oldBody), old); err != nil {
				return fmt.Errorf("decode stored rule: %w", err)
			}
		}
		r.CreatedAt, r.UpdatedAt = now, now
		if old != nil && !old.CreatedAt.IsZero() {
			r.CreatedAt = old.CreatedAt
		}
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO rules (owner, id, ord, body, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (owner, id) DO UPDATE SET ord = excluded.ord, body = excluded.body, updated_at = excluded.updated_at`,
			r.Owner, r.ID, r.Order, string(body), formatTime(now)); err != nil {
			return FormatError(err)
		}
		event := EventModify
		if oldBody == "" {
			event, created = EventInsert, true
			if r.ID == doctales.DefaultRuleID {
				// The built-in rule existed, unstored: an edit.
				event, created = EventModify, false
			}
		}
		rec, err := db.ruleStreamRecord(event, old, r, now)
		if err != nil {
			return err
		}
		return rec.append(tx)
	})
	if err != nil {
		return false, fmt.Errorf("put rule %q of %q: %w", r.ID, r.Owner, err)
	}
	db.rulesVersion.Add(1)
	return created, nil
}

// DeleteRule removes owner's rule id and appends a REMOVE stream record.
// ENOTFOUND when absent; the default rule cannot be deleted (EINVALID:
// disable it).
func (db *DB) DeleteRule(ctx context.Context, owner, id string) error {
	owner = doctales.OwnerOf(owner)
	if id == doctales.DefaultRuleID {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "the default rule cannot be deleted; disable it instead (enabled: false)")
	}
	err := db.write(ctx, func(tx *writeTx) error {
		var body string
		if err := tx.queryRow(`SELECT body FROM rules WHERE owner = ? AND id = ?`, owner, id).Scan(&body); errNoRows(err) {
			return doctales.FieldErrorf(doctales.ENOTFOUND, "id", "rule %q not found", id)
		} else if err != nil {
			return FormatError(err)
		}
		old := new(doctales.Rule)
		if err := json.Unmarshal([]byte(body), old); err != nil {
			return fmt.Errorf("decode stored rule: %w", err)
		}
		if _, err := tx.exec(`DELETE FROM rules WHERE owner = ? AND id = ?`, owner, id); err != nil {
			return FormatError(err)
		}
		rec, err := db.ruleStreamRecord(EventRemove, old, nil, db.Now())
		if err != nil {
			return err
		}
		return rec.append(tx)
	})
	if err != nil {
		return fmt.Errorf("delete rule %q of %q: %w", id, owner, err)
	}
	db.rulesVersion.Add(1)
	return nil
}

// RulesVersion changes after every rule write through this DB. The data
// folder's lock makes the serving process the only writer (commands go
// through its API), so an in-memory counter sees every change, and
// checking it costs an atomic load rather than a query.
func (db *DB) RulesVersion() int64 { return db.rulesVersion.Load() }

// ruleStreamRecord encodes the stream record of a rule change. A rule's
// image is its JSON as attribute values, its pattern as a string (S), with
// PK, SK and entityType "rule"; the log key is "RULE#<owner>#<id>", apart
// from every communication id.
func (db *DB) ruleStreamRecord(event string, old, new *doctales.Rule, now time.Time) (*streamRecord, error) {
	var keys, oldImg, newImg map[string]events.DynamoDBAttributeValue
	var key string
	var size int64
	for _, r := range []*doctales.Rule{old, new} {
		if r == nil {
			continue
		}
		img, err := RuleImage(r)
		if err != nil {
			return nil, err
		}
		if r == old {
			oldImg = img
		} else {
			newImg = img
		}
		keys = r.Keys()
		key = doctales.RuleSortPrefix + r.Owner + "#" + r.ID
		size += int64(len(r.Pattern)) + 200
	}
	if event == EventInsert {
		oldImg = nil
	}
	return db.encodeStreamRecord(event, key, keys, oldImg, newImg, size, now)
}

// RuleImage returns the DynamoDB item of a rule: its fields as attribute
// values (the pattern as its JSON text, an S), PK, SK and entityType
// "rule".
func RuleImage(r *doctales.Rule) (map[string]events.DynamoDBAttributeValue, error) {
	type plain doctales.Rule
	v := struct {
		*plain
		Pattern    string `json:"pattern"`
		EntityType string `json:"entityType"`
	}{(*plain)(r), string(r.Pattern), "rule"}
	img, err := doctales.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("image of rule %q: %w", r.ID, err)
	}
	for k, a := range r.Keys() {
		img[k] = a
	}
	return img, nil
}
