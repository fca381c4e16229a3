package postgres

import (
	"context"
	"fmt"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// CountItems returns how many items match filter, all pages together:
// the same items FindItems lists page by page (the owner ctx is scoped
// to, or every owner without one, and the same filters; Limit, Cursor and
// the order do not change a count). It reads item_counts when the filter
// is the owner and at most one of project, type, urgency, status and
// state (not snoozed), as package sqlite does, and counts the matching
// rows otherwise. A filter FindItems refuses is refused with the same
// error, naming the field.
func (db *DB) CountItems(ctx context.Context, filter doctales.ItemFilter) (int64, error) {
	q, err := db.itemWhere(ctx, filter)
	if err != nil {
		return 0, err
	}
	if n, ok, err := db.countFromCounters(ctx, filter); err != nil || ok {
		return n, err
	}
	return db.countRows(ctx, q)
}

// countRows is CountItems by a count of the rows q selects.
func (db *DB) countRows(ctx context.Context, q *itemQuery) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM items`+q.sql(), q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count items: %w", err)
	}
	return n, nil
}

// countFromCounters answers CountItems from item_counts (see
// doctales.ItemFilter.CountedBy): the sum of one count's shards for an owner, or of every
// owner's in the open mode (no owner scope counts every item, as
// itemWhere does). ok is false when the counters cannot answer filter.
func (db *DB) countFromCounters(ctx context.Context, filter doctales.ItemFilter) (n int64, ok bool, err error) {
	dim, value, ok := filter.CountedBy()
	if !ok {
		return 0, false, nil
	}
	b := &itemQuery{}
	ofOwner := "" // every owner's, in the open mode
	if owner, scoped := doctales.OwnerFromContext(ctx); scoped {
		ofOwner = " AND owner = " + b.arg(owner)
	}
	q := `SELECT coalesce(sum(n), 0) FROM item_counts WHERE dim = ` + b.arg(dim) + ` AND value = ` + b.arg(value) + ofOwner
	if dim == doctales.CountState && value == "" {
		// Open also holds the snoozes that have ended: the table keeps
		// their state until they are changed, and items_snoozed finds
		// them.
		q = `SELECT (` + q + `) + (SELECT count(*) FROM items WHERE state = 'snoozed' AND state_until <= ` +
			b.arg(formatTime(db.now())) + ofOwner + `)`
	}
	if err := db.pool.QueryRow(ctx, q, b.args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("count items: read the counts of %s %q: %w", doctales.CountDimName(dim), value, err)
	}
	return n, true, nil
}

// CountCommunications returns how many communications the table holds by
// status ("accepted", "extracted", "failed"), over every owner: the
// pipeline's own counts for the Operations page (GET /stats), as package
// sqlite's. It sums the status counts of item_counts (migration 0009)
// instead of grouping every item. A status no item has is absent.
func (db *DB) CountCommunications(ctx context.Context) (map[string]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT value, sum(n) FROM item_counts WHERE dim = $1 GROUP BY value HAVING sum(n) <> 0`, doctales.CountStatus)
	if err != nil {
		return nil, fmt.Errorf("count communications: %w", err)
	}
	out := map[string]int64{}
	var status string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&status, &n}, func() error {
		out[status] = n
		return nil
	}); err != nil {
		return nil, fmt.Errorf("count communications: %w", err)
	}
	return out, nil
}

// countsOfItems is item_counts as the items themselves give it, one row
// a count: the migration's fill (in shard 0), RebuildItemCounts', and
// what CheckItemCounts compares with.
const countsOfItems = `SELECT owner, '', '', 0, count(*) FROM items GROUP BY owner
	UNION ALL SELECT owner, 'project', project, 0, count(*) FROM items GROUP BY owner, project
	UNION ALL SELECT owner, 'type', type, 0, count(*) FROM items GROUP BY owner, type
	UNION ALL SELECT owner, 'urgency', urgency, 0, count(*) FROM items GROUP BY owner, urgency
	UNION ALL SELECT owner, 'status', status, 0, count(*) FROM items GROUP BY owner, status
	UNION ALL SELECT owner, 'state', state, 0, count(*) FROM items GROUP BY owner, state`

// CheckItemCounts compares item_counts with the items, count for count
// both ways, and returns each difference, in a stable order. Both are
// read in one snapshot (REPEATABLE READ), so writes meanwhile do not show
// as differences: the triggers of migration 0009 keep the two equal in
// every write's transaction, so a difference means the database was
// changed outside Doctales (a trigger dropped, a hand edit), and lists'
// totals and the Operations page's counts would be wrong. It reads every
// item once. `doctor` checks the SQLite table only; this is its check
// for PostgreSQL, with RebuildItemCounts as the repair.
func (db *DB) CheckItemCounts(ctx context.Context) ([]doctales.CountsMismatch, error) {
	var kept, actual map[[3]string]int64
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		read := func(q string) (map[[3]string]int64, error) {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			m := map[[3]string]int64{}
			var k [3]string
			var shard, n int64
			_, err = pgx.ForEachRow(rows, []any{&k[0], &k[1], &k[2], &shard, &n}, func() error {
				m[k] += n
				return nil
			})
			return m, err
		}
		var err error
		if kept, err = read(`SELECT owner, dim, value, shard::bigint, n FROM item_counts`); err != nil {
			return fmt.Errorf("read the counters: %w", err)
		}
		if actual, err = read(countsOfItems); err != nil {
			return fmt.Errorf("count the items: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check item counts: %w", err)
	}
	return doctales.CompareCounts(kept, actual), nil
}

// RebuildItemCounts replaces item_counts with the count of the items,
// each count in one shard: the repair when CheckItemCounts finds a
// difference, which also folds the shards of each count into one row.
// Writers of items wait for it (it locks items in SHARE mode), so that no
// write's count is lost or counted twice; it reads every item once.
func (db *DB) RebuildItemCounts(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE items IN SHARE MODE`); err != nil {
			return fmt.Errorf("lock items: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM item_counts`); err != nil {
			return fmt.Errorf("empty item_counts: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO item_counts (owner, dim, value, shard, n) `+countsOfItems); err != nil {
			return fmt.Errorf("count the items: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild item counts: %w", err)
	}
	return nil
}
