package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doctales/doctales"
)

// Claim claims messageID for the communication until lease from now (by
// db.Now), in one write transaction: an unknown id is inserted as
// "sending" (ClaimAcquired); a "sending" entry whose lease ran out gets a
// new lease and one more attempt (ClaimTakenOver); a running lease is
// ClaimInFlight; a sent entry is ClaimSent. An empty messageID or a lease
// that is not positive is EINVALID.
func (db *DB) Claim(ctx context.Context, messageID, communicationID string, lease time.Duration) (doctales.ClaimState, error) {
	if messageID == "" {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if lease <= 0 {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "lease", "The claim's lease must be positive, not %s.", lease)
	}
	now := db.Now()
	var state doctales.ClaimState
	if err := db.write(ctx, func(tx *writeTx) error {
		var cur string
		var until sql.NullString
		err := tx.queryRow(`SELECT state, lease_until FROM ledger WHERE message_id = ?`, messageID).Scan(&cur, &until)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			state = doctales.ClaimAcquired
			_, err = tx.exec(`INSERT INTO ledger (message_id, communication_id, at, state, lease_until, attempts)
				VALUES (?, ?, ?, ?, ?, 1)`, messageID, communicationID, formatTime(now), doctales.LedgerSending, formatTime(now.Add(lease)))
			return FormatError(err)
		case err != nil:
			return FormatError(err)
		case cur != doctales.LedgerSending:
			state = doctales.ClaimSent
			return nil
		}
		if until.Valid {
			t, err := parseTime(until.String)
			if err != nil {
				return err
			}
			if now.Before(t) {
				state = doctales.ClaimInFlight
				return nil
			}
		}
		state = doctales.ClaimTakenOver
		_, err = tx.exec(`UPDATE ledger SET lease_until = ?, at = ?, attempts = attempts + 1 WHERE message_id = ?`,
			formatTime(now.Add(lease)), formatTime(now), messageID)
		return FormatError(err)
	}); err != nil {
		return 0, fmt.Errorf("claim %q: %w", messageID, err)
	}
	return state, nil
}

// Sent reports whether messageID was marked sent; a claim alone is not.
func (db *DB) Sent(ctx context.Context, messageID string) (bool, error) {
	var n int
	if err := db.reads.ledgerSent.QueryRowContext(ctx, messageID).Scan(&n); err != nil {
		return false, fmt.Errorf("read ledger %q: %w", messageID, FormatError(err))
	}
	return n > 0, nil
}

// MarkSent records durably that messageID was sent for the communication,
// whether it was claimed or not. Marking a message again is not an error
// and keeps the first record. An empty messageID is EINVALID.
func (db *DB) MarkSent(ctx context.Context, messageID, communicationID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	now := formatTime(db.Now())
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(`INSERT INTO ledger (message_id, communication_id, at, state) VALUES (?, ?, ?, ?)
			ON CONFLICT (message_id) DO UPDATE SET state = excluded.state, at = excluded.at, lease_until = NULL
			WHERE ledger.state = ?`, messageID, communicationID, now, doctales.LedgerSent, doctales.LedgerSending)
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("mark %q sent: %w", messageID, err)
	}
	return nil
}

// Release ends messageID's claim now (its lease_until becomes db.Now) if
// it is still "sending"; an unknown or sent id is left alone. An empty
// messageID is EINVALID.
func (db *DB) Release(ctx context.Context, messageID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	now := formatTime(db.Now())
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(`UPDATE ledger SET lease_until = ? WHERE message_id = ? AND state = ?`, now, messageID, doctales.LedgerSending)
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("release %q: %w", messageID, err)
	}
	return nil
}
