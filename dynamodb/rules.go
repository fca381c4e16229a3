package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales"
)

// People's notification rules (issue 13) on DynamoDB.
//
// A rule is an item of its owner's partition (PK as the owner's
// communications, SK "RULE#<id>"), as in the embedded table, so each
// write is a stream record with the rule's keys (doctales.IsRuleRecord)
// that the communication consumers skip. Its attributes are the rule's
// fields (the pattern as its JSON text, an S), entityType "rule", the
// whole rule as JSON in "body" (what is read back), and a revision for
// optimistic locking. Every rule also sits in GSI3 under the partition
// "RULES" (GSI3SK "<owner>#<id>"), a partition no communication uses, so
// that AllRules is one Query rather than a Scan of the table; the table
// definition is unchanged.
//
// # Version and staleness
//
// The embedded store's RulesVersion is an in-process counter, exact
// because one process owns the data folder. On AWS the API function
// writes rules and the notification function's instances read them, so
// RulesVersion moves on every write through this Table and, besides, once
// every RulesTTL: a RuleBook on Lambda reloads the rules at most RulesTTL
// after another process wrote them. That is the staleness bound: a rule
// written through the API applies to changes judged from RulesTTL
// (default 10 s) after its 2xx on.

// Rule item attributes and the rules' GSI3 partition.
const (
	// RulesPartition is GSI3PK of every rule item.
	RulesPartition = "RULES"
	attrRuleBody   = "body"
	attrEntityType = "entityType"
	entityRule     = "rule"
)

// DefaultRulesTTL is how long a RuleBook on this table may keep rules
// written by another process: RulesVersion moves at least this often.
// Each move costs one Query per RuleBook user (a Lambda instance), so 10 s
// keeps both the staleness and the reads small.
const DefaultRulesTTL = 10 * time.Second

var _ doctales.RuleStore = (*Table)(nil)

// rulesWrites counts the rule writes of every Table in this process; it
// is global so that a Table value made for the API and another for the
// notification function in one process (tests, `doctales` with --aws)
// see each other's writes at once.
var rulesWrites atomic.Int64

// Rules returns owner's effective rules in evaluation order: the stored
// ones (one strongly consistent Query of the owner's partition) and,
// unless stored, the built-in default rule.
func (t *Table) Rules(ctx context.Context, owner string) ([]*doctales.Rule, error) {
	owner = doctales.OwnerOf(owner)
	stored, err := t.queryRules(ctx, &dynamodb.QueryInput{
		TableName:              &t.name,
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :rule)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#sk": AttrSK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: doctales.PartitionFor(owner)},
			":rule": &types.AttributeValueMemberS{Value: doctales.RuleSortPrefix},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("rules of %q: %w", owner, err)
	}
	return doctales.WithDefaultRule(stored, owner), nil
}

