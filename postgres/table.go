package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/pagecursor"
	"github.com/doctales/doctales/internal/streamrec"
	"github.com/jackc/pgx/v5"
)

// Stream record event names.
const (
	EventInsert = streamrec.EventInsert
	EventModify = streamrec.EventModify
	EventRemove = streamrec.EventRemove
)

// CreateItem stores item unless an item with its ID exists, a conditional
// put. It returns a copy of the stored item and true when it created it,
// appending an INSERT stream record in the same transaction, or the
// existing item and false, appending nothing. A zero CreatedAt or
// UpdatedAt is set to Now. A nil item or an empty ID is EINVALID.
//
// An item without an Owner gets the owner ctx is scoped to (see
// doctales.WithOwner), else doctales.DefaultUserID. When the id is taken
// by another owner's item, the answer is ECONFLICT and says nothing of
// that item.
func (db *DB) CreateItem(ctx context.Context, item *doctales.Item) (*doctales.Item, bool, error) {
	if item == nil {
		return nil, false, doctales.Errorf(doctales.EINVALID, "Item required.")
	} else if err := checkID(item.ID); err != nil {
		return nil, false, err
	}
	it := *item
	if it.Owner == "" {
		it.Owner, _ = doctales.OwnerFromContext(ctx)
	}
	it.Owner = doctales.OwnerOf(it.Owner)
	if it.Metadata.Urgency == doctales.UrgencyHigh && it.Metadata.Escalation == 0 {
		it.Metadata.Escalation = 1 // created high: its first rise
	}
	now := db.nowMicro()
	if it.CreatedAt.IsZero() {
		it.CreatedAt = now
	}
	if it.UpdatedAt.IsZero() {
		it.UpdatedAt = now
	}
	row, err := newItemRow(&it)
	if err != nil {
		return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
	}
	rec, err := db.enc.Item(EventInsert, nil, &it, now)
	if err != nil {
		return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
	}

	// One statement, so one round trip and its own transaction: insert
	// unless the id is taken, forget a delete of the id (unless the item
	// is recovered from its object), and append the INSERT record, all
	// or nothing.
	args := append(row.args(it.ID), it.Recovered, doctales.SourceDynamoDB, rec.Key, rec.Data, rec.SeqAt, rec.At, doctales.TraceParent(ctx))
	for attempt := 1; ; attempt++ {
		var appended bool
		if err := db.pool.QueryRow(ctx, createItem, args...).Scan(&appended); err != nil {
			return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
		}
		if appended {
			db.numberAfterWrite(ctx, "create item", item.ID)
			return &it, true, nil
		}
		var existing []byte
		err := db.pool.QueryRow(ctx, `SELECT body FROM items WHERE id = $1`, it.ID).Scan(&existing)
		if errors.Is(err, pgx.ErrNoRows) && attempt < 3 {
			continue // deleted in between: try the insert again
		} else if err != nil {
			return nil, false, fmt.Errorf("create item %q: read existing item: %w", item.ID, err)
		}
		old, err := decodeItem(existing)
		if err != nil {
			return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
		}
		if old.Owner != it.Owner {
			return nil, false, streamrec.ErrIDTaken(item.ID)
		}
		return old, false, nil
	}
}

// createItem is CreateItem's statement: $1-$14 the row (itemRow.args),
// $15 whether the item is recovered, $16-$21 the stream record. It
// returns whether it inserted (and so appended).
const createItem = `WITH ins AS (
		INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, owner,
			state, state_until, thread_id, deadline, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (id) DO NOTHING RETURNING id
	), forget AS (
		DELETE FROM deleted WHERE NOT $15::boolean AND id IN (SELECT id FROM ins)
	), rec AS (
		INSERT INTO log (source, key, target, data, seq_at, at, trace_parent)
		SELECT $16, $17, '', $18, $19, $20, $21 FROM ins RETURNING id
	)
	SELECT EXISTS (SELECT 1 FROM rec)`

// beforeAppend runs the test hook between an item's write and its stream
// record's append (see export_test.go), or nothing.
func (db *DB) beforeAppend(ctx context.Context, tx pgx.Tx) error {
	if db.testBeforeAppend == nil {
		return nil
	}
	return db.testBeforeAppend(ctx, tx)
}

// numberAfterWrite numbers the stream record a table write committed, so
// that it is in the log (ReadLog) when the write returns. The write is
// durable whatever happens here: if numbering fails (the connection
// dropped), the record is numbered by the next write or the sweep, and
// the write still succeeds.
func (db *DB) numberAfterWrite(ctx context.Context, op, id string) {
	if err := db.number(ctx); err != nil {
		db.logger.Warn("postgres: "+op+" committed; its stream record waits for the sweep", "id", id, "err", err)
	}
}

