package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/doctales/doctales"
)

// Limits of DeadLetters.
const (
	DefaultDeadLetterLimit = 100    // dead letters per call when limit is 0 or less
	MaxDeadLetterLimit     = 10_000 // a larger limit is lowered to this
)

// AddDeadLetter stores dl durably and sets its ID; a zero CreatedAt is set
// to Now. An empty Subscription or Source, or a Record that is not valid
// JSON, is EINVALID.
func (db *DB) AddDeadLetter(ctx context.Context, dl *doctales.DeadLetter) error {
	if dl == nil {
		return doctales.Errorf(doctales.EINVALID, "Dead letter required.")
	} else if dl.Subscription == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "subscription", "Dead letter has no subscription.")
	} else if dl.Source == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "source", "Dead letter has no source.")
	} else if !json.Valid(dl.Record) {
		return doctales.FieldErrorf(doctales.EINVALID, "record", "Dead letter record is not valid JSON.")
	}
	created := dl.CreatedAt
	if created.IsZero() {
		created = db.Now()
	}

	var id int64
	if err := db.write(ctx, func(tx *writeTx) error {
		res, err := tx.exec(`INSERT INTO dead_letters
			(subscription, source, key, seq, record, error, reason, attempts, first_attempt, last_attempt, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			dl.Subscription, dl.Source, dl.Key, dl.Seq, string(dl.Record), dl.Error, dl.Reason, dl.Attempts,
			formatTime(dl.FirstAttempt), formatTime(dl.LastAttempt), formatTime(created))
		if err != nil {
			return FormatError(err)
		}
		id, err = res.LastInsertId()
		return err
	}); err != nil {
		return fmt.Errorf("add dead letter of %q seq %d: %w", dl.Subscription, dl.Seq, err)
	}
	dl.ID, dl.CreatedAt = id, created
	return nil
}

// DeadLetters lists up to limit dead letters of the subscription, oldest
// first; subscription "" lists every subscription's. A limit of 0 or less
// means DefaultDeadLetterLimit; above MaxDeadLetterLimit it is lowered.
func (db *DB) DeadLetters(ctx context.Context, subscription string, limit int) ([]*doctales.DeadLetter, error) {
	if limit <= 0 {
		limit = DefaultDeadLetterLimit
	} else if limit > MaxDeadLetterLimit {
		limit = MaxDeadLetterLimit
	}
	query := `SELECT ` + deadLetterColumns + ` FROM dead_letters WHERE subscription = ? ORDER BY id LIMIT ?`
	args := []any{subscription, limit}
	if subscription == "" {
		query = `SELECT ` + deadLetterColumns + ` FROM dead_letters ORDER BY id LIMIT ?`
		args = args[1:]
	}
	rows, err := db.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %q: %w", subscription, FormatError(err))
	}
	defer rows.Close()

	var dls []*doctales.DeadLetter
	for rows.Next() {
		dl, err := scanDeadLetter(rows)
		if err != nil {
			return nil, fmt.Errorf("list dead letters of %q: %w", subscription, err)
		}
		dls = append(dls, dl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead letters of %q: %w", subscription, FormatError(err))
	}
	return dls, nil
}

// DeadLetter returns the dead letter with that id, or ENOTFOUND.
func (db *DB) DeadLetter(ctx context.Context, id int64) (*doctales.DeadLetter, error) {
	row := db.rdb.QueryRowContext(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters WHERE id = ?`, id)
	dl, err := scanDeadLetter(row)
	if errNoRows(err) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Dead letter %d not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("read dead letter %d: %w", id, err)
	}
	return dl, nil
}

