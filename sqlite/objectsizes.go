package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doctales/doctales"
)

// ObjectSizes returns, for each object key the log still holds an
// ObjectCreated event of, the size that event announced (the latest event
// wins). doctales doctor compares it with the object's file to find
// truncated or overwritten objects of any type, not only JSON (issue 10).
// Keys whose events were compacted away are absent. It scans the log's S3
// records once.
func (db *DB) ObjectSizes(ctx context.Context) (map[string]int64, error) {
	if db.rdb == nil {
		return nil, fmt.Errorf("object sizes: %w", ErrClosed)
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT key, json_extract(data, '$.s3.object.size')
		FROM log WHERE source = ? ORDER BY seq`, doctales.SourceS3)
	if err != nil {
		return nil, fmt.Errorf("object sizes: %w", FormatError(err))
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var key string
		var size sql.NullInt64
		if err := rows.Scan(&key, &size); err != nil {
			return nil, fmt.Errorf("object sizes: %w", FormatError(err))
		}
		if size.Valid {
			out[key] = size.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("object sizes: %w", FormatError(err))
	}
	return out, nil
}
