package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/doctales/doctales/notify"
)

// Timers is the notification timers' store on DynamoDB (issue 13, "When"
// on AWS): reminders before a deadline and escalation steps, planned by
// the notification function and fired by the timers function that an
// EventBridge Scheduler schedule invokes every minute.
//
// Each timer is one item of its own table, keyed by the timer's
// deterministic id (TimersDefinition): PutTimers is a conditional put, so
// planning twice stores once. A pending timer carries the attribute
// "pending" = "1", which puts it in the sparse index ByDue (pending, due),
// read earliest first; FireTimer removes it, so a fired timer leaves the
// index and is never due again. The index ByCommunication
// (communicationId, kind) finds an item's timers to cancel. Index reads
// are eventually consistent: a timer fired a moment ago may be listed as
// due once more, and firing it again sends nothing twice because the
// message is claimed in the ledger first (the claim protocol of the
// notification function).
//
// Timers implements notify.TimerStore and is safe for concurrent use.
type Timers struct {
	client *dynamodb.Client
	name   string
}

var _ notify.TimerStore = (*Timers)(nil)

// Attributes and indexes of the timers table.
const (
	AttrTimerID         = "id"
	AttrTimerComm       = "communicationId"
	AttrTimerKind       = "kind"
	AttrTimerDue        = "due" // S: UTC, milliseconds, then "#<id>", so strings sort as times
	AttrTimerPending    = "pending"
	attrTimerFired      = "fired"
	attrTimerBody       = "body"
	timerPending        = "1"
	IndexTimersByDue    = "ByDue"
	IndexTimersByComm   = "ByCommunication"
	defaultDueTimersMax = 100
)

// NewTimers returns the timers in table name through client.
func NewTimers(client *dynamodb.Client, name string) *Timers {
	return &Timers{client: client, name: name}
}

// Name returns the table name.
func (s *Timers) Name() string { return s.name }

// TimersDefinition returns the timers table: on-demand, keyed by id, with
// the sparse index ByDue (pending, due) and ByCommunication
// (communicationId, kind), both projecting every attribute. The SAM
// template declares the same; its test compares the two.
func TimersDefinition(name string) *dynamodb.CreateTableInput {
	gsi := func(index, pk, sk string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName: aws.String(index),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	var attrs []types.AttributeDefinition
	for _, a := range []string{AttrTimerID, AttrTimerPending, AttrTimerDue, AttrTimerComm, AttrTimerKind} {
		attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS})
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: attrs,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(AttrTimerID), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi(IndexTimersByDue, AttrTimerPending, AttrTimerDue),
			gsi(IndexTimersByComm, AttrTimerComm, AttrTimerKind),
		},
	}
}

// CreateTable creates the timers table (TimersDefinition) and waits until
// it is active; for tests and local servers.
func (s *Timers) CreateTable(ctx context.Context) error {
	return createTable(ctx, s.client, TimersDefinition(s.name))
}

// dueKey is a timer's ByDue sort key: its due time then its id, so equal
// times come by id and the key is unique.
func dueKey(due time.Time, id string) string {
	return due.UTC().Format(sortKeyTime) + "#" + id
}

// PutTimers stores each timer whose id is not stored yet (a put on
// condition attribute_not_exists(id)); a stored one, fired or not, is
// kept as it is.
func (s *Timers) PutTimers(ctx context.Context, timers []notify.Timer) error {
	for _, t := range timers {
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode timer %q: %w", t.ID, err)
		}
		str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		item := map[string]types.AttributeValue{
			AttrTimerID: str(t.ID), AttrTimerComm: str(t.CommunicationID), AttrTimerKind: str(t.Kind),
			AttrTimerDue: str(dueKey(t.Due, t.ID)), attrTimerBody: str(string(body)),
			attrTimerFired: &types.AttributeValueMemberBOOL{Value: t.Fired},
		}
		if !t.Fired {
			item[AttrTimerPending] = str(timerPending)
		}
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.name, Item: item,
			ConditionExpression:      aws.String("attribute_not_exists(#id)"),
			ExpressionAttributeNames: map[string]string{"#id": AttrTimerID},
		})
		var ccf *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &ccf) {
			return fmt.Errorf("store timer %q: %w", t.ID, formatError(err))
		}
	}
	return nil
}

