package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/doctales/doctales/notify"
)

var (
	_ notify.TimerStore  = (*DB)(nil)
	_ notify.DigestStore = (*DB)(nil)
)

// AddDigestEntry lists e in digest digestID, once per entry id.
func (db *DB) AddDigestEntry(ctx context.Context, digestID string, e notify.DigestEntry) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode digest entry %q: %w", e.ID, err)
	}
	return db.write(ctx, func(tx *writeTx) error {
		if _, err := tx.exec(`INSERT INTO notify_digest_entries (digest_id, id, at, body) VALUES (?, ?, ?, ?)
			ON CONFLICT (digest_id, id) DO NOTHING`, digestID, e.ID, formatTime(e.At), string(body)); err != nil {
			return fmt.Errorf("store digest entry %q of %s: %w", e.ID, digestID, FormatError(err))
		}
		return nil
	})
}

// DigestEntries returns the entries of digest digestID, oldest first.
func (db *DB) DigestEntries(ctx context.Context, digestID string) ([]notify.DigestEntry, error) {
	rows, err := db.rdb.QueryContext(ctx, `SELECT body FROM notify_digest_entries WHERE digest_id = ? ORDER BY at, id`, digestID)
	if err != nil {
		return nil, fmt.Errorf("read digest %s: %w", digestID, FormatError(err))
	}
	defer rows.Close()
	var out []notify.DigestEntry
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("read digest %s: %w", digestID, FormatError(err))
		}
		var e notify.DigestEntry
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("decode digest entry of %s: %w", digestID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read digest %s: %w", digestID, FormatError(err))
	}
	return out, nil
}

// PutTimers stores each notification timer whose id is not stored yet,
// in one transaction; a stored one, fired or not, is kept as it is.
func (db *DB) PutTimers(ctx context.Context, timers []notify.Timer) error {
	if len(timers) == 0 {
		return nil
	}
	return db.write(ctx, func(tx *writeTx) error {
		for _, t := range timers {
			body, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("encode timer %q: %w", t.ID, err)
			}
			fired := 0
			if t.Fired {
				fired = 1
			}
			if _, err := tx.exec(`INSERT INTO notify_timers (id, communication_id, kind, due, fired, body) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`, t.ID, t.CommunicationID, t.Kind, formatTime(t.Due), fired, string(body)); err != nil {
				return fmt.Errorf("store timer %q: %w", t.ID, FormatError(err))
			}
		}
		return nil
	})
}

// CancelTimers deletes communicationID's pending timers of kind.
func (db *DB) CancelTimers(ctx context.Context, communicationID, kind string) error {
	return db.write(ctx, func(tx *writeTx) error {
		if _, err := tx.exec(`DELETE FROM notify_timers WHERE communication_id = ? AND kind = ? AND fired = 0`, communicationID, kind); err != nil {
			return fmt.Errorf("cancel %s timers of %q: %w", kind, communicationID, FormatError(err))
		}
		return nil
	})
}

// GetTimer returns the notification timer id, and false when none is
// stored.
func (db *DB) GetTimer(ctx context.Context, id string) (notify.Timer, bool, error) {
	var body string
	var fired bool
	err := db.rdb.QueryRowContext(ctx, `SELECT body, fired FROM notify_timers WHERE id = ?`, id).Scan(&body, &fired)
	if errNoRows(err) {
		return notify.Timer{}, false, nil
	} else if err != nil {
		return notify.Timer{}, false, fmt.Errorf("read timer %q: %w", id, FormatError(err))
	}
	t, err := decodeTimer(body)
	t.Fired = fired
	return t, err == nil, err
}

// DueTimers returns up to limit (0: 100) pending notification timers due
// at or before now, earliest first.
func (db *DB) DueTimers(ctx context.Context, now time.Time, limit int) ([]notify.Timer, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT body FROM notify_timers WHERE fired = 0 AND due <= ? ORDER BY due, id LIMIT ?`, formatTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read due timers: %w", FormatError(err))
	}
	defer rows.Close()
	var out []notify.Timer
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("read due timers: %w", FormatError(err))
		}
		t, err := decodeTimer(body)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read due timers: %w", FormatError(err))
	}
	return out, nil
}

// FireTimer marks the notification timer id fired.
func (db *DB) FireTimer(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *writeTx) error {
		if _, err := tx.exec(`UPDATE notify_timers SET fired = 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("mark timer %q fired: %w", id, FormatError(err))
		}
		return nil
	})
}

// NextNotifyTimer returns the due time of the earliest pending
// notification timer, and false when none is pending. (NextTimer is the
// snooze wake-ups'.)
func (db *DB) NextNotifyTimer(ctx context.Context) (time.Time, bool, error) {
	var due sql.NullString
	if err := db.rdb.QueryRowContext(ctx, `SELECT MIN(due) FROM notify_timers WHERE fired = 0`).Scan(&due); err != nil {
		return time.Time{}, false, fmt.Errorf("next notification timer: %w", FormatError(err))
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	t, err := parseTime(due.String)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next notification timer: %w", err)
	}
	return t, true, nil
}

// AckKey returns the database's key of ack links (notify.AckToken),
// made by migration 0150.
func (db *DB) AckKey(ctx context.Context) ([]byte, error) {
	var v string
	if err := db.rdb.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'ack_key'`).Scan(&v); err != nil {
		return nil, fmt.Errorf("read ack key: %w", FormatError(err))
	}
	k, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("ack key in meta is not hex: %w", err)
	}
	return k, nil
}

func decodeTimer(body string) (notify.Timer, error) {
	var t notify.Timer
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return t, fmt.Errorf("decode timer %.60q: %w", body, err)
	}
	return t, nil
}
