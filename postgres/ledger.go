package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// Claim claims messageID for the communication until lease from now (by
// the DB's clock), in one transaction that locks the entry: an unknown id
// is inserted as "sending" (ClaimAcquired); a "sending" entry whose lease
// ran out gets a new lease and one more attempt (ClaimTakenOver); a
// running lease is ClaimInFlight; a sent entry is ClaimSent. Claimers in
// other processes on the same database see the same answers. An empty
// messageID or a lease that is not positive is EINVALID.
func (db *DB) Claim(ctx context.Context, messageID, communicationID string, lease time.Duration) (doctales.ClaimState, error) {
	if messageID == "" {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if lease <= 0 {
		return 0, doctales.FieldErrorf(doctales.EINVALID, "lease", "The claim's lease must be positive, not %s.", lease)
	}
	now := db.nowMicro()
	until := now.Add(lease).Truncate(time.Microsecond)
	var state doctales.ClaimState
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Insert unless known; two first claimers race on the primary
		// key and the loser reads the winner's entry.
		tag, err := tx.Exec(ctx, `INSERT INTO ledger (message_id, communication_id, at, state, lease_until, attempts)
			VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (message_id) DO NOTHING`,
			messageID, communicationID, now, doctales.LedgerSending, until)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			state = doctales.ClaimAcquired
			return nil
		}
		var cur string
		var leaseUntil *time.Time
		if err := tx.QueryRow(ctx, `SELECT state, lease_until FROM ledger WHERE message_id = $1 FOR UPDATE`, messageID).
			Scan(&cur, &leaseUntil); err != nil {
			return err
		}
		if cur != doctales.LedgerSending {
			state = doctales.ClaimSent
			return nil
		}
		if leaseUntil != nil && now.Before(*leaseUntil) {
			state = doctales.ClaimInFlight
			return nil
		}
		state = doctales.ClaimTakenOver
		_, err = tx.Exec(ctx, `UPDATE ledger SET lease_until = $2, at = $3, attempts = attempts + 1 WHERE message_id = $1`,
			messageID, until, now)
		return err
	}); err != nil {
		return 0, fmt.Errorf("claim %q: %w", messageID, err)
	}
	return state, nil
}

// Sent reports whether messageID was marked sent; a claim alone is not.
func (db *DB) Sent(ctx context.Context, messageID string) (bool, error) {
	var state string
	err := db.pool.QueryRow(ctx, `SELECT state FROM ledger WHERE message_id = $1`, messageID).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read ledger %q: %w", messageID, err)
	}
	return state == doctales.LedgerSent, nil
}

// MarkSent records durably that messageID was sent for the communication,
// whether it was claimed or not. Marking again is not an error and keeps
// the first record. An empty messageID is EINVALID.
func (db *DB) MarkSent(ctx context.Context, messageID, communicationID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO ledger (message_id, communication_id, at, state) VALUES ($1, $2, $3, $4)
		ON CONFLICT (message_id) DO UPDATE SET state = excluded.state, at = excluded.at, lease_until = NULL
		WHERE ledger.state = $5`, messageID, communicationID, db.nowMicro(), doctales.LedgerSent, doctales.LedgerSending); err != nil {
		return fmt.Errorf("mark %q sent: %w", messageID, err)
	}
	return nil
}

// Release ends messageID's claim now if it is still "sending"; an unknown
// or sent id is left alone. An empty messageID is EINVALID.
func (db *DB) Release(ctx context.Context, messageID string) error {
	if messageID == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "MessageId", "Message id required.")
	}
	if _, err := db.pool.Exec(ctx, `UPDATE ledger SET lease_until = $2 WHERE message_id = $1 AND state = $3`,
		messageID, db.nowMicro(), doctales.LedgerSending); err != nil {
		return fmt.Errorf("release %q: %w", messageID, err)
	}
	return nil
}
