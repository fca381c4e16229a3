package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
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
// streamrec placeholder the sequencer fills with the record's seq.
type logRow struct {
	rec   *doctales.LogRecord
	seqAt int
}

// insertLog inserts one record, unnumbered.
const insertLog = `INSERT INTO log (source, key, target, data, seq_at, at, trace_parent)
	VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

// appendLog inserts rows in tx, unnumbered, in order, and returns their
// ids. They get their seq after the commit, from the sequencer (number):
// the writer's transaction takes no lock on the log, so writers commit
// side by side and PostgreSQL groups their commits. traceparent fills
// empty TraceParents.
func appendLog(ctx context.Context, tx pgx.Tx, traceparent string, rows ...logRow) ([]int64, error) {
	b := &pgx.Batch{}
	for _, r := range rows {
		if r.rec.TraceParent == "" {
			r.rec.TraceParent = traceparent
		}
		b.Queue(insertLog, r.rec.Source, r.rec.Key, r.rec.Target, []byte(r.rec.Data), r.seqAt, r.rec.Time, r.rec.TraceParent)
	}
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	ids := make([]int64, len(rows))
	for i, r := range rows {
		if err := res.QueryRow().Scan(&ids[i]); err != nil {
			return nil, fmt.Errorf("append %s record %q: %w", r.rec.Source, r.rec.Key, err)
		}
	}
	return ids, res.Close()
}

// numberBatch is how many records one sequencer transaction numbers at
// most.
const numberBatch = 1000

// numberOnce numbers the committed, unnumbered records, oldest insert
// first, in one transaction holding the log's advisory lock until its
// commit (logLockKey), and returns how many it numbered and whether some
// may remain.
//
// Why a sequencer: a bare bigserial seq does not promise that records
// become visible in seq order (a transaction can draw seq 5 and commit
// after another drew 6: a reader past 6 skips 5), and holding a lock from
// the draw to the commit would serialise every writer's commit (one
// fsync each). Here writers commit unlocked; numbering is serialised, one
// transaction (one fsync) per batch of records, and readers read only
// numbered records. A record is numbered after the transaction that
// wrote it committed, so records of one item, whose writes lock its row
// one after the other, are numbered in the order of the writes.
func (db *DB) numberOnce(ctx context.Context) (n int, more bool, err error) {
	// One statement, its own transaction: see doctales_number_log in
	// migration/0001_initial.sql. With nothing to number it writes
	// nothing, and its commit costs no fsync.
	if err := db.pool.QueryRow(ctx, `SELECT doctales_number_log($1)`, numberBatch).Scan(&n); err != nil {
		return 0, false, err
	}
	return n, n == numberBatch, nil
}

// number numbers every record committed before it was called, joining a
// numbering round of this DB that starts after the call (one round
// serves every writer waiting for it), and wakes Changed when records
// were numbered.
func (db *DB) number(ctx context.Context) error {
	s := &db.seq
	s.mu.Lock()
	s.requested++
	gen := s.requested
	for s.done < gen {
		if s.running {
			s.cond.Wait()
			continue
		}
		// Run a round for every request so far.
		s.running = true
		target := s.requested
		s.mu.Unlock()
		var err error
		total := 0
		for more := true; more && err == nil; {
			var n int
			n, more, err = db.numberOnce(ctx)
			total += n
		}
		if total > 0 {
			db.wake()
		}
		s.mu.Lock()
		s.running = false
		if err != nil {
			// The round failed: this caller reports it; the others
			// waiting try a round of their own.
			s.cond.Broadcast()
			s.mu.Unlock()
			return fmt.Errorf("number the log: %w", err)
		}
		s.done = target
		s.cond.Broadcast()
	}
	s.mu.Unlock()
	return nil
}

// sequencer coalesces this DB's numbering rounds (DB.number).
type sequencer struct {
	mu        sync.Mutex
	cond      *sync.Cond
	requested uint64 // numbering requests made
	done      uint64 // requests up to this one are served
	running   bool
}

// sweepEvery is how often a DB numbers records left unnumbered by a
// writer that committed and then died (or whose numbering failed).
const sweepEvery = time.Second

// sweep numbers leftover records every sweepEvery until ctx ends.
func (db *DB) sweep(ctx context.Context) {
	defer db.listener.Done()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var waiting bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM log WHERE seq IS NULL)`).Scan(&waiting); err != nil || !waiting {
			continue
		}
		if err := db.number(ctx); err != nil && ctx.Err() == nil {
			db.logger.Warn("postgres: numbering leftover log records failed", "err", err)
		}
	}
}

// seqsOf returns the seqs of the records with those ids.
func (db *DB) seqsOf(ctx context.Context, ids []int64) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT u.id, l.seq FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, rn)
		JOIN log l ON l.id = u.id ORDER BY u.rn`, ids)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for rows.Next() {
		var id int64
		var seq *int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, err
		}
		if seq == nil {
			return nil, fmt.Errorf("log record %d is not numbered yet", id)
		}
		out = append(out, *seq)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(ids) {
		return nil, fmt.Errorf("%d of %d log records found", len(out), len(ids))
	}
	return out, nil
}

// Append adds recs to the log durably, in order, in one transaction, and
// sets their Seq (increasing, never reused) and Time (Now). Each record
// needs a Source and, as Data, valid JSON; otherwise Append appends
// nothing and returns EINVALID. Appending nothing is a no-op. The records
// are numbered before Append returns, and Changed wakes then, here and
// in every process listening on the database.
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
	var ids []int64
	if err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		ids, err = appendLog(ctx, tx, doctales.TraceParent(ctx), rows...)
		return err
	}); err != nil {
		return fmt.Errorf("append %d %s records: %w", len(recs), recs[0].Source, err)
	}
	// Committed: from here the records are in the log for good, and a
	// failure only delays their numbering (the sweep does it).
	if err := db.number(ctx); err != nil {
		return fmt.Errorf("append %d %s records: stored, but %w", len(recs), recs[0].Source, err)
	}
	seqs, err := db.seqsOf(ctx, ids)
	if err != nil {
		return fmt.Errorf("append %d %s records: stored, but read their seqs: %w", len(recs), recs[0].Source, err)
	}
	for i, rec := range recs {
		rec.Seq, rec.Time, rec.TraceParent = seqs[i], now, rows[i].rec.TraceParent
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

// LastSeq returns the highest seq numbered in the log for source (every
// source for ""), 0 when it has none. The runtime uses it to start a
// subscription at the latest record (StartingPosition LATEST): the live
// stream of the dashboard, on the PostgreSQL log when there is no NATS.
// Unnumbered records are not counted: a reader never sees them before
// they are numbered, and they are numbered above every seq given so far.
func (db *DB) LastSeq(ctx context.Context, source string) (int64, error) {
	var seq int64
	var err error
	if source == "" {
		err = db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM log WHERE seq IS NOT NULL`).Scan(&seq)
	} else {
		err = db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM log WHERE source = $1 AND seq IS NOT NULL`, source).Scan(&seq)
	}
	if err != nil {
		return 0, fmt.Errorf("last seq of %q: %w", source, err)
	}
	return seq, nil
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