// AllRules returns every stored rule of every owner, by owner and order:
// a Query of GSI3's "RULES" partition (eventually consistent, as every
// index read).
func (t *Table) AllRules(ctx context.Context) ([]*doctales.Rule, error) {
	rules, err := t.queryRules(ctx, &dynamodb.QueryInput{
		TableName:                &t.name,
		IndexName:                aws.String(IndexGSI3),
		KeyConditionExpression:   aws.String("#pk = :pk"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrGSI3PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: RulesPartition},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("all rules: %w", err)
	}
	// By owner, then evaluation order.
	byOwner := map[string][]*doctales.Rule{}
	var owners []string
	for _, r := range rules {
		if _, ok := byOwner[r.Owner]; !ok {
			owners = append(owners, r.Owner)
		}
		byOwner[r.Owner] = append(byOwner[r.Owner], r)
	}
	out := rules[:0]
	for _, o := range owners { // GSI3SK starts with the owner: already in owner order
		doctales.SortRules(byOwner[o])
		out = append(out, byOwner[o]...)
	}
	return out, nil
}

// queryRules runs in page by page and decodes each item's body.
func (t *Table) queryRules(ctx context.Context, in *dynamodb.QueryInput) ([]*doctales.Rule, error) {
	var out []*doctales.Rule
	for {
		res, err := t.client.Query(ctx, in)
		if err != nil {
			return nil, formatError(err)
		}
		for _, av := range res.Items {
			r, _, err := unmarshalRule(av)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		if len(res.LastEvaluatedKey) == 0 {
			doctales.SortRules(out)
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// PutRule stores r (its Owner defaulted by doctales.OwnerOf), replacing the
// owner's rule with the same id: a conditional put, on condition that the
// rule is still absent, or still at the revision read (optimistic
// locking, retried MaxUpdateAttempts times, then EOVERLOADED). CreatedAt
// is kept from the stored rule (or set to Now), UpdatedAt becomes Now;
// Default is set for the default rule's id. A new rule beyond
// doctales.MaxRulesPerOwner is EINVALID; the count is read before the
// put, so two creates racing at the limit may both pass. The first edit
// of the default rule reports created false: it existed, built in. The
// caller validates r (notify.ValidateRule).
func (t *Table) PutRule(ctx context.Context, r *doctales.Rule) (bool, error) {
	if r == nil || r.ID == "" {
		return false, doctales.FieldErrorf(doctales.EINVALID, "id", "rule id is required")
	}
	r.Owner = doctales.OwnerOf(r.Owner)
	r.Default = r.ID == doctales.DefaultRuleID
	attempts := t.MaxUpdateAttempts
	if attempts <= 0 {
		attempts = DefaultMaxUpdateAttempts
	}
	for range attempts {
		old, rev, err := t.getRule(ctx, r.Owner, r.ID)
		if err != nil && doctales.ErrorCode(err) != doctales.ENOTFOUND {
			return false, fmt.Errorf("put rule %q of %q: %w", r.ID, r.Owner, err)
		}
		if old == nil && r.ID != doctales.DefaultRuleID {
			n, err := t.countRules(ctx, r.Owner)
			if err != nil {
				return false, fmt.Errorf("put rule %q of %q: %w", r.ID, r.Owner, err)
			}
			if n >= doctales.MaxRulesPerOwner {
				return false, doctales.FieldErrorf(doctales.EINVALID, "id", "%s has %d rules; the limit is %d", r.Owner, n, doctales.MaxRulesPerOwner)
			}
		}
		now := t.now()
		r.CreatedAt, r.UpdatedAt = now, now
		if old != nil && !old.CreatedAt.IsZero() {
			r.CreatedAt = old.CreatedAt
		}
		av, err := marshalRule(r, rev+1)
		if err != nil {
			return false, fmt.Errorf("put rule %q of %q: %w", r.ID, r.Owner, err)
		}
		in := &dynamodb.PutItemInput{TableName: &t.name, Item: av,
			ConditionExpression:      aws.String("attribute_not_exists(#sk)"),
			ExpressionAttributeNames: map[string]string{"#sk": AttrSK},
		}
		if old != nil {
			in.ConditionExpression = aws.String("#rev = :rev")
			in.ExpressionAttributeNames = map[string]string{"#rev": AttrRevision}
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":rev": &types.AttributeValueMemberN{Value: strconv.FormatInt(rev, 10)}}
		}
		_, err = t.client.PutItem(ctx, in)
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue // written meanwhile: read again
		} else if err != nil {
			return false, fmt.Errorf("put rule %q of %q: %w", r.ID, r.Owner, formatError(err))
		}
		rulesWrites.Add(1)
		return old == nil && r.ID != doctales.DefaultRuleID, nil
	}
	return false, doctales.Errorf(doctales.EOVERLOADED, "Rule %q changed %d times while being written; retry later.", r.ID, attempts)
}

// DeleteRule removes owner's rule id: a DeleteItem on condition that it
// exists (ENOTFOUND otherwise). The default rule cannot be deleted
// (EINVALID: disable it).
func (t *Table) DeleteRule(ctx context.Context, owner, id string) error {
	owner = doctales.OwnerOf(owner)
	if id == doctales.DefaultRuleID {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "the default rule cannot be deleted; disable it instead (enabled: false)")
	}
	_, err := t.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &t.name,
		Key:                      ruleKey(owner, id),
		ConditionExpression:      aws.String("attribute_exists(#sk)"),
		ExpressionAttributeNames: map[string]string{"#sk": AttrSK},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return doctales.FieldErrorf(doctales.ENOTFOUND, "id", "rule %q not found", id)
	} else if err != nil {
		return fmt.Errorf("delete rule %q of %q: %w", id, owner, formatError(err))
	}
	rulesWrites.Add(1)
	return nil
}

// RulesVersion moves after every rule write through a Table of this
// process and, besides, once every RulesTTL (default DefaultRulesTTL), so
// that a notify.RuleBook reloads rules other processes wrote within that
// bound (see the note at the top of this file). Checking it costs an
// atomic load and a clock read, no request.
func (t *Table) RulesVersion() int64 {
	ttl := t.RulesTTL
	if ttl <= 0 {
		ttl = DefaultRulesTTL
	}
	// The period number fits in 40 bits for any TTL from 1 ms until the
	// year 2500; the writes count above it.
	period := t.now().UnixNano() / int64(ttl)
	return rulesWrites.Load()<<40 + period&(1<<40-1)
}

// getRule reads owner's rule id and its revision (strongly consistent),
// or ENOTFOUND.
func (t *Table) getRule(ctx context.Context, owner, id string) (*doctales.Rule, int64, error) {
	out, err := t.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.name, Key: ruleKey(owner, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, 0, formatError(err)
	}
	if len(out.Item) == 0 {
		return nil, 0, doctales.FieldErrorf(doctales.ENOTFOUND, "id", "rule %q not found", id)
	}
	return unmarshalRule(out.Item)
}

// countRules counts owner's stored rules.
func (t *Table) countRules(ctx context.Context, owner string) (int, error) {
	in := &dynamodb.QueryInput{
		TableName:                &t.name,
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :rule)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: doctales.PartitionFor(owner)},
			":rule": &types.AttributeValueMemberS{Value: doctales.RuleSortPrefix},
		},
		Select:         types.SelectCount,
		ConsistentRead: aws.Bool(true),
	}
	n := 0
	for {
		out, err := t.client.Query(ctx, in)
		if err != nil {
			return 0, formatError(err)
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// ruleKey returns the primary key of owner's rule id.
func ruleKey(owner, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: doctales.PartitionFor(owner)},
		AttrSK: &types.AttributeValueMemberS{Value: doctales.RuleSortPrefix + id},
	}
}

