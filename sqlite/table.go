package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/pagecursor"
	"github.com/doctales/doctales/internal/streamrec"
)

// Stream record constants of DynamoDB Streams.
const (
	EventInsert = streamrec.EventInsert
	EventModify = streamrec.EventModify
	EventRemove = streamrec.EventRemove
)

// CreateItem stores item unless an item with its ID exists, a conditional
// put. It returns a copy of the stored item and true when it created it,
// appending an INSERT stream record in the same transaction, or the
// existing item and false, appending nothing. A zero CreatedAt or UpdatedAt
// is set to Now. A nil item or an empty ID is EINVALID.
//
// An item without an Owner gets the owner ctx is scoped to (see
// doctales.WithOwner), else doctales.DefaultUserID. When the id is taken by
// another owner's item, the answer is ECONFLICT and says nothing of that
// item.
func (db *DB) CreateItem(ctx context.Context, item *doctales.Item) (*doctales.Item, bool, error) {
	if item == nil {
		return nil, false, doctales.Errorf(doctales.EINVALID, "Item required.")
	} else if item.ID == "" {
		return nil, false, doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}

	// Prepare the row and the stream record outside the writer, which has
	// only to number the record.
	it := *item
	if it.Owner == "" {
		it.Owner, _ = doctales.OwnerFromContext(ctx)
	}
	it.Owner = doctales.OwnerOf(it.Owner)
	if it.Metadata.Urgency == doctales.UrgencyHigh && it.Metadata.Escalation == 0 {
		it.Metadata.Escalation = 1 // created high: its first rise
	}
	now := db.Now()
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
	rec, err := db.newStreamRecordOfJSON(EventInsert, &it, row.body, now)
	if err != nil {
		return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
	}

	var existing []byte
	created := false
	if err := db.write(ctx, func(tx *writeTx) error {
		// Insert unless the id is taken; read the existing item if it is.
		res, err := tx.stmt(db.stmts.insertItem).Exec(row.insertArgs(it.ID)...)
		if err != nil {
			return fmt.Errorf("insert item: %w", FormatError(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert item: %w", err)
		} else if n == 0 {
			if err := tx.stmt(db.stmts.selectItem).QueryRow(it.ID).Scan(&existing); err != nil {
				return fmt.Errorf("read existing item: %w", FormatError(err))
			}
			return nil
		}

		// A new ingest of a deleted id: forget the delete.
		if !it.Recovered {
			if _, err := tx.exec(`DELETE FROM deleted WHERE id = ?`, it.ID); err != nil {
				return fmt.Errorf("forget deleted id: %w", FormatError(err))
			}
		}

		// Append the INSERT record, and index the text in the same
		// transaction.
		if err := rec.append(tx); err != nil {
			return err
		}
		if err := tx.indexItem(nil, &it); err != nil {
			return err
		}
		created = true
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
	}

	if !created {
		old, err := decodeItem(existing)
		if err != nil {
			return nil, false, fmt.Errorf("create item %q: %w", item.ID, err)
		}
		if old.Owner != it.Owner {
			return nil, false, ErrIDTaken(item.ID)
		}
		return old, false, nil
	}
	return &it, true, nil
}

// UpdateItem applies upd to the item with that id and returns the new item.
// Status, Error and Dimensions replace the item's; Urgency replaces
// metadata.urgency (callers wanting the higher of two use
// doctales.MaxUrgency). UpdatedAt becomes Now. The write appends a MODIFY
// record with both images. An update that changes nothing but updatedAt
// writes nothing, appends nothing and returns the stored item, as DynamoDB
// Streams records no change. ENOTFOUND when no item has that id.
func (db *DB) UpdateItem(ctx context.Context, id string, upd doctales.ItemUpdate) (*doctales.Item, error) {
	if id == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}
	// Decode, apply and encode outside the single writer, which then only
	// checks that the stored item is still the one read (optimistic
	// concurrency) and writes: the images of a MODIFY record are the
	// costliest part of a write. After a conflict the update is prepared
	// inside the writer, where nothing can change under it, so a busy item
	// still makes progress.
	for attempt := 1; attempt <= optimisticUpdateAttempts; attempt++ {
		var body []byte
		if err := db.reads.itemBody.QueryRowContext(ctx, id).Scan(&body); errNoRows(err) {
			return nil, fmt.Errorf("update item %q: %w", id, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id))
		} else if err != nil {
			return nil, fmt.Errorf("update item %q: read: %w", id, FormatError(err))
		}
		old, it, row, rec, err := db.prepareUpdate(ctx, id, body, upd)
		if err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, err)
		}
		if row == nil {
			return old, nil // changes nothing but updatedAt
		}
		stale := false
		if err := db.write(ctx, func(tx *writeTx) error {
			cur, err := tx.itemBody(id)
			if err != nil {
				return err
			}
			if stale = !bytes.Equal(cur, body); stale {
				return nil
			}
			if _, err := tx.stmt(db.stmts.updateItem).Exec(row.updateArgs(id)...); err != nil {
				return fmt.Errorf("write item: %w", FormatError(err))
			}
			if err := tx.afterUpdate(old, it, upd); err != nil {
				return err
			}
			return rec.append(tx)
		}); err != nil {
			return nil, fmt.Errorf("update item %q: %w", id, err)
		}
		if !stale {
			db.updated(upd)
			return it, nil
		}
	}

	// Contended: prepare inside the writer.
	var result *doctales.Item
	if err := db.write(ctx, func(tx *writeTx) error {
		body, err := tx.itemBody(id)
		if err != nil {
			return err
		}
		old, it, row, rec, err := db.prepareUpdate(ctx, id, body, upd)
		if err != nil {
			return err
		}
		if row == nil {
			result = old
			return nil
		}
		if _, err := tx.stmt(db.stmts.updateItem).Exec(row.updateArgs(id)...); err != nil {
			return fmt.Errorf("write item: %w", FormatError(err))
		}
		if err := tx.afterUpdate(old, it, upd); err != nil {
			return err
		}
		if err := rec.append(tx); err != nil {
			return err
		}
		result = it
		return nil
	}); err != nil {
		return nil, fmt.Errorf("update item %q: %w", id, err)
	}
	db.updated(upd)
	return result, nil
}

