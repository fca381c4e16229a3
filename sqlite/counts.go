package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doctales/doctales"
)

// Dimensions of item_counts (migration 0210): how many items an owner has
// in all (countAll) and by each value of the columns a list filters on
// with an equality. Triggers on items keep the table exact on every
// write, in the writer's transaction.
const (
	countAll     = ""
	countProject = "project"
	countType    = "type"
	countUrgency = "urgency"
	countStatus  = "status"
	countState   = "state"
)

// CountCommunications returns how many communications the table holds by
// status ("accepted", "extracted", "failed"), over every owner: the
// pipeline's own counts for the Operations page (GET /stats), which show
// how many communications there are, not their content. It sums the
// status rows of item_counts (one per owner and status, migration 0210)
// instead of grouping every item, which took about a second at a million
// on every poll of the page.
func (db *DB) CountCommunications(ctx context.Context) (map[string]int64, error) {
	out, err := countByStatus(ctx, db.rdb)
	if err != nil {
		return nil, fmt.Errorf("count communications: %w", err)
	}
	return out, nil
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// countByStatus returns the number of items by status, over every owner,
// from item_counts. A status no item has is absent (its rows are deleted
// at 0).
func countByStatus(ctx context.Context, q queryer) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT value, sum(n) FROM item_counts WHERE dim = ? GROUP BY value`, countStatus)
	if err != nil {
		return nil, FormatError(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, FormatError(err)
		}
		out[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, FormatError(err)
	}
	return out, nil
}

// countedFilter returns the item_counts dimension and value that answer
// CountItems for filter, and ok false when the counters cannot: when the
// filter sets more than one of project, type, urgency, status and state,
// or any of sender, since and until (which item_counts does not split
// by), or a state whose items depend on the clock other than open (a
// running snooze: CountItems counts those through the index, they are
// few). Open is the empty stored state plus the snoozes that have ended,
// which the caller adds. Limit, Cursor and the order do not change a
// count.
func countedFilter(filter doctales.ItemFilter) (dim, value string, ok bool) {
	set := func(p *string) bool { return p != nil && *p != "" }
	if set(filter.Sender) || filter.Since != nil || filter.Until != nil {
		return "", "", false
	}
	dim = countAll
	for _, f := range []struct {
		dim   string
		value *string
	}{
		{countProject, filter.Project},
		{countType, filter.Type},
		{countUrgency, filter.Urgency},
		{countStatus, filter.Status},
		{countState, filter.State},
	} {
		if !set(f.value) {
			continue
		}
		if dim != countAll {
			return "", "", false // two filters: count the rows
		}
		dim, value = f.dim, *f.value
	}
	if dim == countState {
		switch value {
		case doctales.StateOpen:
			value = "" // stored as ''
		case doctales.StateDone, doctales.StateWaiting:
		default:
			// Snoozed depends on the clock; anything else is refused by
			// itemWhere, with the field named.
			return "", "", false
		}
	}
	return dim, value, true
}

// countFromCounters answers CountItems from item_counts (see
// countedFilter), reading one row for an owner, or the rows of every
// owner in the open mode (no owner scope counts every item, as itemWhere
// does). ok is false when the counters cannot answer filter.
func (db *DB) countFromCounters(ctx context.Context, filter doctales.ItemFilter) (n int64, ok bool, err error) {
	dim, value, ok := countedFilter(filter)
	if !ok {
		return 0, false, nil
	}
	owner, scoped := doctales.OwnerFromContext(ctx)
	q, args := `SELECT coalesce(sum(n), 0) FROM item_counts WHERE dim = ? AND value = ?`, []any{dim, value}
	if scoped {
		q, args = `SELECT coalesce(sum(n), 0) FROM item_counts WHERE owner = ? AND dim = ? AND value = ?`, []any{owner, dim, value}
	}
	if dim == countState && value == "" {
		// Open also holds the snoozes that have ended and that the timer
		// has not woken yet: few, counted through items_state.
		woke := `SELECT count(*) FROM items WHERE owner IN (SELECT owner FROM item_counts WHERE dim = '') AND state = 'snoozed' AND state_until <= ?`
		wargs := []any{formatTime(db.Now())}
		if scoped {
			woke, wargs = `SELECT count(*) FROM items WHERE owner = ? AND state = 'snoozed' AND state_until <= ?`, []any{owner, wargs[0]}
		}
		q, args = `SELECT (`+q+`) + (`+woke+`)`, append(args, wargs...)
	}
	if err := db.rdb.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("count items: read the counts of %s %q: %w", dimName(dim), value, FormatError(err))
	}
	return n, true, nil
}

// dimName names an item_counts dimension in an error.
func dimName(dim string) string {
	if dim == countAll {
		return "all items"
	}
	return dim
}