// marshalRule returns the item of r at revision rev: its keys, its GSI3
// entry under RulesPartition, its fields (the pattern as a string), its
// JSON in body and the revision.
func marshalRule(r *doctales.Rule, rev int64) (map[string]types.AttributeValue, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode rule %q: %w", r.ID, err)
	}
	type plain doctales.Rule
	img, err := doctales.MarshalMap(struct {
		*plain
		Pattern string `json:"pattern"`
	}{(*plain)(r), string(r.Pattern)})
	if err != nil {
		return nil, fmt.Errorf("encode rule %q: %w", r.ID, err)
	}
	av, err := FromStreamImage(img)
	if err != nil {
		return nil, fmt.Errorf("encode rule %q: %w", r.ID, err)
	}
	for k, v := range ruleKey(r.Owner, r.ID) {
		av[k] = v
	}
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	av[AttrGSI3PK] = s(RulesPartition)
	av[AttrGSI3SK] = s(r.Owner + "#" + r.ID)
	av[attrEntityType] = s(entityRule)
	av[attrRuleBody] = s(string(body))
	av[AttrRevision] = &types.AttributeValueMemberN{Value: strconv.FormatInt(rev, 10)}
	return av, nil
}

// unmarshalRule decodes a rule item's body and reads its revision.
func unmarshalRule(av map[string]types.AttributeValue) (*doctales.Rule, int64, error) {
	body, ok := av[attrRuleBody].(*types.AttributeValueMemberS)
	if !ok {
		return nil, 0, fmt.Errorf("rule item %v has no %q string attribute", av[AttrSK], attrRuleBody)
	}
	r := new(doctales.Rule)
	if err := json.Unmarshal([]byte(body.Value), r); err != nil {
		return nil, 0, fmt.Errorf("decode rule item %v: %w", av[AttrSK], err)
	}
	var rev int64
	if n, ok := av[AttrRevision].(*types.AttributeValueMemberN); ok {
		rev, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	return r, rev, nil
}