// itemBody reads the stored JSON of an item inside the writer; ENOTFOUND
// when absent.
func (tx *writeTx) itemBody(id string) ([]byte, error) {
	var body []byte
	if err := tx.stmt(tx.db.stmts.selectItem).QueryRow(id).Scan(&body); errNoRows(err) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("read item: %w", FormatError(err))
	}
	return body, nil
}

// optimisticUpdateAttempts is how many times UpdateItem prepares an update
// outside the writer before it prepares it inside.
const optimisticUpdateAttempts = 2

// prepareUpdate applies upd to the stored item body and returns the old and
// new items, the new row and the MODIFY record; a nil row means the update
// changes nothing but updatedAt. An item ctx may not see is ENOTFOUND.
func (db *DB) prepareUpdate(ctx context.Context, id string, body []byte, upd doctales.ItemUpdate) (old, it *doctales.Item, row *itemRow, rec *streamRecord, err error) {
	if old, err = decodeItem(body); err != nil {
		return nil, nil, nil, nil, err
	}
	if !doctales.VisibleTo(ctx, old.Owner) {
		return nil, nil, nil, nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	}
	np, err := streamrec.ApplyUpdate(old, upd)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	n := *np
	r, err := newItemRow(&n)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if bytes.Equal(r.body, body) {
		return old, old, nil, nil, nil
	}
	now := db.Now()
	n.UpdatedAt = now
	if upd.State != nil {
		at := now.UTC()
		n.StateAt = &at
	}
	if r, err = newItemRow(&n); err != nil {
		return nil, nil, nil, nil, err
	}
	row = &r
	if rec, err = db.newStreamRecord(EventModify, old, &n, now); err != nil {
		return nil, nil, nil, nil, err
	}
	return old, &n, row, rec, nil
}

