package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/doctales/doctales/notify"
	"github.com/jackc/pgx/v5"
)

var (
	_ notify.TimerStore  = (*DB)(nil)
	_ notify.DigestStore = (*DB)(nil)
)

// TimerLease is how long the due timers DueTimers returns are claimed for
// the DB that read them: no other DB (another notification worker)
// reads them again until the lease ends. A worker that dies holding a
// claim delays those timers by this much at most; one that is merely
// slow past it may see another fire the same timer, whose message the
// ledger's claim on its MessageId still sends once.
const TimerLease = time.Minute

// DefaultDueTimers is how many due timers DueTimers returns when its
// limit is not positive.
const DefaultDueTimers = 100

// newClaimer returns a random name for a DB's timer claims.
func newClaimer() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on supported systems
	return "c-" + hex.EncodeToString(b)
}

// PutTimers stores each notification timer whose id is not stored yet,
// in one transaction; a stored one, fired or not, is kept as it is. A
// timer id or communication id PostgreSQL text cannot hold is EINVALID
// naming it.
func (db *DB) PutTimers(ctx context.Context, timers []notify.Timer) error {
	if len(timers) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for i, t := range timers {
		if err := checkText(fmt.Sprintf("timers[%d].id", i), t.ID); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("timers[%d].communicationId", i), t.CommunicationID); err != nil {
			return err
		}
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode timer %q: %w", t.ID, err)
		}
		b.Queue(`INSERT INTO notify_timers (id, communication_id, kind, due, fired, body) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO NOTHING`, t.ID, t.CommunicationID, t.Kind, t.Due, t.Fired, body)
	}
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	}); err != nil {
		return fmt.Errorf("store %d timers (the first %q): %w", len(timers), timers[0].ID, err)
	}
	return nil
}

