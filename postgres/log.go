package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// Limits of ReadLog, as in package sqlite.
const (
	DefaultReadLimit = 100    // records per ReadLog call when limit is 0 or less
	MaxReadLimit     = 10_000 // a larger limit is lowered to this
)

// logRow is a record to append: seqAt >= 0 is the offset in data of a
// streamrec placeholder the insert fills with the record's seq.
type logRow struct {
	rec   *doctales.LogRecord
	seqAt int
}

// insertLog inserts one record. The seq is drawn first, and written both
// as the row's seq and, when $5 >= 0, over the 20-byte placeholder at
// offset $5 of data (a stream record's SequenceNumber): one statement,
// the record's bytes never leave the server twice.
const insertLog = `INSERT INTO log (seq, source, key, target, data, at, trace_parent)
	SELECT n.s, $1, $2, $3,
		CASE WHEN $5::int >= 0 THEN overlay($4::bytea PLACING convert_to(lpad(n.s::text, 20, '0'), 'UTF8') FROM $5::int + 1 FOR 20)
		ELSE $4::bytea END,
		$6, $7
	FROM (SELECT nextval('log_seq_seq') AS s) n
	RETURNING seq`

// appendLog appends rows in tx, in order, and sets their Seq. It first
// takes the log's transaction-scoped advisory lock: appends are
// serialised until commit, so seqs become visible in increasing order
// and a reader that read up to N never sees a lower seq appear later (a
// bare bigserial does not promise that: a transaction can draw seq 5,
// commit after another drew 6, and a reader past 6 would skip it).
// Every transaction that appends takes the lock last, after its other
// writes, and holds it only until its commit. The NOTIFY goes out at
// commit, and not at all on rollback. traceparent fills empty
// TraceParents.
func appendLog(ctx context.Context, tx pgx.Tx, traceparent string, rows ...logRow) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, int64(logLockKey))
	for _, r := range rows {
		if r.rec.TraceParent == "" {
			r.rec.TraceParent = traceparent
		}
		b.Queue(insertLog, r.rec.Source, r.rec.Key, r.rec.Target, []byte(r.rec.Data), r.seqAt, r.rec.Time, r.rec.TraceParent)
	}
	b.Queue(`SELECT pg_notify('` + notifyChannel + `', '')`)
	res := tx.SendBatch(ctx, b)
	if _, err := res.Exec(); err != nil {
		res.Close()
		return fmt.Errorf("lock the log: %w", err)
	}
	for _, r := range rows {
		if err := res.QueryRow().Scan(&r.rec.Seq); err != nil {
			res.Close()
			return fmt.Errorf("append %s record %q: %w", r.rec.Source, r.rec.Key, err)
		}
		if r.seqAt >= 0 {
			copy(r.rec.Data[r.seqAt:], fmt.Sprintf("%020d", r.rec.Seq))
		}
	}
	if _, err := res.Exec(); err != nil {
		res.Close()
		return fmt.Errorf("notify %s: %w", notifyChannel, err)
	}
	return res.Close()
}

// Append adds recs to the log durably, in order, in one transaction, and
// sets their Seq (increasing, never reused; a rolled-back append leaves a
// gap) and Time (Now). Each record needs a Source and, as Data, valid
// JSON; otherwise Append appends nothing and returns EINVALID. Appending
// nothing is a no-op. Changed wakes after the commit, here and in every
// process listening on the database.
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
	now := db.nowMicro()
	rows := make([]logRow, len(recs))
	for i, rec := range recs {
		cp := *rec
		cp.Time = now
		rows[i] = logRow{rec: &cp, seqAt: -1}
	}
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return appendLog(ctx, tx, doctales.TraceParent(ctx), rows...)
	}); err != nil {
		return fmt.Errorf("append %d %s records: %w", len(recs), recs[0].Source, err)
	}
	db.wake()
	for i, rec := range recs {
		rec.Seq, rec.Time, rec.TraceParent = rows[i].rec.Seq, now, rows[i].rec.TraceParent
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
	const cols = `SELECT seq, source, key, target, data, at, trace_parent FROM log `
	var rows pgx.Rows
	var err error
	if source == "" {
		rows, err = db.pool.Query(ctx, cols+`WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	} else {
		rows, err = db.pool.Query(ctx, cols+`WHERE source = $1 AND seq > $2 ORDER BY seq LIMIT $3`, source, after, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read log %q after %d: %w", source, after, err)
	}
	recs, err := pgx.CollectRows(rows, scanLogRecord)
	if err != nil {
		return nil, fmt.Errorf("read log %q after %d: %w", source, after, err)
	}
	return recs, nil
}

// scanLogRecord reads one log row.
func scanLogRecord(row pgx.CollectableRow) (*doctales.LogRecord, error) {
	var rec doctales.LogRecord
	var data []byte
	if err := row.Scan(&rec.Seq, &rec.Source, &rec.Key, &rec.Target, &data, &rec.Time, &rec.TraceParent); err != nil {
		return nil, err
	}
	rec.Data = json.RawMessage(data)
	rec.Time = rec.Time.UTC()
	return &rec, nil
}

// LogRecord returns the record with that seq, or ENOTFOUND.
func (db *DB) LogRecord(ctx context.Context, seq int64) (*doctales.LogRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT seq, source, key, target, data, at, trace_parent FROM log WHERE seq = $1`, seq)
	if err != nil {
		return nil, fmt.Errorf("read log record %d: %w", seq, err)
	}
	rec, err := pgx.CollectExactlyOneRow(rows, scanLogRecord)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, doctales.Errorf(doctales.ENOTFOUND, "Log record %d not found.", seq)
	} else if err != nil {
		return nil, fmt.Errorf("read log record %d: %w", seq, err)
	}
	return rec, nil
}

// Checkpoint returns the last Seq the subscription finished, 0 if it never
// set one.
func (db *DB) Checkpoint(ctx context.Context, subscription string) (int64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, `SELECT seq FROM checkpoints WHERE subscription = $1`, subscription).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read checkpoint %q: %w", subscription, err)
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
		return doctales.FieldErrorf(doctales.EINVALID, "seq", "Checkpoint must not be negative, not %d.", seq)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO checkpoints (subscription, seq, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (subscription) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`,
		subscription, seq, db.nowMicro()); err != nil {
		return fmt.Errorf("set checkpoint %q to %d: %w", subscription, seq, err)
	}
	return nil
}

// DeleteLogBefore deletes the log records with Seq < seq and returns how
// many it deleted, in transactions of at most deleteChunkRows records.
func (db *DB) DeleteLogBefore(ctx context.Context, seq int64) (int64, error) {
	var total int64
	for {
		tag, err := db.pool.Exec(ctx, `DELETE FROM log WHERE seq IN (SELECT seq FROM log WHERE seq < $1 ORDER BY seq LIMIT $2)`, seq, deleteChunkRows)
		if err != nil {
			return total, fmt.Errorf("delete log before %d: %w", seq, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < deleteChunkRows {
			return total, nil
		}
	}
}

// deleteChunkRows is how many log records one DeleteLogBefore statement
// deletes at most.
const deleteChunkRows = 10_000

// timeOrZero is t, or nil for the zero time (a NULL column).
func timeOrZero(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
