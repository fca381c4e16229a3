package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SetBeforeAppend sets the hook that runs between an item's write and its
// stream record's append, to inject a failure there.
func (db *DB) SetBeforeAppend(f func(context.Context, pgx.Tx) error) { db.testBeforeAppend = f }
