package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

var _ doctales.RuleStore = (*DB)(nil)

// rulesChannel is the LISTEN/NOTIFY channel of rule writes: its payload
// is the rules' new version.
const rulesChannel = "doctales_rules"

// rulesState is what a DB keeps of people's rules and notification
// timers in memory.
type rulesState struct {
	// version is the highest rules version this process has seen: its
	// own writes', those it heard on rulesChannel and those it read.
	version atomic.Int64
	// claimer names this DB in the timers it claims (timers.go).
	claimer string
}

// Rules returns owner's effective rules in evaluation order: the stored
// ones and, unless stored, the built-in default rule
// (doctales.WithDefaultRule). An owner PostgreSQL text cannot hold is
// EINVALID naming "userId".
func (db *DB) Rules(ctx context.Context, owner string) ([]*doctales.Rule, error) {
	owner = doctales.OwnerOf(owner)
	if err := checkText("userId", owner); err != nil {
		return nil, err
	}
	stored, err := db.queryRules(ctx, `SELECT body FROM rules WHERE owner = $1 ORDER BY ord, id`, owner)
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
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*doctales.Rule
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		r := new(doctales.Rule)
		if err := json.Unmarshal(body, r); err != nil {
			return nil, fmt.Errorf("decode rule: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutRule stores r (its Owner defaulted by doctales.OwnerOf), replacing
// the owner's rule with the same id, and appends an INSERT or MODIFY
// stream record with both images to the log in the same transaction, as
// package sqlite does: CreatedAt is kept from the stored rule (or set to
// Now), UpdatedAt becomes Now, Default is set for the default rule's id,
// and the first edit of the default rule is a MODIFY (created false). An
// owner has at most doctales.MaxRulesPerOwner rules (EINVALID on "id").
// An id or owner PostgreSQL text cannot hold is EINVALID naming it. The
// caller validates the rest of r (notify.ValidateRule).
//
// Every rule write takes the one row of rules_version first, so rule
// writes of every process apply one after the other: the count against
// the limit is exact, and the version they send (rulesChannel) is
// numbered in commit order.
func (db *DB) PutRule(ctx context.Context, r *doctales.Rule) (bool, error) {
	if r == nil || r.ID == "" {
		return false, doctales.FieldErrorf(doctales.EINVALID, "id", "rule id is required")
	}
	r.Owner = doctales.OwnerOf(r.Owner)
	if err := checkRuleKey(r.Owner, r.ID); err != nil {
		return false, err
	}
	r.Default = r.ID == doctales.DefaultRuleID
	now := db.nowMicro()
	created := false
	var version int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		created = false
		v, err := bumpRulesVersion(ctx, tx)
		if err != nil {
			return err
		}
		version = v
		var oldBody []byte
		var old *doctales.Rule
		switch err := tx.QueryRow(ctx, `SELECT body FROM rules WHERE owner = $1 AND id = $2`, r.Owner, r.ID).Scan(&oldBody); {
		case errors.Is(err, pgx.ErrNoRows):
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM rules WHERE owner = $1`, r.Owner).Scan(&n); err != nil {
				return fmt.Errorf("count rules: %w", err)
			}
			if n >= doctales.MaxRulesPerOwner {
				return doctales.FieldErrorf(doctales.EINVALID, "id", "%s has %d rules; the limit is %d", r.Owner, n, doctales.MaxRulesPerOwner)
			}
			if r.ID == doctales.DefaultRuleID {
				old = doctales.DefaultRule(r.Owner) // editing the built-in rule
			}
		case err != nil:
			return fmt.Errorf("read stored rule: %w", err)
		default:
			old = new(doctales.Rule)
			if err := json.Unmarshal(oldBody, old); err != nil {
				return fmt.Errorf("decode stored rule: %w", err)
			}
		}
		r.CreatedAt, r.UpdatedAt = now, now
		if old != nil && !old.CreatedAt.IsZero() {
			r.CreatedAt = old.CreatedAt
		}
		body, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode rule: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rules (owner, id, ord, body, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (owner, id) DO UPDATE SET ord = excluded.ord, body = excluded.body, updated_at = excluded.updated_at`,
			r.Owner, r.ID, r.Order, body, now); err != nil {
			return fmt.Errorf("write rule: %w", err)
		}
		event := EventModify
		if oldBody == nil && r.ID != doctales.DefaultRuleID {
			// New, unless it is the built-in rule, which existed unstored.
			event, created = EventInsert, true
		}
		return db.appendRuleRecord(ctx, tx, event, old, r, now)
	})
	if err != nil {
		return false, fmt.Errorf("put rule %q of %q: %w", r.ID, r.Owner, err)
	}
	db.afterRuleWrite(ctx, version)
	return created, nil
}

// DeleteRule removes owner's rule id and appends a REMOVE stream record
// in the same transaction. ENOTFOUND when absent; the default rule
// cannot be deleted (EINVALID: disable it).
func (db *DB) DeleteRule(ctx context.Context, owner, id string) error {
	owner = doctales.OwnerOf(owner)
	if id == doctales.DefaultRuleID {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "the default rule cannot be deleted; disable it instead (enabled: false)")
	}
	if checkRuleKey(owner, id) != nil {
		return doctales.FieldErrorf(doctales.ENOTFOUND, "id", "rule %q not found", id) // none can have it
	}
	var version int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		v, err := bumpRulesVersion(ctx, tx)
		if err != nil {
			return err
		}
		version = v
		var body []byte
		if err := tx.QueryRow(ctx, `DELETE FROM rules WHERE owner = $1 AND id = $2 RETURNING body`, owner, id).Scan(&body); errors.Is(err, pgx.ErrNoRows) {
			return doctales.FieldErrorf(doctales.ENOTFOUND, "id", "rule %q not found", id)
		} else if err != nil {
			return fmt.Errorf("delete rule: %w", err)
		}
		old := new(doctales.Rule)
		if err := json.Unmarshal(body, old); err != nil {
			return fmt.Errorf("decode stored rule: %w", err)
		}
		return db.appendRuleRecord(ctx, tx, EventRemove, old, nil, db.nowMicro())
	})
	if err != nil {
		return fmt.Errorf("delete rule %q of %q: %w", id, owner, err)
	}
	db.afterRuleWrite(ctx, version)
	return nil
}

