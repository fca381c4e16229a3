package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
)

// SetBeforeAppend sets the hook that runs between an item's write and its
// stream record's append, to inject a failure there.
func (db *DB) SetBeforeAppend(f func(context.Context, pgx.Tx) error) { db.testBeforeAppend = f }

// ApplyExtraMigration applies the embedded migrations plus one more,
// version v with sql, as a binary that had it would at Open.
func (db *DB) ApplyExtraMigration(ctx context.Context, v int, name, sql string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	ms = append(ms, migration{version: v, name: name, sql: sql})
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return db.applyMigrations(ctx, ms)
}
