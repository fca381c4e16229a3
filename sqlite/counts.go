package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doctales/doctales"
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
	rows, err := q.QueryContext(ctx, `SELECT value, sum(n) FROM item_counts WHERE dim = ? GROUP BY value`, doctales.CountStatus)
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

// countFromCounters answers CountItems from item_counts (see
// doctales.ItemFilter.CountedBy), reading one row for an owner, or the rows of every
// owner in the open mode (no owner scope counts every item, as itemWhere
// does). ok is false when the counters cannot answer filter.
func (db *DB) countFromCounters(ctx context.Context, filter doctales.ItemFilter) (n int64, ok bool, err error) {
	dim, value, ok := filter.CountedBy()
	if !ok {
		return 0, false, nil
	}
	owner, scoped := doctales.OwnerFromContext(ctx)
	q, args := `SELECT coalesce(sum(n), 0) FROM item_counts WHERE dim = ? AND value = ?`, []any{dim, value}
	if scoped {
		q, args = `SELECT coalesce(sum(n), 0) FROM item_counts WHERE owner = ? AND dim = ? AND value = ?`, []any{owner, dim, value}
	}
	if dim == doctales.CountState && value == "" {
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
		return 0, false, fmt.Errorf("count items: read the counts of %s %q: %w", doctales.CountDimName(dim), value, FormatError(err))
	}
	return n, true, nil
}

// countsOfItems is item_counts as the items themselves give it: the
// migration's fill, and what CheckItemCounts compares with.
const countsOfItems = `SELECT owner, '', '', count(*) FROM items GROUP BY owner
	UNION ALL SELECT owner, 'project', project, count(*) FROM items GROUP BY owner, project
	UNION ALL SELECT owner, 'type', type, count(*) FROM items GROUP BY owner, type
	UNION ALL SELECT owner, 'urgency', urgency, count(*) FROM items GROUP BY owner, urgency
	UNION ALL SELECT owner, 'status', status, count(*) FROM items GROUP BY owner, status
	UNION ALL SELECT owner, 'state', state, count(*) FROM items GROUP BY owner, state`

// CheckItemCounts compares item_counts with the items, counter for
// counter both ways, and returns each difference, in a stable order. The
// triggers of migration 0210 keep the two equal in every write's
// transaction, so a difference means the file was changed outside
// Doctales (or damaged): lists' totals and the Operations page's counts
// would be wrong. It reads every item once (about a second at a million).
func (db *DB) CheckItemCounts(ctx context.Context) ([]doctales.CountsMismatch, error) {
	read := func(q string) (map[[3]string]int64, error) {
		rows, err := db.rdb.QueryContext(ctx, q)
		if err != nil {
			return nil, FormatError(err)
		}
		defer rows.Close()
		m := map[[3]string]int64{}
		for rows.Next() {
			var k [3]string
			var n int64
			if err := rows.Scan(&k[0], &k[1], &k[2], &n); err != nil {
				return nil, FormatError(err)
			}
			m[k] = n
		}
		return m, FormatError(rows.Err())
	}
	kept, err := read(`SELECT owner, dim, value, n FROM item_counts`)
	if err != nil {
		return nil, fmt.Errorf("check item counts: read the counters: %w", err)
	}
	actual, err := read(countsOfItems)
	if err != nil {
		return nil, fmt.Errorf("check item counts: count the items: %w", err)
	}
	return doctales.CompareCounts(kept, actual), nil
}

// RebuildItemCounts replaces item_counts with the count of the items, in
// one write transaction: what `doctor --repair` does when CheckItemCounts
// finds a difference.
func (db *DB) RebuildItemCounts(ctx context.Context) error {
	err := db.write(ctx, func(tx *writeTx) error {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM item_counts`); err != nil {
			return err
		}
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO item_counts (owner, dim, value, n) `+countsOfItems)
		return err
	})
	if err != nil {
		return fmt.Errorf("rebuild item counts: %w", FormatError(err))
	}
	return nil
}