// checkRuleKey returns EINVALID naming the field when a rule's owner or
// id cannot be stored in a text column.
func checkRuleKey(owner, id string) error {
	if err := checkText("userId", owner); err != nil {
		return err
	}
	if len(id) > doctales.MaxRuleIDBytes {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "rule id is %d bytes; the limit is %d", len(id), doctales.MaxRuleIDBytes)
	}
	return checkText("id", id)
}

// bumpRulesVersion adds one to the rules' version in tx, taking its row
// lock until tx ends, and has PostgreSQL send the new version on
// rulesChannel when tx commits.
func bumpRulesVersion(ctx context.Context, tx pgx.Tx) (int64, error) {
	var v int64
	if err := tx.QueryRow(ctx, `UPDATE rules_version SET version = version + 1 RETURNING version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("lock the rules' version: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, rulesChannel, strconv.FormatInt(v, 10)); err != nil {
		return 0, fmt.Errorf("notify the rules' version: %w", err)
	}
	return v, nil
}

// afterRuleWrite records the version a rule write committed and numbers
// its stream record, so that it is in the log when the write returns.
func (db *DB) afterRuleWrite(ctx context.Context, version int64) {
	db.seeRulesVersion(version)
	db.numberAfterWrite(ctx, "rule write", strconv.FormatInt(version, 10))
}

// appendRuleRecord appends the stream record of a rule's change to the
// log in tx: the rule's images (ruleImage), its keys (PK, SK
// "RULE#<id>"), and the log key "RULE#<owner>#<id>", apart from every
// communication id, as package sqlite writes it.
func (db *DB) appendRuleRecord(ctx context.Context, tx pgx.Tx, event string, old, new *doctales.Rule, now time.Time) error {
	var keys, oldImg, newImg map[string]events.DynamoDBAttributeValue
	var key string
	var size int64
	for _, r := range []*doctales.Rule{old, new} {
		if r == nil {
			continue
		}
		img, err := ruleImage(r)
		if err != nil {
			return err
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
	rec, err := db.enc.Encode(event, key, keys, oldImg, newImg, size, now)
	if err != nil {
		return fmt.Errorf("encode the rule's stream record: %w", err)
	}
	_, err = appendLog(ctx, tx, doctales.TraceParent(ctx), streamRow(rec))
	return err
}

// ruleImage returns the DynamoDB item of a rule, as package sqlite's
// RuleImage does (TestRules_SameImageAsSQLite): its fields as attribute
// values (the pattern as its JSON text, an S), PK, SK and entityType
// "rule".
func ruleImage(r *doctales.Rule) (map[string]events.DynamoDBAttributeValue, error) {
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

// RulesVersion changes after every rule write, by this process or any
// other on the same database, so that a notify.RuleBook reloads the
// rules when it moves.
//
// Why a version heard rather than read: the RuleBook asks for it on every
// record it judges, so it must cost an atomic load, not a round trip.
// Each rule write adds one to rules_version in its transaction and sends
// the new value with NOTIFY, which PostgreSQL delivers to every listening
// session at the commit; a session of this DB's own listens
// (watchRules), so a rule PUT through one api process applies on every
// notification worker within milliseconds, without a restart. When that
// session is lost, the version is read again once it is back (a NOTIFY
// sent meanwhile is not queued for it), and it is read every
// rulesPollEvery as well, so a missed notification delays a change by
// that much at most.
func (db *DB) RulesVersion() int64 { return db.notify.version.Load() }

// seeRulesVersion raises the version to v if it is higher.
func (db *DB) seeRulesVersion(v int64) {
	for {
		cur := db.notify.version.Load()
		if v <= cur || db.notify.version.CompareAndSwap(cur, v) {
			return
		}
	}
}

// rulesPollEvery is how often the rules' version is read besides the
// notifications: the bound on how late a change is seen when a
// notification was missed. A variable for the tests (export_test.go).
var rulesPollEvery = 5 * time.Second

// readRulesVersion reads the rules' version from the database.
func (db *DB) readRulesVersion(ctx context.Context) error {
	var v int64
	if err := db.pool.QueryRow(ctx, `SELECT version FROM rules_version`).Scan(&v); err != nil {
		return fmt.Errorf("read the rules' version: %w", err)
	}
	db.seeRulesVersion(v)
	return nil
}

// watchRules LISTENs on rulesChannel in a session of its own and raises
// RulesVersion to each version heard, reading the version again after
// each (re)connection and every rulesPollEvery, until ctx ends.
func (db *DB) watchRules(ctx context.Context, cfg *pgx.ConnConfig) {
	defer db.listener.Done()
	for {
		err := func() error {
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(ctx, `LISTEN `+rulesChannel); err != nil {
				return err
			}
			if err := db.readRulesVersion(ctx); err != nil {
				return err
			}
			poll := rulesPollEvery
			for {
				wctx, cancel := context.WithTimeout(ctx, poll)
				n, err := conn.WaitForNotification(wctx)
				cancel()
				switch {
				case err == nil:
					if v, perr := strconv.ParseInt(n.Payload, 10, 64); perr == nil {
						db.seeRulesVersion(v)
					}
				case ctx.Err() != nil:
					return ctx.Err()
				case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
					if err := db.readRulesVersion(ctx); err != nil {
						return err
					}
				default:
					return err
				}
			}
		}()
		if ctx.Err() != nil {
			return
		}
		db.logger.Warn("postgres: listening for rule changes failed; retrying", "err", err, "in", listenRetry)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}
