package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/pagecursor"
)

// ownerWhere returns the owner condition of ctx's scope on items aliased
// p ("i." or ""): "1 = 1" and no argument when ctx is not scoped to an
// owner.
func ownerWhere(ctx context.Context, p string) (string, []any) {
	if owner, ok := doctales.OwnerFromContext(ctx); ok {
		return p + "owner = ?", []any{owner}
	}
	return "1 = 1", nil
}

// NowCandidates reads the items a "needs you now" view at q.Now may hold
// (doctales.NowQuery): not done, and high since q.HighSince, or with a
// deadline within [q.DeadlineFrom, q.DeadlineTo], or dated since
// q.RequestSince, or snoozed until a time in (q.Now, q.SnoozeEndsBy], or
// waiting. Each branch reads an index range, so the work follows the
// number of candidates, not the table's size. At most q.Limit items
// (MaxNowCandidates when 0); truncated reports that more matched.
func (db *DB) NowCandidates(ctx context.Context, q doctales.NowQuery) ([]*doctales.Item, bool, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = doctales.MaxNowCandidates
	}
	own, ownArgs := ownerWhere(ctx, "")
	branches := []struct {
		cond string
		args []any
	}{
		{"urgency = 'high' AND ts >= ?", []any{formatTime(q.HighSince)}},
		{"deadline <> '' AND deadline >= ? AND deadline <= ?", []any{formatTime(q.DeadlineFrom), formatTime(q.DeadlineTo)}},
		{"ts >= ?", []any{formatTime(q.RequestSince)}},
		{"state = 'snoozed' AND state_until > ? AND state_until <= ?", []any{formatTime(q.Now), formatTime(q.SnoozeEndsBy)}},
		{"state = 'waiting'", nil},
	}
	var sel []string
	var args []any
	for _, b := range branches {
		sel = append(sel, "SELECT id FROM items WHERE "+own+" AND state <> 'done' AND "+b.cond)
		args = append(append(args, ownArgs...), b.args...)
	}
	query := "SELECT body FROM items WHERE id IN (" + strings.Join(sel, " UNION ") + ") LIMIT ?"
	args = append(args, limit+1)
	rows, err := db.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("now candidates: %w", FormatError(err))
	}
	defer rows.Close()
	var items []*doctales.Item
	truncated := false
	for rows.Next() {
		if len(items) == limit {
			truncated = true
			break
		}
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, false, fmt.Errorf("now candidates: %w", FormatError(err))
		}
		it, err := decodeItem(body)
		if err != nil {
			return nil, false, fmt.Errorf("now candidates: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("now candidates: %w", FormatError(err))
	}
	return items, truncated, nil
}