// CancelTimers deletes communicationID's pending timers of kind: a Query
// of ByCommunication, then a delete of each on condition that it is
// still pending (a timer fired meanwhile is kept).
func (s *Timers) CancelTimers(ctx context.Context, communicationID, kind string) error {
	in := &dynamodb.QueryInput{
		TableName:                &s.name,
		IndexName:                aws.String(IndexTimersByComm),
		KeyConditionExpression:   aws.String("#c = :c AND #k = :k"),
		ExpressionAttributeNames: map[string]string{"#c": AttrTimerComm, "#k": AttrTimerKind},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": &types.AttributeValueMemberS{Value: communicationID},
			":k": &types.AttributeValueMemberS{Value: kind},
		},
	}
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("cancel %s timers of %q: %w", kind, communicationID, formatError(err))
		}
		for _, it := range out.Items {
			if _, pending := it[AttrTimerPending]; !pending {
				continue
			}
			_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: &s.name, Key: map[string]types.AttributeValue{AttrTimerID: it[AttrTimerID]},
				ConditionExpression:      aws.String("attribute_exists(#p)"),
				ExpressionAttributeNames: map[string]string{"#p": AttrTimerPending},
			})
			var ccf *types.ConditionalCheckFailedException
			if err != nil && !errors.As(err, &ccf) {
				return fmt.Errorf("cancel %s timers of %q: %w", kind, communicationID, formatError(err))
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// GetTimer returns the timer stored with id (strongly consistent), fired
// or not, and false when there is none.
func (s *Timers) GetTimer(ctx context.Context, id string) (notify.Timer, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.name, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrTimerID: &types.AttributeValueMemberS{Value: id}}})
	if err != nil {
		return notify.Timer{}, false, fmt.Errorf("read timer %q: %w", id, formatError(err))
	}
	if len(out.Item) == 0 {
		return notify.Timer{}, false, nil
	}
	t, err := decodeTimerItem(out.Item)
	return t, err == nil, err
}

// DueTimers returns up to limit (0: 100) pending timers due at or before
// now, earliest first: one Query of ByDue.
func (s *Timers) DueTimers(ctx context.Context, now time.Time, limit int) ([]notify.Timer, error) {
	if limit <= 0 {
		limit = defaultDueTimersMax
	}
	// "#" sorts before every character an id holds after it, and "~"
	// after: every key of a time <= now is below now's time + "#~".
	items, err := s.byDue(ctx, now.UTC().Format(sortKeyTime)+"#~", limit)
	if err != nil {
		return nil, fmt.Errorf("read due timers: %w", err)
	}
	out := make([]notify.Timer, 0, len(items))
	for _, it := range items {
		t, err := decodeTimerItem(it)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// byDue reads up to limit items of ByDue with a due key at most upTo
// ("" for any), earliest first.
func (s *Timers) byDue(ctx context.Context, upTo string, limit int) ([]map[string]types.AttributeValue, error) {
	in := &dynamodb.QueryInput{
		TableName:                &s.name,
		IndexName:                aws.String(IndexTimersByDue),
		KeyConditionExpression:   aws.String("#p = :p"),
		ExpressionAttributeNames: map[string]string{"#p": AttrTimerPending},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: timerPending},
		},
		ScanIndexForward: aws.Bool(true),
		Limit:            aws.Int32(int32(limit)),
	}
	if upTo != "" {
		in.KeyConditionExpression = aws.String("#p = :p AND #d <= :d")
		in.ExpressionAttributeNames["#d"] = AttrTimerDue
		in.ExpressionAttributeValues[":d"] = &types.AttributeValueMemberS{Value: upTo}
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, formatError(err)
		}
		items = append(items, out.Items...)
		if len(items) >= limit || len(out.LastEvaluatedKey) == 0 {
			if len(items) > limit {
				items = items[:limit]
			}
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// FireTimer marks the timer fired: it leaves ByDue (pending removed) and
// its body says Fired. Firing an absent timer is a no-op.
func (s *Timers) FireTimer(ctx context.Context, id string) error {
	t, ok, err := s.GetTimer(ctx, id)
	if err != nil || !ok {
		return err
	}
	t.Fired = true
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode timer %q: %w", id, err)
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.name,
		Key:       map[string]types.AttributeValue{AttrTimerID: &types.AttributeValueMemberS{Value: id}},
		// On condition that it exists: a timer cancelled meanwhile is
		// not written back.
		ConditionExpression:      aws.String("attribute_exists(#id)"),
		UpdateExpression:         aws.String("SET #f = :t, #b = :b REMOVE #p"),
		ExpressionAttributeNames: map[string]string{"#id": AttrTimerID, "#f": attrTimerFired, "#b": attrTimerBody, "#p": AttrTimerPending},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": &types.AttributeValueMemberBOOL{Value: true},
			":b": &types.AttributeValueMemberS{Value: string(body)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("mark timer %q fired: %w", id, formatError(err))
	}
	return nil
}

// NextNotifyTimer returns the due time of the earliest pending timer, and
// false when none is pending.
func (s *Timers) NextNotifyTimer(ctx context.Context) (time.Time, bool, error) {
	items, err := s.byDue(ctx, "", 1)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next notification timer: %w", err)
	}
	if len(items) == 0 {
		return time.Time{}, false, nil
	}
	t, err := decodeTimerItem(items[0])
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next notification timer: %w", err)
	}
	return t.Due, true, nil
}

// decodeTimerItem reads a timer item's body, with Fired from its fired
// attribute.
func decodeTimerItem(it map[string]types.AttributeValue) (notify.Timer, error) {
	var t notify.Timer
	body, ok := it[attrTimerBody].(*types.AttributeValueMemberS)
	if !ok {
		return t, fmt.Errorf("timer item %v has no %q string attribute", it[AttrTimerID], attrTimerBody)
	}
	if err := json.Unmarshal([]byte(body.Value), &t); err != nil {
		return t, fmt.Errorf("decode timer %.60q: %w", body.Value, err)
	}
	if f, ok := it[attrTimerFired].(*types.AttributeValueMemberBOOL); ok {
		t.Fired = f.Value
	}
	return t, nil
}
