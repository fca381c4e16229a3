package dynamodb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/streamrec"
)

// Limits of the table adapter.
const (
	// DefaultMaxQueryPages bounds the Query calls of one FindItems: with
	// filters DynamoDB may read many items to find a few, so after this
	// many calls FindItems returns the items found so far with a cursor to
	// go on from. Each call reads at most 1 MB.
	DefaultMaxQueryPages = 10
	// DefaultMaxUpdateAttempts bounds the read-modify-write rounds of
	// UpdateItem when other writers change the item meanwhile.
	DefaultMaxUpdateAttempts = 5
)

// sortKeyTime is the layout of the timestamp sort keys (GSI1SK, GSI2SK,
// GSI3SK), the one doctales.Item.Image uses: UTC, milliseconds, so that
// strings sort as times.
const sortKeyTime = "2006-01-02T15:04:05.000Z07:00"

// Table is the communications table on DynamoDB, in the original system's
// single-table design: partition "COMM", sort key "COMM#<id>", GSI1 by
// project and GSI2 by sender (both sorted by timestamp), plus GSI3 with
// every item by timestamp. DynamoDB Streams appends the stream records
// itself. Create it with NewTable; it is safe for concurrent use.
type Table struct {
	client *dynamodb.Client
	name   string

	// Now is the clock of createdAt and updatedAt. Default time.Now.
	Now func() time.Time
	// MaxQueryPages bounds the Query calls of one FindItems. Default
	// DefaultMaxQueryPages.
	MaxQueryPages int
	// MaxUpdateAttempts bounds UpdateItem's optimistic-locking rounds; when
	// they run out UpdateItem is EOVERLOADED. Default
	// DefaultMaxUpdateAttempts.
	MaxUpdateAttempts int
	// Overflow, if set, keeps the dimensions of an item larger than
	// MaxItemBytes in an object beside the communication's (the raw
	// bucket on AWS) with a pointer in the table, and every read resolves
	// it (overflow.go). Nil leaves such an item to fail as ETOOLARGE.
	Overflow doctales.ObjectStore
	// MaxItemBytes is the item size above which the dimensions move to
	// Overflow. Default DefaultMaxItemBytes.
	MaxItemBytes int
	// RulesTTL bounds how long a notify.RuleBook keeps rules another
	// process wrote: RulesVersion moves at least this often (rules.go).
	// Default DefaultRulesTTL.
	RulesTTL time.Duration
}

var _ doctales.Table = (*Table)(nil)

// NewTable returns the table name through client. The table must exist
// with the layout of TableDefinition (the SAM template creates it;
// CreateTable creates it elsewhere).
func NewTable(client *dynamodb.Client, name string) *Table {
	return &Table{client: client, name: name, Now: time.Now, MaxQueryPages: DefaultMaxQueryPages, MaxUpdateAttempts: DefaultMaxUpdateAttempts}
}

// Name returns the table name.
func (t *Table) Name() string { return t.name }

// CreateTable creates the table as TableDefinition describes it and waits
// until it is active. It is for tests, local servers and restores; on AWS
// the SAM template owns the table.
func (t *Table) CreateTable(ctx context.Context) error {
	return createTable(ctx, t.client, TableDefinition(t.name))
}

func createTable(ctx context.Context, client *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	if _, err := client.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %q: %w", aws.ToString(in.TableName), formatError(err))
	}
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait for table %q: %w", aws.ToString(in.TableName), err)
	}
	return nil
}

