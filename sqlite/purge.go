package sqlite

import (
	"context"
	"fmt"

	"github.com/doctales/doctales"
)

// PurgeCommunication removes what the store keeps about a communication
// besides its row, once the row is deleted (DeleteItem): its flow history,
// its dead letters and its ledger entries, and the content of the log
// records about it. Stream records keep their Keys but lose their images
// (and say StreamViewType KEYS_ONLY);
// topic messages keep their MessageId but lose their subject and text; S3
// events name only an object key and stay. A record not yet delivered is
// then delivered without content: the notification function sees no
// image and notifies nothing, as it should for a deleted communication.
//
// It returns how many log records it redacted. Purging an id with nothing
// left is not an error.
func (db *DB) PurgeCommunication(ctx context.Context, id string) (int, error) {
	if id == "" {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "id", "Communication id required.")
	}
	var redacted int
	err := db.write(ctx, func(tx *writeTx) error {
		redacted = 0
		rows, err := tx.tx.QueryContext(ctx, `SELECT seq, source, data FROM log
			WHERE (`+communicationLogWhere+`) AND source IN (?3, ?4)`,
			id, objectKeyPattern(id), doctales.SourceDynamoDB, doctales.SourceSNS)
		if err != nil {
			return fmt.Errorf("read log: %w", FormatError(err))
		}
		type rewrite struct {
			seq  int64
			data []byte
		}
		var rewrites []rewrite
		for rows.Next() {
			var seq int64
			var source string
			var data []byte
			if err := rows.Scan(&seq, &source, &data); err != nil {
				rows.Close()
				return fmt.Errorf("read log: %w", FormatError(err))
			}
			out, changed, err := doctales.StripContent(source, data)
			if err != nil {
				rows.Close()
				return fmt.Errorf("redact log record %d: %w", seq, err)
			}
			if changed {
				rewrites = append(rewrites, rewrite{seq, out})
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read log: %w", FormatError(err))
		}
		for _, r := range rewrites {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE log SET data = ? WHERE seq = ?`, string(r.data), r.seq); err != nil {
				return fmt.Errorf("redact log record %d: %w", r.seq, FormatError(err))
			}
		}
		redacted = len(rewrites)
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM dead_letters WHERE `+communicationLogWhere, id, objectKeyPattern(id)); err != nil {
			return fmt.Errorf("delete dead letters: %w", FormatError(err))
		}
		for _, q := range []string{
			`DELETE FROM flow_events WHERE communication_id = ?`,
			`DELETE FROM ledger WHERE communication_id = ?`,
		} {
			if _, err := tx.tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("purge: %w", FormatError(err))
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge communication %q: %w", id, err)
	}
	return redacted, nil
}