// DeleteItem removes the item and appends a REMOVE record with its old
// image. ENOTFOUND when no item has that id or ctx may not see it. The id
// is remembered as deleted (see Deleted), so that an extraction still in
// flight does not bring the item back.
func (db *DB) DeleteItem(ctx context.Context, id string) error {
	if id == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "id", "Item id required.")
	}
	if err := db.write(ctx, func(tx *writeTx) error {
		var body []byte
		if err := tx.stmt(db.stmts.selectItem).QueryRow(id).Scan(&body); errNoRows(err) {
			return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
		} else if err != nil {
			return fmt.Errorf("read item: %w", FormatError(err))
		}
		old, err := decodeItem(body)
		if err != nil {
			return err
		}
		if !doctales.VisibleTo(ctx, old.Owner) {
			return doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
		}
		if _, err := tx.stmt(db.stmts.deleteItem).Exec(id); err != nil {
			return fmt.Errorf("delete row: %w", FormatError(err))
		}
		// Its text leaves the search index and its wake-up the timers in
		// the same transaction (the index deletes securely: no token of
		// it stays behind).
		if err := tx.unindexItem(id); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO deleted (id, owner, at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, at = excluded.at`,
			id, old.Owner, formatTime(db.Now())); err != nil {
			return fmt.Errorf("remember deleted id: %w", FormatError(err))
		}
		// The REMOVE record's old image keeps what identifies the item,
		// not its content: a deleted communication leaves no copy of
		// its subject, sender or dimensions in the log.
		rec, err := db.newStreamRecord(EventRemove, removedImage(old), nil, db.Now())
		if err != nil {
			return err
		}
		return rec.append(tx)
	}); err != nil {
		return fmt.Errorf("delete item %q: %w", id, err)
	}
	return nil
}

// GetItem returns the item with that id, or ENOTFOUND.
func (db *DB) GetItem(ctx context.Context, id string) (*doctales.Item, error) {
	var body []byte
	if err := db.reads.itemBody.QueryRowContext(ctx, id).Scan(&body); errNoRows(err) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("get item %q: %w", id, FormatError(err))
	}
	it, err := decodeItem(body)
	if err != nil {
		return nil, fmt.Errorf("get item %q: %w", id, err)
	}
	if !doctales.VisibleTo(ctx, it.Owner) {
		// Another user's item is not found, not forbidden: the caller
		// must not learn that it exists.
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Item %q not found.", id)
	}
	return it, nil
}

// FindItems returns one page of items matching filter, newest first
// (timestamp, then id, descending), and the cursor of the next page, ""
// on the last page. Pages are cut by keyset, so items inserted meanwhile
// never shift a page: a listing shows no item twice and skips none that
// existed when it began. Limit 0 means DefaultPageSize and a limit above
// MaxPageSize is lowered to it; a negative limit is EINVALID (field
// "limit"), a malformed cursor EINVALID (field "next").
func (db *DB) FindItems(ctx context.Context, filter doctales.ItemFilter) ([]*doctales.Item, string, error) {
	query, args, col, limit, err := db.findQuery(ctx, filter)
	if err != nil {
		return nil, "", err
	}
	rows, err := db.reads.query(ctx, db.rdb, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("find items: %w", FormatError(err))
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
		// The body is decoded before the next row is read, so it need
		// not be copied out of SQLite's buffer (RawBytes): a page of 100
		// saved 90 KB of garbage.
		var body sql.RawBytes
		dst := []any{&last.TS, &last.ID, &body}
		if col != nil {
			last.Sort = filter.Sort
			dst = append(dst, &last.Missing, &last.Key)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, "", fmt.Errorf("find items: %w", FormatError(err))
		}
		it, err := decodeItem(body)
		if err != nil {
			return nil, "", fmt.Errorf("find items: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("find items: %w", FormatError(err))
	}
	if !more {
		return items, "", nil
	}
	return items, last.Encode(), nil
}

// findQuery returns the query of FindItems for filter, its arguments, the
// column sort (nil for newest or oldest first) and the page size. The
// query reads one row more than the page, to know whether another
// follows.
func (db *DB) findQuery(ctx context.Context, filter doctales.ItemFilter) (query string, args []any, col *columnSort, limit int, err error) {
	limit, err = doctales.PageLimit(filter.Limit)
	if err != nil {
		return "", nil, nil, 0, err
	}

	where, args, err := db.itemWhere(ctx, filter)
	if err != nil {
		return "", nil, nil, 0, err
	}
	order := "ts DESC, id DESC"
	if filter.Oldest {
		order = "ts, id"
	}
	if filter.Sort != "" {
		cs, ok := columnSorts[filter.Sort]
		if !ok {
			return "", nil, nil, 0, doctales.FieldErrorf(doctales.EINVALID, "sort", "sort %q is not one of %s", filter.Sort, strings.Join(doctales.ListSorts, ", "))
		}
		col, order = &cs, cs.order()
	}
	if filter.Cursor != "" {
		c, err := pagecursor.Decode(filter.Cursor)
		if err != nil {
			return "", nil, nil, 0, err
		}
		switch {
		case c.Sort != filter.Sort:
			return "", nil, nil, 0, doctales.FieldErrorf(doctales.EINVALID, "next", "The page cursor belongs to sort %s, not %s; start again without next.", sortName(c.Sort), sortName(filter.Sort))
		case col != nil:
			cond, a, err := col.after(c)
			if err != nil {
				return "", nil, nil, 0, err
			}
			where, args = append(where, cond), append(args, a...)
		default:
			cmp := "<"
			if filter.Oldest {
				cmp = ">"
			}
			where, args = append(where, "(ts, id) "+cmp+" (?, ?)"), append(args, c.TS, c.ID)
		}
	}
	// A column sort also reads the sort key of each row, for the cursor.
	keyCols := ""
	if col != nil {
		keyCols = ", " + col.missing + ", " + col.key
	}

	cond := strings.Join(where, " AND ")
	query = `SELECT ts, id, body` + keyCols + ` FROM items WHERE ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	if col != nil && col.covered {
		// Order the ids from the sort's own index, which holds its
		// ORDER BY (migration 0190), then read one page's bodies.
		query = `SELECT ts, id, body` + keyCols + ` FROM items WHERE id IN (SELECT id FROM items WHERE ` + cond + ` ORDER BY ` + order + ` LIMIT ?) ORDER BY ` + order
	}
	if v := filter.Sender; v != nil && *v != "" {
		// Sender matches sender_id or sender. An OR would read and sort
		// every item of the sender on each page; the union of two index
		// range scans, each cut at the page size, sorts at most two pages.
		query = `SELECT ts, id, body` + keyCols + ` FROM items WHERE id IN (
			SELECT id FROM (SELECT id FROM items WHERE ` + cond + ` AND sender_id = ? ORDER BY ` + order + ` LIMIT ?)
			UNION
			SELECT id FROM (SELECT id FROM items WHERE ` + cond + ` AND sender = ? ORDER BY ` + order + ` LIMIT ?)
		) ORDER BY ` + order + ` LIMIT ?`
		a := make([]any, 0, 2*len(args)+5)
		a = append(append(append(a, args...), *v, limit+1), args...)
		args = append(a, *v, limit+1)
	}
	args = append(args, limit+1)
	return query, args, col, limit, nil
}

// CountItems returns how many items match filter, all pages together
// (its Limit, Cursor and order are ignored): the total a list reports
// with ?total=true. The owner with at most one of project, type,
// urgency, status and state (not snoozed) is read from item_counts
// (migration 0210) in constant time; other filters count the matching
// entries of the indexes a page reads, which took 12.5 ms p50 and 73 ms
// p99 for one project of eight at a million items (issue 15).
func (db *DB) CountItems(ctx context.Context, filter doctales.ItemFilter) (int64, error) {
	if n, ok, err := db.countFromCounters(ctx, filter); err != nil || ok {
		return n, err
	}
	return db.countRows(ctx, filter)
}

// countRows is CountItems by a count of the matching rows.
func (db *DB) countRows(ctx context.Context, filter doctales.ItemFilter) (int64, error) {
	where, args, err := db.itemWhere(ctx, filter)
	if err != nil {
		return 0, err
	}
	if v := filter.Sender; v != nil && *v != "" {
		where, args = append(where, "(sender_id = ? OR sender = ?)"), append(args, *v, *v)
	}
	var n int64
	if err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE `+strings.Join(where, " AND "), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count items: %w", FormatError(err))
	}
	return n, nil
}

// itemWhere builds the WHERE conditions of the filters set in filter
// (all but Sender, Cursor and the order), with their arguments.
func (db *DB) itemWhere(ctx context.Context, filter doctales.ItemFilter) ([]string, []any, error) {
	where, args := []string{"1 = 1"}, []any{}
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		where, args = append(where, "owner = ?"), append(args, owner)
	} else if owner, ok, err := db.soleOwner(ctx); err != nil {
		return nil, nil, err
	} else if ok {
		// Every item has this owner, so the condition selects the same
		// rows, and lets the owner-first indexes (migration 0190) give
		// the page in order: without it, a list of the open mode (no
		// owner scope) read every row to find one page of a filter or a
		// column sort, 0.2 to 1.4 s at a million items (issue 15).
		where, args = append(where, "owner = ?"), append(args, owner)
	}
	for _, f := range filter.Equalities() {
		where, args = append(where, f.Column+" = ?"), append(args, f.Value)
	}
	if v := filter.State; v != nil && *v != "" {
		c, a, err := stateWhere("", *v, formatTime(db.Now()))
		if err != nil {
			return nil, nil, err
		}
		where, args = append(where, c), append(args, a...)
	}
	if v := filter.Since; v != nil {
		where, args = append(where, "ts >= ?"), append(args, formatTime(*v))
	}
	if v := filter.Until; v != nil {
		where, args = append(where, "ts < ?"), append(args, formatTime(*v))
	}
	return where, args, nil
}

// soleOwner returns the owner of every item when all have the same one
// (ok false when the table is empty or holds several owners' items): the
// first and the last owner of the items_owner index, two seeks.
func (db *DB) soleOwner(ctx context.Context) (owner string, ok bool, err error) {
	var lo, hi sql.NullString
	if err := db.reads.owners.QueryRowContext(ctx).Scan(&lo, &hi); err != nil {
		return "", false, fmt.Errorf("find items: read the owners: %w", FormatError(err))
	}
	if !lo.Valid || lo.String != hi.String {
		return "", false, nil
	}
	return lo.String, true, nil
}

// cursor is the position after which the next page starts
// (pagecursor.Cursor, shared with package postgres).
type cursor = pagecursor.Cursor

// sortName names a sort in an error: "" is newest (or oldest) first.
func sortName(s string) string {
	if s == "" {
		return "newest/oldest"
	}
	return s
}

// columnSort is how FindItems orders by a column (ItemFilter.Sort): by
// missing (0 when the item has the value, 1 when not, so those without
// it come last in both directions), then key in dir, then ts DESC, id
// DESC (the newest first among equals). missing and key are SQL
// expressions over one items row; every one is an int or a text.
type columnSort struct {
	missing, key string
	desc         bool
	text         bool // key is text (else an integer)
	// covered: an index holds the sort's ORDER BY, behind the owner
	// (migration 0190, whose expressions must be missing and key as
	// written here), so a page reads its ids in order and stops.
	covered bool
}

// urgencyRank ranks the urgency column: high 3, medium 2, low 1, else 0.
const urgencyRank = `(CASE urgency WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)`

// senderSortKey is what the Analyst shows as the sender: the name, else the
// sender id; compared case-insensitively (ASCII).
const senderSortKey = `lower(CASE WHEN sender <> '' THEN sender ELSE sender_id END)`

// subjectKey is the subject from the stored body (it has no column),
// its first 200 characters compared case-insensitively (ASCII): subjects
// that share those are in time order. Migration 0200 indexes it (the
// prefix keeps a huge subject from tripling in the indexes): keep the
// text the same as there.
const subjectKey = `lower(substr(coalesce(json_extract(body, '$.subject'), ''), 1, 200))`

// columnSorts are the column sorts by name (doctales.ColumnSorts).
var columnSorts = map[string]columnSort{
	"urgency":   {missing: `(` + urgencyRank + ` = 0)`, key: urgencyRank, desc: true, covered: true},
	"-urgency":  {missing: `(` + urgencyRank + ` = 0)`, key: urgencyRank, covered: true},
	"sender":    {missing: `(` + senderSortKey + ` = '')`, key: senderSortKey, text: true, covered: true},
	"-sender":   {missing: `(` + senderSortKey + ` = '')`, key: senderSortKey, text: true, desc: true, covered: true},
	"subject":   {missing: `(` + subjectKey + ` = '')`, key: subjectKey, text: true, covered: true},
	"-subject":  {missing: `(` + subjectKey + ` = '')`, key: subjectKey, text: true, desc: true, covered: true},
	"deadline":  {missing: `(deadline = '')`, key: `deadline`, text: true, covered: true},
	"-deadline": {missing: `(deadline = '')`, key: `deadline`, text: true, desc: true, covered: true},
}

// order is the ORDER BY of the sort.
func (s columnSort) order() string {
	dir := ""
	if s.desc {
		dir = " DESC"
	}
	return s.missing + ", " + s.key + dir + ", ts DESC, id DESC"
}

// after is the condition of the rows that come after cursor c in the
// sort: the order's four keys compared one after the other.
func (s columnSort) after(c cursor) (string, []any, error) {
	var key any
	switch k := c.Key.(type) {
	case string:
		if !s.text {
			return "", nil, doctales.FieldErrorf(doctales.EINVALID, "next", "Invalid page cursor.")
		}
		key = k
	case float64: // JSON numbers decode as float64; the ranks are 0 to 3
		if s.text || k != float64(int64(k)) {
			return "", nil, doctales.FieldErrorf(doctales.EINVALID, "next", "Invalid page cursor.")
		}
		key = int64(k)
	case nil: // omitted: the zero value
		key = any(int64(0))
		if s.text {
			key = ""
		}
	default:
		return "", nil, doctales.FieldErrorf(doctales.EINVALID, "next", "Invalid page cursor.")
	}
	cmp := ">"
	if s.desc {
		cmp = "<"
	}
	cond := `(` + s.missing + ` > ? OR (` + s.missing + ` = ? AND (` + s.key + ` ` + cmp + ` ? OR (` + s.key + ` = ? AND (ts, id) < (?, ?)))))`
	return cond, []any{c.Missing, c.Missing, key, key, c.TS, c.ID}, nil
}

// itemRow is an item as stored: its JSON body and the filter columns.
type itemRow struct {
	ts, project, typ, sender, senderID, urgency, status, owner string
	state, stateUntil                                          string
	threadID, deadline                                         string
	body                                                       []byte
}

// newItemRow encodes it.
func newItemRow(it *doctales.Item) (itemRow, error) {
	body, err := json.Marshal(it)
	if err != nil {
		return itemRow{}, fmt.Errorf("encode item: %w", err)
	}
	return itemRow{
		ts:       formatTime(it.Timestamp),
		project:  it.Project,
		typ:      it.Type,
		sender:   it.Sender,
		senderID: it.SenderID,
		urgency:  it.Metadata.Urgency,
		status:   it.Status,
		owner:    doctales.OwnerOf(it.Owner),
		state:    it.State,
		stateUntil: func() string {
			if it.StateUntil == nil {
				return ""
			}
			return formatTime(*it.StateUntil)
		}(),
		threadID: it.ThreadID,
		deadline: func() string {
			if d := it.Dimensions; d != nil && d.Deadline != nil && !d.Deadline.IsZero() {
				return formatTime(*d.Deadline)
			}
			return ""
		}(),
		body: body,
	}, nil
}

// insertArgs returns the arguments of insertItem.
func (r itemRow) insertArgs(id string) []any {
	return []any{id, r.ts, r.project, r.typ, r.sender, r.senderID, r.urgency, r.status, string(r.body), r.owner, r.state, r.stateUntil, r.threadID, r.deadline}
}

// updateArgs returns the arguments of updateItem.
func (r itemRow) updateArgs(id string) []any {
	return []any{r.ts, r.project, r.typ, r.sender, r.senderID, r.urgency, r.status, string(r.body), r.owner, r.state, r.stateUntil, r.threadID, r.deadline, id}
}

// decodeItem decodes a stored body.
func decodeItem(body []byte) (*doctales.Item, error) {
	var it doctales.Item
	if err := json.Unmarshal(body, &it); err != nil {
		return nil, fmt.Errorf("decode stored item: %w", err)
	}
	it.Owner = doctales.OwnerOf(it.Owner) // stored before owners existed
	return &it, nil
}

// streamRecord is a stream record encoded before its log seq is known
// (package streamrec, shared with the PostgreSQL table).
type streamRecord struct{ *streamrec.Record }

// encoder is the stream record encoder of this table.
func (db *DB) encoder() streamrec.Encoder {
	return streamrec.Encoder{Region: db.Region, StreamARN: db.streamARN}
}

// newStreamRecord encodes the stream record of a change from old to new
// (old nil for INSERT, new nil for REMOVE), in the shape of
// events.DynamoDBEventRecord (streamrec.Encoder.Item).
func (db *DB) newStreamRecord(eventName string, old, new *doctales.Item, now time.Time) (*streamRecord, error) {
	r, err := db.encoder().Item(eventName, old, new, now)
	if err != nil {
		return nil, err
	}
	return &streamRecord{r}, nil
}

// newStreamRecordOfJSON is newStreamRecord of an INSERT for an item whose
// JSON (json.Marshal(it), the row's body) the caller has: the item is not
// encoded again (streamrec.Encoder.InsertJSON). The record is byte for
// byte what newStreamRecord writes.
func (db *DB) newStreamRecordOfJSON(eventName string, it *doctales.Item, body []byte, now time.Time) (*streamRecord, error) {
	r, err := db.encoder().InsertJSON(eventName, it, body, now)
	if err != nil {
		return nil, err
	}
	return &streamRecord{r}, nil
}

// encodeStreamRecord encodes a stream record with the given keys and
// images (either may be nil) in the shape of events.DynamoDBEventRecord,
// its SequenceNumber a placeholder the writer fills in; key is the log
// record's partition key.
func (db *DB) encodeStreamRecord(eventName, key string, keys, oldImg, newImg map[string]events.DynamoDBAttributeValue, size int64, now time.Time) (*streamRecord, error) {
	r, err := db.encoder().Encode(eventName, key, keys, oldImg, newImg, size, now)
	if err != nil {
		return nil, err
	}
	return &streamRecord{r}, nil
}

// append numbers the record with the next log seq and appends it.
func (r *streamRecord) append(tx *writeTx) error {
	r.SetSeq(tx.lastSeq + 1)
	rec := &doctales.LogRecord{Source: doctales.SourceDynamoDB, Key: r.Key, Data: r.Data, Time: r.At}
	if _, err := tx.appendLog(rec, ""); err != nil {
		return err
	}
	return nil
}

// removedImage returns the part of a deleted item its REMOVE record keeps
// (streamrec.RemovedImage).
func removedImage(it *doctales.Item) *doctales.Item { return streamrec.RemovedImage(it) }

// ErrIDTaken is the answer to a create whose id another owner's item holds:
// the same ECONFLICT a client gets for its own id with other content, so
// that it learns nothing of the other item.
func ErrIDTaken(id string) error { return streamrec.ErrIDTaken(id) }

// DeletedSince reports whether the item id was deleted (DeleteItem) at or
// after t. The extraction function asks it before it re-creates a missing
// item from its object: an object written before the delete belongs to the
// deleted communication and must not bring it back; one written after is a
// new ingest of the same id.
func (db *DB) DeletedSince(ctx context.Context, id string, t time.Time) (bool, error) {
	var at string
	if err := db.rdb.QueryRowContext(ctx, `SELECT at FROM deleted WHERE id = ?`, id).Scan(&at); errNoRows(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("deleted %q: %w", id, FormatError(err))
	}
	when, err := parseTime(at)
	if err != nil {
		return false, fmt.Errorf("deleted %q: %w", id, err)
	}
	return !when.Before(t), nil
}
