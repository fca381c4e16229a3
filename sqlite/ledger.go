package sqlite

import (
	"context"
	"fmt"

	"github.com/doctales/doctales"
)

// Sent reports whether messageID was marked sent.
func (db *DB) Sent(ctx context.Context, messageID string) (bool, error) {
	var n int
	if err := db.reads.ledgerSent.QueryRowContext(ctx, messageID).Scan(&n); err != nil {
		return false, fmt.Errorf("read ledger %q: %w", messageID, FormatError(err))
	}
	return n > 0, nil
}

// MarkSent records durably that messageID was sent for the communication.
// Marking a message again is not an error and keeps the first record. An
// empty messageID is EINVALID.
func (db *DB) MarkSent(ctx context.Context, messageID, communicationID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	now := formatTime(db.Now())
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.tx.Exec(`INSERT INTO ledger (message_id, communication_id, at) VALUES (?, ?, ?)
			ON CONFLICT (message_id) DO NOTHING`, messageID, communicationID, now)
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("mark %q sent: %w", messageID, err)
	}
	return nil
}