// CreateItem stores item unless an item with its ID exists: a PutItem on
// condition attribute_not_exists(SK). It returns the stored item and true,
// or the existing item and false. A zero CreatedAt or UpdatedAt is set to
// Now. A nil item or an empty ID is EINVALID; an item over DynamoDB's
// 400 KB is ETOOLARGE.
func (t *Table) CreateItem(ctx context.Context, item *doctales.Item) (*doctales.Item, bool, error) {
	if item == nil {
		return nil, false, doctales.Errorf(doctales.EINVALID, "Item required.")
	} else if item.ID == "" {
		return nil, false, doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}
	it := *item
	if it.Owner == "" {
		it.Owner = ctxOwner(ctx)
	}
	it.Owner = doctales.OwnerOf(it.Owner)
	if it.Metadata.Urgency == doctales.UrgencyHigh && it.Metadata.Escalation == 0 {
		it.Metadata.Escalation = 1
	}
	now := t.now()
	if it.CreatedAt.IsZero() {
		it.CreatedAt = now
	}
	if it.UpdatedAt.IsZero() {
		it.UpdatedAt = now
	}
	av, err := t.marshal(ctx, &it, 1)
	if err != nil {
		return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
	}
	_, err = t.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &t.name,
		Item:                                av,
		ConditionExpression:                 aws.String("attribute_not_exists(#sk)"),
		ExpressionAttributeNames:            map[string]string{"#sk": AttrSK},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return &it, true, nil
	case errors.As(err, &ccf):
		// The id is taken: return the item that holds it.
		if len(ccf.Item) > 0 {
			old, _, err := t.unmarshal(ctx, ccf.Item)
			if err != nil {
				return nil, false, fmt.Errorf("create item %q: existing item: %w", item.ID, err)
			}
			return old, false, nil
		}
		old, _, err := t.getItem(doctales.WithOwner(ctx, it.Owner), item.ID)
		if err != nil {
			return nil, false, fmt.Errorf("create item %q: existing item: %w", item.ID, err)
		}
		return old, false, nil
	}
	return nil, false, fmt.Errorf("create item %q: %w", item.ID, formatError(err))
}

// UpdateItem applies upd to the item with that id and returns the new item.
// It reads the item (strongly consistent), applies the update and, unless
// that changes nothing, writes it back on condition that no one wrote it
// meanwhile (its revision is unchanged), retrying the round up to
// MaxUpdateAttempts times. An update that changes nothing writes nothing,
// so DynamoDB Streams appends no record. ENOTFOUND when absent.
func (t *Table) UpdateItem(ctx context.Context, id string, upd doctales.ItemUpdate) (*doctales.Item, error) {
	if id == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}
	attempts := t.MaxUpdateAttempts
	if attempts <= 0 {
		attempts = DefaultMaxUpdateAttempts
	}
	for range attempts {
		old, rev, err := t.getItem(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, err)
		}

		// Apply the update (as every table applies it); stop if it
		// changes nothing.
		n, err := streamrec.ApplyUpdate(old, upd)
		if err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, err)
		}
		it := *n
		if same, err := equalJSON(old, &it); err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, err)
		} else if same {
			return old, nil
		}
		it.UpdatedAt = t.now()
		if upd.State != nil {
			at := it.UpdatedAt.UTC()
			it.StateAt = &at
		}

		// Write on condition that the revision read is still current.
		av, err := t.marshal(ctx, &it, rev+1)
		if err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, err)
		}
		in := &dynamodb.PutItemInput{
			TableName:                 &t.name,
			Item:                      av,
			ConditionExpression:       aws.String("#rev = :rev"),
			ExpressionAttributeNames:  map[string]string{"#rev": AttrRevision},
			ExpressionAttributeValues: map[string]types.AttributeValue{":rev": &types.AttributeValueMemberN{Value: strconv.FormatInt(rev, 10)}},
		}
		if rev == 0 {
			// An item written by another program, without a revision.
			in.ConditionExpression = aws.String("attribute_exists(#sk) AND attribute_not_exists(#rev)")
			in.ExpressionAttributeNames["#sk"] = AttrSK
			in.ExpressionAttributeValues = nil
		}
		_, err = t.client.PutItem(ctx, in)
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue // written meanwhile (or deleted): read again
		} else if err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, formatError(err))
		}
		return &it, nil
	}
	return nil, doctales.Errorf(doctales.EOVERLOADED, "Item %q changed %d times while being updated; retry later.", id, attempts)
}

// GetItem returns the item with that id (strongly consistent), or
// ENOTFOUND.
func (t *Table) GetItem(ctx context.Context, id string) (*doctales.Item, error) {
	it, _, err := t.getItem(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get item %q: %w", id, err)
	}
	return it, nil
}

// getItem returns the item and its revision.
func (t *Table) getItem(ctx context.Context, id string) (*doctales.Item, int64, error) {
	out, err := t.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &t.name,
		Key:            itemKey(ctxOwner(ctx), id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, 0, formatError(err)
	}
	if len(out.Item) == 0 {
		return nil, 0, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	}
	return t.unmarshal(ctx, out.Item)
}

