package sqlite

import (
	"context"
	"fmt"
)

// LastSeq returns the highest seq appended to the log for source, 0 when it
// has none. The runtime uses it to start a subscription at the latest record
// (StartingPosition LATEST), for live views that need no history.
func (db *DB) LastSeq(ctx context.Context, source string) (int64, error) {
	var seq int64
	if err := db.rdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM log WHERE source = ?`, source).Scan(&seq); err != nil {
		return 0, fmt.Errorf("last seq of %q: %w", source, FormatError(err))
	}
	return seq, nil
}