// FindThreads returns one page of the threads of ctx's owner, the thread
// whose newest message is newest first, each summarised by
// doctales.SummarizeThread, and the cursor of the next page. It walks the
// owner's items newest first (index items_owner) and keeps each item that
// is the newest of its thread (one lookup in items_thread), so a page
// costs about the items it passes over, not the whole table; the cursor
// is the newest message of the page's last thread.
func (db *DB) FindThreads(ctx context.Context, f doctales.ThreadFilter) ([]*doctales.Thread, string, error) {
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, "", doctales.FieldErrorf(doctales.EINVALID, "limit", "limit %d must not be negative", limit)
	case limit == 0:
		limit = doctales.DefaultPageSize
	case limit > doctales.MaxPageSize:
		limit = doctales.MaxPageSize
	}
	own, args := ownerWhere(ctx, "i.")
	where := []string{own, "i.thread_id <> ''",
		// The newest message of its thread.
		`NOT EXISTS (SELECT 1 FROM items j INDEXED BY items_thread WHERE j.owner = i.owner AND j.thread_id = i.thread_id
			AND j.thread_id <> '' AND (j.ts, j.id) > (i.ts, i.id))`}
	if f.Cursor != "" {
		c, err := pagecursor.Decode(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "(i.ts, i.id) < (?, ?)"), append(args, c.TS, c.ID)
	}
	if f.MinCount > 1 {
		where = append(where, "(SELECT COUNT(*) FROM items k INDEXED BY items_thread WHERE k.owner = i.owner AND k.thread_id = i.thread_id AND k.thread_id <> '') >= ?")
		args = append(args, f.MinCount)
	}
	args = append(args, limit+1)
	rows, err := db.rdb.QueryContext(ctx, `SELECT i.thread_id, i.ts, i.id FROM items i INDEXED BY items_owner
		WHERE `+strings.Join(where, " AND ")+` ORDER BY i.ts DESC, i.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("find threads: %w", FormatError(err))
	}
	var ids []string
	var last cursor
	more := false
	for rows.Next() {
		if len(ids) == limit {
			more = true
			break
		}
		var tid string
		if err := rows.Scan(&tid, &last.TS, &last.ID); err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("find threads: %w", FormatError(err))
		}
		ids = append(ids, tid)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, "", fmt.Errorf("find threads: %w", FormatError(err))
	}
	if len(ids) == 0 {
		return []*doctales.Thread{}, "", nil
	}

	// The page's messages, oldest first, by their columns.
	own, args = ownerWhere(ctx, "")
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err = db.rdb.QueryContext(ctx, `SELECT thread_id, id, ts, sender, sender_id, urgency, state,
		COALESCE(json_extract(body, '$.subject'), '') FROM items INDEXED BY items_thread
		WHERE `+own+` AND thread_id <> '' AND thread_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY ts, id`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("find threads: messages: %w", FormatError(err))
	}
	defer rows.Close()
	byThread := make(map[string][]*doctales.Item, len(ids))
	for rows.Next() {
		var tid, ts string
		it := &doctales.Item{}
		if err := rows.Scan(&tid, &it.ID, &ts, &it.Sender, &it.SenderID, &it.Metadata.Urgency, &it.State, &it.Subject); err != nil {
			return nil, "", fmt.Errorf("find threads: messages: %w", FormatError(err))
		}
		if it.Timestamp, err = parseTime(ts); err != nil {
			return nil, "", fmt.Errorf("find threads: message %q: %w", it.ID, err)
		}
		byThread[tid] = append(byThread[tid], it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("find threads: messages: %w", FormatError(err))
	}
	out := make([]*doctales.Thread, 0, len(ids))
	for _, id := range ids {
		out = append(out, doctales.SummarizeThread(id, byThread[id]))
	}
	if !more {
		return out, "", nil
	}
	return out, last.Encode(), nil
}

// ThreadItems returns the items of thread id of ctx's owner, oldest first
// (by timestamp, then id, so that the order does not depend on arrival),
// at most limit (doctales.MaxThreadItems when 0; never more than one past
// it, so that a caller can tell a longer thread). ENOTFOUND when
// the owner has none in it.
func (db *DB) ThreadItems(ctx context.Context, id string, limit int) ([]*doctales.Item, error) {
	if id == "" {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "id", "thread id required")
	}
	if limit <= 0 {
		limit = doctales.MaxThreadItems
	}
	limit = min(limit, doctales.MaxThreadItems+1)
	own, args := ownerWhere(ctx, "")
	args = append(args, id, limit)
	rows, err := db.rdb.QueryContext(ctx, `SELECT body FROM items INDEXED BY items_thread
		WHERE `+own+` AND thread_id <> '' AND thread_id = ? ORDER BY ts, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("thread %q: %w", id, FormatError(err))
	}
	defer rows.Close()
	var items []*doctales.Item
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("thread %q: %w", id, FormatError(err))
		}
		it, err := decodeItem(body)
		if err != nil {
			return nil, fmt.Errorf("thread %q: %w", id, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("thread %q: %w", id, FormatError(err))
	}
	if len(items) == 0 {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Thread %q not found.", id)
	}
	return items, nil
}

// Interface checks.
var (
	_ doctales.NowReader    = (*DB)(nil)
	_ doctales.ThreadReader = (*DB)(nil)
)