// streamRow is the log row of a stream record.
func streamRow(r *streamrec.Record) logRow {
	return logRow{rec: &doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: r.Key, Data: r.Data, Time: r.At}, seqAt: r.SeqAt}
}

// UpdateItem applies upd to the item with that id and returns the new
// item, as package sqlite does (streamrec.ApplyUpdate): UpdatedAt becomes
// Now and the write appends a MODIFY record with both images. An update
// that changes nothing but updatedAt writes nothing, appends nothing and
// returns the stored item. ENOTFOUND when no item has that id.
//
// The row is locked (SELECT ... FOR UPDATE) from the read to the commit,
// so concurrent updates of one item apply one after the other and each
// MODIFY's old image is the previous one's new image.
func (db *DB) UpdateItem(ctx context.Context, id string, upd doctales.ItemUpdate) (*doctales.Item, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var result *doctales.Item
	appended := false
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		appended = false
		var body []byte
		if err := tx.QueryRow(ctx, `SELECT body FROM items WHERE id = $1 FOR UPDATE`, id).Scan(&body); errors.Is(err, pgx.ErrNoRows) {
			return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
		} else if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		old, err := decodeItem(body)
		if err != nil {
			return err
		}
		if !doctales.VisibleTo(ctx, old.Owner) {
			return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
		}
		n, err := streamrec.ApplyUpdate(old, upd)
		if err != nil {
			return err
		}
		r, err := newItemRow(n)
		if err != nil {
			return err
		}
		if bytes.Equal(r.body, body) {
			result = old // changes nothing but updatedAt
			return nil
		}
		now := db.nowMicro()
		n.UpdatedAt = now
		if upd.State != nil {
			at := now.UTC()
			n.StateAt = &at
		}
		if r, err = newItemRow(n); err != nil {
			return err
		}
		rec, err := db.enc.Item(EventModify, old, n, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE items SET ts = $2, project = $3, type = $4, sender = $5, sender_id = $6,
			urgency = $7, status = $8, owner = $9, state = $10, state_until = $11, thread_id = $12, deadline = $13, body = $14
			WHERE id = $1`, r.args(id)...); err != nil {
			return fmt.Errorf("write item: %w", err)
		}
		if err := db.beforeAppend(ctx, tx); err != nil {
			return err
		}
		if _, err := appendLog(ctx, tx, doctales.TraceParent(ctx), streamRow(rec)); err != nil {
			return err
		}
		result, appended = n, true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("update item %q: %w", id, err)
	}
	if appended {
		db.numberAfterWrite(ctx, "update item", id)
	}
	return result, nil
}

// DeleteItem removes the item and appends a REMOVE record with its old
// image (streamrec.RemovedImage: what identifies it, not its content).
// ENOTFOUND when no item has that id or ctx may not see it. The id is
// remembered as deleted (DeletedSince).
func (db *DB) DeleteItem(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var body []byte
		if err := tx.QueryRow(ctx, `SELECT body FROM items WHERE id = $1 FOR UPDATE`, id).Scan(&body); errors.Is(err, pgx.ErrNoRows) {
			return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
		} else if err != nil {
			return fmt.Errorf("read item: %w", err)
		}
		old, err := decodeItem(body)
		if err != nil {
			return err
		}
		if !doctales.VisibleTo(ctx, old.Owner) {
			return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
		}
		now := db.nowMicro()
		if _, err := tx.Exec(ctx, `DELETE FROM items WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete row: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO deleted (id, owner, at) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, at = excluded.at`, id, old.Owner, now); err != nil {
			return fmt.Errorf("remember deleted id: %w", err)
		}
		if err := db.beforeAppend(ctx, tx); err != nil {
			return err
		}
		rec, err := db.enc.Item(EventRemove, streamrec.RemovedImage(old), nil, now)
		if err != nil {
			return err
		}
		_, err = appendLog(ctx, tx, doctales.TraceParent(ctx), streamRow(rec))
		return err
	}); err != nil {
		return fmt.Errorf("delete item %q: %w", id, err)
	}
	db.numberAfterWrite(ctx, "delete item", id)
	return nil
}

// DeletedSince reports whether the item id was deleted (DeleteItem) at or
// after t; see sqlite.DB.DeletedSince.
func (db *DB) DeletedSince(ctx context.Context, id string, t time.Time) (bool, error) {
	var at time.Time
	err := db.pool.QueryRow(ctx, `SELECT at FROM deleted WHERE id = $1`, id).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("deleted %q: %w", id, err)
	}
	return !at.Before(t.Truncate(time.Microsecond)), nil
}

// GetItem returns the item with that id, or ENOTFOUND (also when ctx may
// not see it: the caller must not learn that it exists).
func (db *DB) GetItem(ctx context.Context, id string) (*doctales.Item, error) {
	if checkText("id", id) != nil {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id) // none can have it
	}
	var body []byte
	if err := db.pool.QueryRow(ctx, `SELECT body FROM items WHERE id = $1`, id).Scan(&body); errors.Is(err, pgx.ErrNoRows) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("get item %q: %w", id, err)
	}
	it, err := decodeItem(body)
	if err != nil {
		return nil, fmt.Errorf("get item %q: %w", id, err)
	}
	if !doctales.VisibleTo(ctx, it.Owner) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	}
	return it, nil
}

// FindItems returns one page of items matching filter, newest first
// (timestamp, then id, descending; oldest first with filter.Oldest), and
// the cursor of the next page, "" on the last page. Pages are cut by
// keyset, so items inserted meanwhile never shift a page. The cursor is
// the SQLite table's. Filters: project, type, sender (sender_id or
// sender), urgency, status, state, since, until. A column sort
// (filter.Sort) is EINVALID, field "sort", as on DynamoDB: this table
// orders by time only. Limit 0 means DefaultPageSize and a limit above
// MaxPageSize is lowered to it; a negative limit is EINVALID (field
// "limit"), a malformed cursor EINVALID (field "next").
func (db *DB) FindItems(ctx context.Context, filter doctales.ItemFilter) ([]*doctales.Item, string, error) {
	limit, err := doctales.PageLimit(filter.Limit)
	if err != nil {
		return nil, "", err
	}
	if filter.Sort != "" {
		return nil, "", doctales.FieldErrorf(doctales.EINVALID, "sort", "sort %q is not available on the PostgreSQL table: it lists by time only (newest, oldest)", filter.Sort)
	}
	q, err := db.itemWhere(ctx, filter)
	if err != nil {
		return nil, "", err
	}
	order, cmp := "ts DESC, id DESC", "<"
	if filter.Oldest {
		order, cmp = "ts, id", ">"
	}
	if filter.Cursor != "" {
		c, err := pagecursor.Decode(filter.Cursor)
		if err != nil {
			return nil, "", err
		}
		if c.Sort != "" {
			return nil, "", doctales.FieldErrorf(doctales.EINVALID, "next", "The page cursor belongs to sort %s, not newest/oldest; start again without next.", c.Sort)
		}
		q.where = append(q.where, "(ts, id) "+cmp+" ("+q.arg(c.TS)+", "+q.arg(c.ID)+")")
	}
	query := `SELECT ts, id, body FROM items` + q.sql() + ` ORDER BY ` + order + ` LIMIT ` + q.arg(limit+1)
	rows, err := db.pool.Query(ctx, query, q.args...)
	if err != nil {
		return nil, "", fmt.Errorf("find items: %w", err)
	}
	defer rows.Close()
	items := make([]*doctales.Item, 0, min(limit, 64))
	var last cursor
	more := false
	for rows.Next() {
		if len(items) == limit {
			more = true
			break
		}
		var body []byte
		if err := rows.Scan(&last.TS, &last.ID, &body); err != nil {
			return nil, "", fmt.Errorf("find items: %w", err)
		}
		it, err := decodeItem(body)
		if err != nil {
			return nil, "", fmt.Errorf("find items: %w", err)
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("find items: %w", err)
	}
	if !more {
		return items, "", nil
	}
	return items, last.Encode(), nil
}

// cursor is the position after which the next page starts
// (pagecursor.Cursor, the SQLite table's form).
type cursor = pagecursor.Cursor

// itemRow is an item as stored: its JSON body and the filter columns.
type itemRow struct {
	ts, project, typ, sender, senderID, urgency, status, owner string
	state, stateUntil, threadID, deadline                      string
	body                                                       []byte
}

// MaxColumnBytes is the longest value of an indexed column of an item
// (project, type, sender, sender id, urgency, status, owner, state,
// thread id), in bytes: an index entry of PostgreSQL's btree holds at
// most about 2,700 bytes, and the value shares it with the timestamp and
// id. Ingestion's limits keep far below it (320 characters for a name).
const MaxColumnBytes = 2000

// checkText returns EINVALID naming field when v cannot be stored in a
// text column: PostgreSQL text holds valid UTF-8 without NUL bytes.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return doctales.FieldErrorf(doctales.EINVALID, field, "%s is not valid UTF-8.", field)
	}
	if i := strings.IndexByte(v, 0); i >= 0 {
		return doctales.FieldErrorf(doctales.EINVALID, field, "%s contains a NUL byte at offset %d, which PostgreSQL text cannot hold.", field, i)
	}
	return nil
}

// checkID returns EINVALID naming "id" for an id the table cannot hold:
// empty, over doctales.MaxIDBytes, or not storable text.
func checkID(id string) error {
	if id == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}
	if len(id) > doctales.MaxIDBytes {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "Item id is %d bytes, over the limit of %d.", len(id), doctales.MaxIDBytes)
	}
	return checkText("id", id)
}

// newItemRow encodes it, as package sqlite does. A column value that is
// not storable text or is over MaxColumnBytes is EINVALID naming it.
func newItemRow(it *doctales.Item) (itemRow, error) {
	for _, c := range []struct{ field, v string }{
		{"project", it.Project}, {"type", it.Type}, {"sender", it.Sender}, {"senderId", it.SenderID},
		{"metadata.urgency", it.Metadata.Urgency}, {"status", it.Status}, {"owner", it.Owner},
		{"state", it.State}, {"threadId", it.ThreadID},
	} {
		if len(c.v) > MaxColumnBytes {
			return itemRow{}, doctales.FieldErrorf(doctales.EINVALID, c.field, "%s is %d bytes, over the limit of %d.", c.field, len(c.v), MaxColumnBytes)
		}
		if err := checkText(c.field, c.v); err != nil {
			return itemRow{}, err
		}
	}
	body, err := json.Marshal(it)
	if err != nil {
		return itemRow{}, fmt.Errorf("encode item: %w", err)
	}
	r := itemRow{
		ts: formatTime(it.Timestamp), project: it.Project, typ: it.Type, sender: it.Sender, senderID: it.SenderID,
		urgency: it.Metadata.Urgency, status: it.Status, owner: doctales.OwnerOf(it.Owner), state: it.State,
		threadID: it.ThreadID, body: body,
	}
	if it.StateUntil != nil {
		r.stateUntil = formatTime(*it.StateUntil)
	}
	if d := it.Dimensions; d != nil && d.Deadline != nil && !d.Deadline.IsZero() {
		r.deadline = formatTime(*d.Deadline)
	}
	return r, nil
}

// args returns id and the row's columns, in the order of the INSERT and
// UPDATE statements.
func (r itemRow) args(id string) []any {
	return []any{id, r.ts, r.project, r.typ, r.sender, r.senderID, r.urgency, r.status, r.owner,
		r.state, r.stateUntil, r.threadID, r.deadline, r.body}
}

// decodeItem decodes a stored body.
func decodeItem(body []byte) (*doctales.Item, error) {
	var it doctales.Item
	if err := json.Unmarshal(body, &it); err != nil {
		return nil, fmt.Errorf("decode stored item: %w", err)
	}
	it.Owner = doctales.OwnerOf(it.Owner)
	return &it, nil
}

// itemQuery is the WHERE of a query of items being built: its conditions
// and their arguments ($1, $2, ... in order).
type itemQuery struct {
	where []string
	args  []any
}

// arg adds v to the arguments and returns its placeholder.
func (q *itemQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// sql returns " WHERE" and the conditions joined by AND, or "" without
// any.
func (q *itemQuery) sql() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// itemWhere returns the conditions of the filters set in filter and of
// the owner ctx is scoped to: everything but the cursor, the order and
// the limit, so that FindItems and CountItems select the same items. A
// filter value that is not storable text is EINVALID naming its field, a
// state that is not one of doctales.States EINVALID naming "state".
func (db *DB) itemWhere(ctx context.Context, filter doctales.ItemFilter) (*itemQuery, error) {
	q := &itemQuery{}
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		q.where = append(q.where, "owner = "+q.arg(owner))
	}
	for _, f := range filter.Equalities() {
		if err := checkText(f.Column, f.Value); err != nil {
			return nil, err
		}
		q.where = append(q.where, f.Column+" = "+q.arg(f.Value))
	}
	if v := filter.Sender; v != nil && *v != "" {
		if err := checkText("sender", *v); err != nil {
			return nil, err
		}
		p := q.arg(*v)
		q.where = append(q.where, "(sender_id = "+p+" OR sender = "+p+")")
	}
	if v := filter.State; v != nil && *v != "" {
		now := formatTime(db.now())
		switch *v {
		case doctales.StateOpen:
			q.where = append(q.where, "(state = '' OR (state = 'snoozed' AND state_until <= "+q.arg(now)+"))")
		case doctales.StateSnoozed:
			q.where = append(q.where, "(state = 'snoozed' AND state_until > "+q.arg(now)+")")
		case doctales.StateDone, doctales.StateWaiting:
			q.where = append(q.where, "state = "+q.arg(*v))
		default:
			return nil, doctales.FieldErrorf(doctales.EINVALID, "state", "state %q is not one of %s", *v, strings.Join(doctales.States, ", "))
		}
	}
	if v := filter.Since; v != nil {
		q.where = append(q.where, "ts >= "+q.arg(formatTime(*v)))
	}
	if v := filter.Until; v != nil {
		q.where = append(q.where, "ts < "+q.arg(formatTime(*v)))
	}
	return q, nil
}
