package sqlite

import (
	"context"
	"fmt"
)

// CountCommunications returns how many communications the table holds by
// status ("accepted", "extracted", "failed"), over every owner: the
// pipeline's own counts for the Operations page (GET /stats), which show
// how many communications there are, not their content. It reads the
// items_status index, not the rows.
func (db *DB) CountCommunications(ctx context.Context) (map[string]int64, error) {
	rows, err := db.rdb.QueryContext(ctx, `SELECT status, COUNT(*) FROM items GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count communications: %w", FormatError(err))
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count communications: %w", FormatError(err))
		}
		out[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count communications: %w", FormatError(err))
	}
	return out, nil
}