// DeleteItem removes the item; DynamoDB Streams appends a REMOVE record.
// ENOTFOUND when absent.
func (t *Table) DeleteItem(ctx context.Context, id string) error {
	if id == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}
	_, err := t.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &t.name,
		Key:                      itemKey(ctxOwner(ctx), id),
		ConditionExpression:      aws.String("attribute_exists(#sk)"),
		ExpressionAttributeNames: map[string]string{"#sk": AttrSK},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	} else if err != nil {
		return fmt.Errorf("delete item %q: %w", id, formatError(err))
	}
	return nil
}

// FindItems returns one page of items matching filter, newest first, and
// the cursor of the next page ("" on the last).
//
// It queries GSI1 when filter.Project is set, else GSI2 when filter.Sender
// is an address (GSI2 is keyed by sender_id), else GSI3, filtered by
// sender_id or sender when filter.Sender is a name or another id, so that
// a sender filter matches the id or the name as in the embedded table; Since and Until bound the
// index's timestamp sort key, and the other filters are filter expressions.
// Because DynamoDB filters after it reads, FindItems queries until it has a
// full page, the index ends, or MaxQueryPages calls were made; in the last
// case the page may be short (even empty) and still have a cursor.
//
// The cursor is the key of the last item returned (the ExclusiveStartKey of
// the next query) with the index name, as base64url JSON: opaque to
// clients. Items written meanwhile never shift a page. A cursor of another
// index or a malformed one is EINVALID (field "next"); so is a negative
// limit (field "limit"). Items with equal timestamps come in the index's
// order, not necessarily by id.
//
// A column sort (filter.Sort: urgency, sender, subject, deadline) is
// EINVALID naming "sort": the table's indexes are by time, and ordering
// another way would read every item (docs/aws.md).
func (t *Table) FindItems(ctx context.Context, filter doctales.ItemFilter) ([]*doctales.Item, string, error) {
	if filter.Sort != "" {
		return nil, "", doctales.FieldErrorf(doctales.EINVALID, "sort", "sorting by %s is not available on AWS (the table's indexes are by time); use newest or oldest; docs/aws.md", strings.TrimPrefix(filter.Sort, "-"))
	}
	return t.findItems(ctx, filter, nil)
}