// Redrive removes the dead letter and, in the same transaction, appends
// its record to the log again with its Source and Key, targeted at its
// subscription alone. It returns the new log record. ENOTFOUND when absent,
// so a dead letter is redriven at most once.
func (db *DB) Redrive(ctx context.Context, id int64) (*doctales.LogRecord, error) {
	var rec *doctales.LogRecord
	now := db.Now()
	if err := db.write(ctx, func(tx *writeTx) error {
		rec = nil
		row := tx.queryRow(`SELECT `+deadLetterColumns+` FROM dead_letters WHERE id = ?`, id)
		dl, err := scanDeadLetter(row)
		if errNoRows(err) {
			return doctales.Errorf(doctales.ENOTFOUND, "Dead letter %d not found.", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM dead_letters WHERE id = ?`, id); err != nil {
			return FormatError(err)
		}
		r := &doctales.LogRecord{Source: dl.Source, Key: dl.Key, Target: dl.Subscription, Data: dl.Record, Time: now}
		if _, err := tx.appendLog(r, ""); err != nil {
			return err
		}
		rec = r
		return nil
	}); err != nil {
		return nil, fmt.Errorf("redrive dead letter %d: %w", id, err)
	}
	return rec, nil
}

// deadLetterColumns are the columns scanDeadLetter reads, in order.
const deadLetterColumns = `id, subscription, source, key, seq, record, error, reason, attempts, first_attempt, last_attempt, created_at`

// scanDeadLetter reads one row of deadLetterColumns.
func scanDeadLetter(s interface{ Scan(...any) error }) (*doctales.DeadLetter, error) {
	var dl doctales.DeadLetter
	var record []byte
	var first, last, created string
	if err := s.Scan(&dl.ID, &dl.Subscription, &dl.Source, &dl.Key, &dl.Seq, &record, &dl.Error, &dl.Reason,
		&dl.Attempts, &first, &last, &created); err != nil {
		if err == sql.ErrNoRows {
			return nil, err
		}
		return nil, FormatError(err)
	}
	dl.Record = json.RawMessage(record)
	var err error
	if dl.FirstAttempt, err = parseTime(first); err != nil {
		return nil, err
	}
	if dl.LastAttempt, err = parseTime(last); err != nil {
		return nil, err
	}
	if dl.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &dl, nil
}

// ChannelDeadLetters lists up to limit dead letters of the subscriptions
// that deliver to channel (doctales.SubscriptionChannel: "topic/<channel>"
// and "topic/<channel>-<n>", or the browser's live subscription), oldest
// first, so that each channel's dead letters can be read apart (issue 13).
// A channel that is not one of doctales.Channels is EINVALID naming
// "channel". Limits as DeadLetters.
func (db *DB) ChannelDeadLetters(ctx context.Context, channel string, limit int) ([]*doctales.DeadLetter, error) {
	if !slices.Contains(doctales.Channels, channel) {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "channel", "channel %q is not one of %s", channel, strings.Join(doctales.Channels, ", "))
	}
	if limit <= 0 {
		limit = DefaultDeadLetterLimit
	} else if limit > MaxDeadLetterLimit {
		limit = MaxDeadLetterLimit
	}
	exact, numbered := doctales.ChannelSubscriptionPrefix+channel, doctales.ChannelSubscriptionPrefix+channel+"-[0-9]*"
	if channel == doctales.ChannelBrowser {
		exact, numbered = doctales.BrowserSubscription, doctales.BrowserSubscription
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters
		WHERE subscription = ? OR subscription GLOB ? ORDER BY id LIMIT ?`, exact, numbered, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead letters of channel %q: %w", channel, FormatError(err))
	}
	defer rows.Close()
	var dls []*doctales.DeadLetter
	for rows.Next() {
		dl, err := scanDeadLetter(rows)
		if err != nil {
			return nil, fmt.Errorf("list dead letters of channel %q: %w", channel, err)
		}
		if doctales.SubscriptionChannel(dl.Subscription) == channel { // GLOB's [0-9]* lets "-1x" through
			dls = append(dls, dl)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead letters of channel %q: %w", channel, FormatError(err))
	}
	return dls, nil
}
