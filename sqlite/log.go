package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/doctales/doctales"
)

// Limits of ReadLog.
const (
	DefaultReadLimit = 100    // records per ReadLog call when limit is 0 or less
	MaxReadLimit     = 10_000 // a larger limit is lowered to this
)

// Append adds recs to the log durably, in order, in one transaction, and
// sets their Seq (increasing, never reused) and Time (Now). Each record
// needs a Source and, as Data, valid JSON; otherwise Append appends nothing
// and returns EINVALID. Appending nothing is a no-op. Waiters on Changed
// wake after the commit.
func (db *DB) Append(ctx context.Context, recs ...*doctales.LogRecord) error {
	if len(recs) == 0 {
		return nil
	}
	for i, rec := range recs {
		if rec == nil {
			return doctales.Errorf(doctales.EINVALID, "Log record %d is nil.", i)
		} else if rec.Source == "" {
			return doctales.FieldErrorf(doctales.EINVALID, "source", "Log record %d has no source.", i)
		} else if !json.Valid(rec.Data) {
			return doctales.FieldErrorf(doctales.EINVALID, "data", "Log record %d: data is not valid JSON.", i)
		}
	}

	// Number copies, so that the caller's records are set only on success.
	now := db.Now()
	seqs := make([]int64, len(recs))
	write := db.write
	if len(recs) == 1 {
		write = db.writeOneStatement // one INSERT: the S3 event of each put
	}
	if err := write(ctx, func(tx *writeTx) error {
		for i, rec := range recs {
			cp := *rec
			cp.Time = now
			if _, err := tx.appendLog(&cp, ""); err != nil {
				return err
			}
			seqs[i] = cp.Seq
		}
		return nil
	}); err != nil {
		return fmt.Errorf("append %d %s records: %w", len(recs), recs[0].Source, err)
	}
	for i, rec := range recs {
		rec.Seq, rec.Time = seqs[i], now
	}
	return nil
}

// ReadLog returns up to limit records of source with Seq > after, in Seq
// order, whatever their Target: the runtime filters by Target itself.
// Source "" reads every source. A limit of 0 or less means
// DefaultReadLimit; above MaxReadLimit it is lowered to it.
func (db *DB) ReadLog(ctx context.Context, source string, after int64, limit int) ([]*doctales.LogRecord, error) {
	if limit <= 0 {
		limit = DefaultReadLimit
	} else if limit > MaxReadLimit {
		limit = MaxReadLimit
	}
	var rows *sql.Rows
	var err error
	if source == "" {
		rows, err = db.reads.logAll.QueryContext(ctx, after, limit)
	} else {
		rows, err = db.reads.logSource.QueryContext(ctx, source, after, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read log %q after %d: %w", source, after, FormatError(err))
	}
	defer rows.Close()

	var recs []*doctales.LogRecord
	for rows.Next() {
		var rec doctales.LogRecord
		var data []byte
		var at string
		if err := rows.Scan(&rec.Seq, &rec.Source, &rec.Key, &rec.Target, &data, &at, &rec.TraceParent); err != nil {
			return nil, fmt.Errorf("read log %q after %d: %w", source, after, FormatError(err))
		}
		rec.Data = json.RawMessage(data)
		if rec.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("read log %q record %d: %w", source, rec.Seq, err)
		}
		recs = append(recs, &rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read log %q after %d: %w", source, after, FormatError(err))
	}
	return recs, nil
}

// LogRecord returns the record with that seq, or ENOTFOUND (never
// appended, or compacted away). The CLI's trace command uses it.
func (db *DB) LogRecord(ctx context.Context, seq int64) (*doctales.LogRecord, error) {
	var rec doctales.LogRecord
	var data []byte
	var at string
	if err := db.rdb.QueryRowContext(ctx, `SELECT seq, source, key, target, data, at FROM log WHERE seq = ?`, seq).
		Scan(&rec.Seq, &rec.Source, &rec.Key, &rec.Target, &data, &at); errNoRows(err) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Log record %d not found.", seq)
	} else if err != nil {
		return nil, fmt.Errorf("read log record %d: %w", seq, FormatError(err))
	}
	rec.Data = json.RawMessage(data)
	var err error
	if rec.Time, err = parseTime(at); err != nil {
		return nil, fmt.Errorf("read log record %d: %w", seq, err)
	}
	return &rec, nil
}

// Checkpoint returns the last Seq the subscription finished, 0 if it never
// set one.
func (db *DB) Checkpoint(ctx context.Context, subscription string) (int64, error) {
	var seq int64
	if err := db.rdb.QueryRowContext(ctx, `SELECT seq FROM checkpoints WHERE subscription = ?`, subscription).Scan(&seq); errNoRows(err) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read checkpoint %q: %w", subscription, FormatError(err))
	}
	return seq, nil
}

// SetCheckpoint records durably that the subscription finished every record
// up to seq. It overwrites, so a checkpoint may move back (to replay). An
// empty subscription name or a negative seq is EINVALID.
func (db *DB) SetCheckpoint(ctx context.Context, subscription string, seq int64) error {
	if subscription == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "subscription", "Subscription name required.")
	} else if seq < 0 {
		return doctales.FieldErrorf(doctales.EINVALID, "seq", "Checkpoint must not be negative.")
	}
	now := formatTime(db.Now())
	if err := db.write(ctx, func(tx *writeTx) error {
		_, err := tx.exec(`INSERT INTO checkpoints (subscription, seq, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (subscription) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`,
			subscription, seq, now)
		return FormatError(err)
	}); err != nil {
		return fmt.Errorf("set checkpoint %q to %d: %w", subscription, seq, err)
	}
	return nil
}

// deleteChunkRows is how many log records one DeleteLogBefore transaction
// deletes at most, so that compaction never holds the writer for long.
const deleteChunkRows = 10_000

// DeleteLogBefore deletes the log records with Seq < seq, compacting the
// log once every subscription has passed them, and returns how many it
// deleted. It deletes in transactions of deleteChunkRows records, letting
// other writes through in between; if it fails midway, the records
// already deleted stay deleted. Seq values are never reused afterwards.
func (db *DB) DeleteLogBefore(ctx context.Context, seq int64) (int64, error) {
	var total int64
	for {
		var n int64
		if err := db.write(ctx, func(tx *writeTx) error {
			res, err := tx.exec(`DELETE FROM log WHERE seq IN (SELECT seq FROM log WHERE seq < ? ORDER BY seq LIMIT ?)`,
				seq, deleteChunkRows)
			if err != nil {
				return FormatError(err)
			}
			n, err = res.RowsAffected()
			return err
		}); err != nil {
			return total, fmt.Errorf("delete log before %d: %w", seq, err)
		}
		total += n
		if n < deleteChunkRows {
			return total, nil
		}
	}
}