// findItems is FindItems with keep, when set, deciding in code which of
// the items the query reads belong on the page (SearchItems).
func (t *Table) findItems(ctx context.Context, filter doctales.ItemFilter, keep func(*doctales.Item) bool) ([]*doctales.Item, string, error) {
	limit, err := doctales.PageLimit(filter.Limit)
	if err != nil {
		return nil, "", err
	}
	q, err := buildQuery(t.name, ctxOwner(ctx), filter)
	if err != nil {
		return nil, "", err
	}
	if filter.Cursor != "" {
		key, err := decodeCursor(filter.Cursor, q.index)
		if err != nil {
			return nil, "", err
		}
		q.in.ExclusiveStartKey = key
	}

	// Query until the page has one item more than asked (to know that
	// another page follows), the index ends, or the call budget is spent.
	maxPages := t.MaxQueryPages
	if maxPages <= 0 {
		maxPages = DefaultMaxQueryPages
	}
	var raws []map[string]types.AttributeValue
	var items []*doctales.Item
	for pages := 0; ; pages++ {
		if q.in.FilterExpression == nil {
			q.in.Limit = aws.Int32(int32(limit + 1 - len(items)))
		}
		out, err := t.client.Query(ctx, q.in)
		if err != nil {
			return nil, "", fmt.Errorf("find items: %w", formatError(err))
		}
		for _, raw := range out.Items {
			it, _, err := t.unmarshal(ctx, raw)
			if err != nil {
				return nil, "", fmt.Errorf("find items: %w", err)
			}
			// The triage state is filtered here, not by the query: a
			// snooze ends by the clock, which no stored attribute says.
			if st := filter.State; st != nil && *st != "" && it.EffectiveState(t.now()) != *st {
				continue
			}
			if keep != nil && !keep(it) {
				continue
			}
			raws, items = append(raws, raw), append(items, it)
			if len(items) > limit {
				return items[:limit], encodeCursor(q.index, raws[limit-1]), nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items, "", nil
		}
		if pages+1 >= maxPages {
			return items, encodeCursor(q.index, out.LastEvaluatedKey), nil
		}
		q.in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// query is a Query for a filter and the index it reads.
type query struct {
	index string
	in    *dynamodb.QueryInput
}

// buildQuery chooses the index for filter and writes its key condition and
// filter expression.
func buildQuery(table, owner string, f doctales.ItemFilter) (query, error) {
	set := func(p *string) bool { return p != nil && *p != "" }
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	str := func(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
	var filters []string

	// The index and its partition.
	q := query{in: &dynamodb.QueryInput{TableName: aws.String(table), ScanIndexForward: aws.Bool(f.Oldest)}} // newest first unless ?sort=oldest
	var pk string
	switch {
	case set(f.Project):
		q.index, pk = IndexGSI1, doctales.GSI1Prefix+doctales.IndexScope(owner)+*f.Project
		if set(f.Sender) {
			names["#sid"], names["#sender"] = "sender_id", "sender"
			values[":sender"] = str(*f.Sender)
			filters = append(filters, "(#sid = :sender OR #sender = :sender)")
		}
	case set(f.Sender) && strings.Contains(*f.Sender, "@") && !strings.ContainsAny(*f.Sender, " \t<"):
		// An address is a sender id: GSI2 is keyed by it.
		q.index, pk = IndexGSI2, doctales.GSI2Prefix+doctales.IndexScope(owner)+*f.Sender
	case set(f.Sender):
		// A name ("Ana Ruiz") or another id matches the id or the name,
		// as in the embedded table: the owner's partition, filtered.
		q.index, pk = IndexGSI3, doctales.PartitionFor(owner)
		names["#sid"], names["#sender"] = "sender_id", "sender"
		values[":sender"] = str(*f.Sender)
		filters = append(filters, "(#sid = :sender OR #sender = :sender)")
	default:
		q.index, pk = IndexGSI3, doctales.PartitionFor(owner)
	}
	keys := indexKeys[q.index]
	q.in.IndexName = aws.String(q.index)
	names["#pk"], values[":pk"] = keys[0], str(pk)
	cond := "#pk = :pk"

	// The time range on the sort key, as inclusive string bounds.
	if f.Since != nil || f.Until != nil {
		lo, hi := "0000", "9999"
		if f.Since != nil {
			lo = sinceKey(*f.Since)
		}
		if f.Until != nil {
			hi = untilKey(*f.Until)
		}
		names["#sk"] = keys[1]
		values[":lo"], values[":hi"] = str(lo), str(hi)
		cond += " AND #sk BETWEEN :lo AND :hi"
	}
	q.in.KeyConditionExpression = aws.String(cond)

	// The other filters.
	for _, x := range []struct {
		name, path string
		value      *string
	}{
		{"type", "#commType", f.Type},
		{"urgency", "#metadata.#urgency", f.Urgency},
		{"status", "#status", f.Status},
	} {
		if !set(x.value) {
			continue
		}
		for _, part := range strings.Split(x.path, ".") {
			names[part] = map[string]string{"#commType": "commType", "#metadata": "metadata", "#urgency": "urgency", "#status": "status"}[part]
		}
		values[":"+x.name] = str(*x.value)
		filters = append(filters, x.path+" = :"+x.name)
	}
	if len(filters) > 0 {
		q.in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	q.in.ExpressionAttributeNames, q.in.ExpressionAttributeValues = names, values
	return q, nil
}

// sinceKey returns the smallest sort key at or after t: timestamps are kept
// to the millisecond, so a t within a millisecond rounds up.
func sinceKey(t time.Time) string {
	t = t.UTC()
	if tr := t.Truncate(time.Millisecond); !tr.Equal(t) {
		t = tr.Add(time.Millisecond)
	}
	return t.Format(sortKeyTime)
}

// untilKey returns the largest sort key before t.
func untilKey(t time.Time) string {
	t = t.UTC()
	tr := t.Truncate(time.Millisecond)
	if tr.Equal(t) {
		tr = tr.Add(-time.Millisecond)
	}
	return tr.Format(sortKeyTime)
}

// cursor is the position after which the next page starts.
type cursor struct {
	Index string            `json:"i"`
	Key   map[string]string `json:"k"`
}

// encodeCursor returns the key attributes of item for index as an opaque
// cursor.
func encodeCursor(index string, item map[string]types.AttributeValue) string {
	c := cursor{Index: index, Key: map[string]string{}}
	keys := indexKeys[index]
	for _, a := range []string{AttrPK, AttrSK, keys[0], keys[1]} {
		if s, ok := item[a].(*types.AttributeValueMemberS); ok {
			c.Key[a] = s.Value
		}
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor made by encodeCursor for index, or returns
// EINVALID with field "next".
func decodeCursor(s, index string) (map[string]types.AttributeValue, error) {
	invalid := doctales.FieldErrorf(doctales.EINVALID, "next", "Invalid page cursor.")
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Index != index {
		return nil, invalid
	}
	keys := indexKeys[index]
	out := map[string]types.AttributeValue{}
	for _, a := range []string{AttrPK, AttrSK, keys[0], keys[1]} {
		v, ok := c.Key[a]
		if !ok || v == "" {
			return nil, invalid
		}
		out[a] = &types.AttributeValueMemberS{Value: v}
	}
	if len(c.Key) != len(out) {
		return nil, invalid
	}
	return out, nil
}

// marshalItem returns the DynamoDB item of it: its image (attributes, PK,
// SK, GSI1 and GSI2 keys), the GSI3 keys, the revision and the traceparent
// of ctx (AttrTraceParent).
func marshalItem(ctx context.Context, it *doctales.Item, rev int64) (map[string]types.AttributeValue, error) {
	img, err := it.Image()
	if err != nil {
		return nil, err
	}
	av, err := FromStreamImage(img)
	if err != nil {
		return nil, err
	}
	av[AttrGSI3PK] = &types.AttributeValueMemberS{Value: doctales.PartitionFor(it.Owner)}
	av[AttrGSI3SK] = &types.AttributeValueMemberS{Value: it.Timestamp.UTC().Format(sortKeyTime)}
	av[AttrRevision] = &types.AttributeValueMemberN{Value: strconv.FormatInt(rev, 10)}
	if tp := doctales.TraceParent(ctx); tp != "" {
		av[AttrTraceParent] = &types.AttributeValueMemberS{Value: tp}
	}
	return av, nil
}

// ImageTraceParent returns the AttrTraceParent of a stream image (a
// record's NewImage), "" when it has none or it is not a string.
func ImageTraceParent(img map[string]events.DynamoDBAttributeValue) string {
	if v, ok := img[AttrTraceParent]; ok && v.DataType() == events.DataTypeString {
		return v.String()
	}
	return ""
}

// unmarshalItem reads an item and its revision back.
func unmarshalItem(av map[string]types.AttributeValue) (*doctales.Item, int64, error) {
	img, err := ToStreamImage(av)
	if err != nil {
		return nil, 0, err
	}
	it, err := doctales.ItemFromImage(img)
	if err != nil {
		return nil, 0, err
	}
	it.Owner = doctales.OwnerOf(it.Owner) // written before owners existed
	var rev int64
	if n, ok := av[AttrRevision].(*types.AttributeValueMemberN); ok {
		if rev, err = strconv.ParseInt(n.Value, 10, 64); err != nil {
			return nil, 0, fmt.Errorf("item revision %q: %w", n.Value, err)
		}
	}
	return it, rev, nil
}

// equalJSON reports whether a and b encode to the same JSON.
func equalJSON(a, b *doctales.Item) (bool, error) {
	x, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	y, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return string(x) == string(y), nil
}

// ctxOwner returns the user ctx is scoped to (doctales.WithOwner), else
// doctales.DefaultUserID: on DynamoDB the partition is the user, so a
// call without an owner acts on the default user's items.
func ctxOwner(ctx context.Context) string {
	if o, ok := doctales.OwnerFromContext(ctx); ok {
		return o
	}
	return doctales.DefaultUserID
}

func (t *Table) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

// formatError translates DynamoDB errors into application errors:
// throttling is EOVERLOADED, an item over the size limit ETOOLARGE. Others
// are returned as they are (EINTERNAL). The DynamoDB error stays in the
// chain for logs.
func formatError(err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.ErrorCode() {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException":
		return &appError{doctales.Errorf(doctales.EOVERLOADED, "The table is busy; retry later."), err}
	case "ValidationException":
		if strings.Contains(ae.ErrorMessage(), "size has exceeded") {
			return &appError{doctales.Errorf(doctales.ETOOLARGE, "The item is larger than DynamoDB's 400 KB item limit."), err}
		}
	}
	return err
}

// appError is an application error that keeps the DynamoDB error as its
// cause.
type appError struct {
	app   *doctales.Error
	cause error
}

func (e *appError) Error() string   { return e.app.Error() + ": " + e.cause.Error() }
func (e *appError) Unwrap() []error { return []error{e.app, e.cause} }
