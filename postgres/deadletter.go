package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// Limits of DeadLetters, as in package sqlite.
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
		created = db.nowMicro()
	}
	var id int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO dead_letters
		(subscription, source, key, seq, record, error, reason, attempts, first_attempt, last_attempt, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		dl.Subscription, dl.Source, dl.Key, dl.Seq, []byte(dl.Record), dl.Error, dl.Reason, dl.Attempts,
		dl.FirstAttempt, dl.LastAttempt, created).Scan(&id); err != nil {
		return fmt.Errorf("add dead letter of %q seq %d: %w", dl.Subscription, dl.Seq, err)
	}
	dl.ID, dl.CreatedAt = id, created
	return nil
}

// deadLetterColumns are the columns scanDeadLetter reads, in order.
const deadLetterColumns = `id, subscription, source, key, seq, record, error, reason, attempts, first_attempt, last_attempt, created_at`

// scanDeadLetter reads one row of deadLetterColumns.
func scanDeadLetter(row pgx.CollectableRow) (*doctales.DeadLetter, error) {
	var dl doctales.DeadLetter
	var record []byte
	if err := row.Scan(&dl.ID, &dl.Subscription, &dl.Source, &dl.Key, &dl.Seq, &record, &dl.Error, &dl.Reason,
		&dl.Attempts, &dl.FirstAttempt, &dl.LastAttempt, &dl.CreatedAt); err != nil {
		return nil, err
	}
	dl.Record = json.RawMessage(record)
	dl.FirstAttempt, dl.LastAttempt, dl.CreatedAt = dl.FirstAttempt.UTC(), dl.LastAttempt.UTC(), dl.CreatedAt.UTC()
	return &dl, nil
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
	var rows pgx.Rows
	var err error
	if subscription == "" {
		rows, err = db.pool.Query(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters ORDER BY id LIMIT $1`, limit)
	} else {
		rows, err = db.pool.Query(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters WHERE subscription = $1 ORDER BY id LIMIT $2`, subscription, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %q: %w", subscription, err)
	}
	dls, err := pgx.CollectRows(rows, scanDeadLetter)
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %q: %w", subscription, err)
	}
	return dls, nil
}

// DeadLetter returns the dead letter with that id, or ENOTFOUND.
func (db *DB) DeadLetter(ctx context.Context, id int64) (*doctales.DeadLetter, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+deadLetterColumns+` FROM dead_letters WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("read dead letter %d: %w", id, err)
	}
	dl, err := pgx.CollectExactlyOneRow(rows, scanDeadLetter)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Dead letter %d not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("read dead letter %d: %w", id, err)
	}
	return dl, nil
}

// Redrive removes the dead letter and, in the same transaction, appends
// its record to the log again with its Source and Key, targeted at its
// subscription alone. It returns the new log record. ENOTFOUND when
// absent: the DELETE ... RETURNING takes the row, so of two concurrent
// redrives of one dead letter exactly one appends.
func (db *DB) Redrive(ctx context.Context, id int64) (*doctales.LogRecord, error) {
	var rec *doctales.LogRecord
	var ids []int64
	now := db.nowMicro()
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM dead_letters WHERE id = $1 RETURNING `+deadLetterColumns, id)
		if err != nil {
			return err
		}
		dl, err := pgx.CollectExactlyOneRow(rows, scanDeadLetter)
		if errors.Is(err, pgx.ErrNoRows) {
			return doctales.Errorf(doctales.ENOTFOUND, "Dead letter %d not found.", id)
		} else if err != nil {
			return err
		}
		r := &doctales.LogRecord{Source: dl.Source, Key: dl.Key, Target: dl.Subscription, Data: dl.Record, Time: now}
		ids, err = appendLog(ctx, tx, doctales.TraceParent(ctx), logRow{rec: r, seqAt: -1})
		if err != nil {
			return err
		}
		rec = r
		return nil
	}); err != nil {
		return nil, fmt.Errorf("redrive dead letter %d: %w", id, err)
	}
	if err := db.number(ctx); err != nil {
		return nil, fmt.Errorf("redrive dead letter %d: redriven, but %w", id, err)
	}
	seqs, err := db.seqsOf(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("redrive dead letter %d: redriven, but read its seq: %w", id, err)
	}
	rec.Seq = seqs[0]
	return rec, nil
}