// CancelTimers deletes communicationID's pending (unfired) timers of
// kind.
func (db *DB) CancelTimers(ctx context.Context, communicationID, kind string) error {
	if checkText("communicationId", communicationID) != nil {
		return nil // none can have it
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM notify_timers WHERE communication_id = $1 AND kind = $2 AND NOT fired`,
		communicationID, kind); err != nil {
		return fmt.Errorf("cancel %s timers of %q: %w", kind, communicationID, err)
	}
	return nil
}

// GetTimer returns the notification timer id, fired or not, and false
// when none is stored.
func (db *DB) GetTimer(ctx context.Context, id string) (notify.Timer, bool, error) {
	if checkText("id", id) != nil {
		return notify.Timer{}, false, nil // none can have it
	}
	var body []byte
	var fired bool
	err := db.pool.QueryRow(ctx, `SELECT body, fired FROM notify_timers WHERE id = $1`, id).Scan(&body, &fired)
	if errors.Is(err, pgx.ErrNoRows) {
		return notify.Timer{}, false, nil
	} else if err != nil {
		return notify.Timer{}, false, fmt.Errorf("read timer %q: %w", id, err)
	}
	t, err := decodeTimer(body)
	if err != nil {
		return notify.Timer{}, false, err
	}
	t.Fired = fired
	return t, true, nil
}

// DueTimers returns up to limit (DefaultDueTimers when not positive)
// pending notification timers due at or before now, earliest first, and
// claims them for this DB for TimerLease (by the DB's clock): until the
// lease ends or they are fired, DueTimers of another DB skips them, so
// two notification workers never fire one timer. This DB's own claims
// it returns again (a fire that failed is retried without waiting for
// the lease). The claim is one statement: the rows are picked FOR UPDATE
// SKIP LOCKED, so concurrent claimers split the due timers between them
// rather than wait for each other, and each row goes to one.
func (db *DB) DueTimers(ctx context.Context, now time.Time, limit int) ([]notify.Timer, error) {
	if limit <= 0 {
		limit = DefaultDueTimers
	}
	at := db.nowMicro()
	rows, err := db.pool.Query(ctx, `WITH c AS (
			SELECT id FROM notify_timers
			WHERE NOT fired AND due <= $1 AND (claimed_by = $2 OR lease_until IS NULL OR lease_until <= $3)
			ORDER BY due, id LIMIT $4
			FOR UPDATE SKIP LOCKED
		)
		UPDATE notify_timers t SET claimed_by = $2, lease_until = $5
		FROM c WHERE t.id = c.id
		RETURNING t.body, t.due, t.id`, now, db.notify.claimer, at, limit, at.Add(TimerLease))
	if err != nil {
		return nil, fmt.Errorf("claim due timers: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		t   notify.Timer
		due time.Time
		id  string
	}
	var out []claimed
	for rows.Next() {
		var body []byte
		var c claimed
		if err := rows.Scan(&body, &c.due, &c.id); err != nil {
			return nil, fmt.Errorf("claim due timers: %w", err)
		}
		if c.t, err = decodeTimer(body); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim due timers: %w", err)
	}
	// UPDATE ... RETURNING keeps no order: earliest first, then by id.
	slices.SortFunc(out, func(a, b claimed) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	timers := make([]notify.Timer, len(out))
	for i, c := range out {
		timers[i] = c.t
	}
	return timers, nil
}

// FireTimer marks the notification timer id fired (and ends its claim);
// a fired timer is never due again. Firing twice, or an unknown id, is
// not an error.
func (db *DB) FireTimer(ctx context.Context, id string) error {
	if checkText("id", id) != nil {
		return nil // none can have it
	}
	if _, err := db.pool.Exec(ctx, `UPDATE notify_timers SET fired = true, claimed_by = '', lease_until = NULL WHERE id = $1`, id); err != nil {
		return fmt.Errorf("mark timer %q fired: %w", id, err)
	}
	return nil
}

// NextNotifyTimer returns when this DB should look for due timers next,
// and false when none is pending: the earliest due time of a pending
// timer, where a timer another DB has claimed counts from the end of its
// lease (when this one may take it over), so a worker whose peer is
// firing a timer does not poll for it meanwhile.
func (db *DB) NextNotifyTimer(ctx context.Context) (time.Time, bool, error) {
	var next *time.Time
	if err := db.pool.QueryRow(ctx, `SELECT min(CASE WHEN claimed_by <> $1 AND lease_until > $2 THEN greatest(due, lease_until) ELSE due END)
		FROM notify_timers WHERE NOT fired`, db.notify.claimer, db.nowMicro()).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next notification timer: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return *next, true, nil
}

// AddDigestEntry lists e in digest digestID, once per entry id.
func (db *DB) AddDigestEntry(ctx context.Context, digestID string, e notify.DigestEntry) error {
	if err := checkText("digestId", digestID); err != nil {
		return err
	}
	if err := checkText("id", e.ID); err != nil {
		return err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode digest entry %q: %w", e.ID, err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO notify_digest_entries (digest_id, id, at, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (digest_id, id) DO NOTHING`, digestID, e.ID, e.At, body); err != nil {
		return fmt.Errorf("store digest entry %q of %s: %w", e.ID, digestID, err)
	}
	return nil
}

// DigestEntries returns the entries of digest digestID, oldest first.
func (db *DB) DigestEntries(ctx context.Context, digestID string) ([]notify.DigestEntry, error) {
	if checkText("digestId", digestID) != nil {
		return nil, nil // none can have it
	}
	rows, err := db.pool.Query(ctx, `SELECT body FROM notify_digest_entries WHERE digest_id = $1 ORDER BY at, id`, digestID)
	if err != nil {
		return nil, fmt.Errorf("read digest %s: %w", digestID, err)
	}
	defer rows.Close()
	var out []notify.DigestEntry
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("read digest %s: %w", digestID, err)
		}
		var e notify.DigestEntry
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("decode digest entry of %s: %w", digestID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read digest %s: %w", digestID, err)
	}
	return out, nil
}

func decodeTimer(body []byte) (notify.Timer, error) {
	var t notify.Timer
	if err := json.Unmarshal(body, &t); err != nil {
		return t, fmt.Errorf("decode timer %.60q: %w", body, err)
	}
	return t, nil
}
