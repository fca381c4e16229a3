package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/doctales/doctales"
)

// writeReq is one write waiting for the writer: fn runs inside a savepoint
// of the batch's transaction and done receives its outcome after COMMIT.
type writeReq struct {
	ctx  context.Context
	fn   func(tx *writeTx) error
	done chan error // buffered, so the writer never blocks on a caller that left
	// oneStatement says fn changes the database with one statement at
	// most: SQLite undoes a failing statement by itself, so it runs
	// without a savepoint of its own (two statements fewer per request).
	oneStatement bool
}

// writeTx is what a write request sees: the batch's transaction and the
// log sequence allocator. It is used by the writer goroutine only.
type writeTx struct {
	db       *DB
	tx       *sql.Tx
	lastSeq  int64 // highest log seq allocated so far, committed or in this transaction
	appended int   // log records appended in this transaction
	// traceparent is the W3C trace context of the request being run,
	// copied into the log records it appends (see doctales.WithTraceParent).
	traceparent string
	stmts       map[*sql.Stmt]*sql.Stmt
}

// stmt returns s bound to the transaction, reusing the binding within the
// batch.
func (tx *writeTx) stmt(s *sql.Stmt) *sql.Stmt {
	if ts, ok := tx.stmts[s]; ok {
		return ts
	}
	ts := tx.tx.Stmt(s)
	tx.stmts[s] = ts
	return ts
}

// write queues fn for the writer and waits for its outcome: nil once the
// transaction that ran it has committed (and so is durable), or the error
// fn returned, or the commit error. If the queue is full it blocks until
// there is room or ctx ends. If ctx ends while the request is queued, the
// writer skips it; if ctx ends while it runs, write returns ctx.Err() and
// the write may still commit.
func (db *DB) write(ctx context.Context, fn func(tx *writeTx) error) error {
	return db.queueWrite(ctx, &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// writeOneStatement is write for an fn that changes the database with one
// statement at most (see writeReq.oneStatement).
func (db *DB) writeOneStatement(ctx context.Context, fn func(tx *writeTx) error) error {
	return db.queueWrite(ctx, &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1), oneStatement: true})
}

// queueWrite is write of a prepared request.
func (db *DB) queueWrite(ctx context.Context, req *writeReq) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.ReadOnly {
		return ErrReadOnly
	}

	// Queue the request unless the database is closed. The read lock keeps
	// Close from stopping the writer while a request is being queued.
	db.stateMu.RLock()
	if db.state != stateOpen {
		db.stateMu.RUnlock()
		return ErrClosed
	}
	select {
	case db.writes <- req:
	default:
		db.queueFullN.Add(1)
		select {
		case db.writes <- req:
		case <-ctx.Done():
			db.stateMu.RUnlock()
			return ctx.Err()
		}
	}
	db.stateMu.RUnlock()

	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeLoop is the writer goroutine: it takes the first waiting request,
// adds every other one already queued up to MaxBatchSize, and commits them
// together. On stop it drains the queue before it exits.
func (db *DB) writeLoop() {
	defer close(db.writerDone)
	batch := make([]*writeReq, 0, db.MaxBatchSize)
	for {
		var req *writeReq
		select {
		case req = <-db.writes:
		case <-db.stop:
			// Close holds new requests back, so the queue only shrinks.
			for len(db.writes) > 0 {
				db.commitBatch(db.fillBatch(batch[:0], <-db.writes))
			}
			return
		}
		db.commitBatch(db.fillBatch(batch[:0], req))
	}
}

// fillBatch appends first and then requests already queued, without
// waiting, up to MaxBatchSize.
func (db *DB) fillBatch(batch []*writeReq, first *writeReq) []*writeReq {
	batch = append(batch, first)
	for len(batch) < db.MaxBatchSize {
		select {
		case req := <-db.writes:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// commitBatch runs the requests in one transaction, each in a savepoint so
// that a failing request is undone alone, commits, and then tells every
// caller its outcome. A failure of BEGIN or COMMIT fails every request that
// had not failed by itself.
func (db *DB) commitBatch(batch []*writeReq) {
	db.inFlightN.Store(int64(len(batch)))
	defer db.inFlightN.Store(0)
	errs := make([]error, len(batch))
	appended, err := db.runBatch(batch, errs)
	for i := range errs {
		errs[i] = db.spaceError(errs[i])
	}
	if err != nil {
		err = db.spaceError(FormatError(err))
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	} else if appended > 0 {
		db.notifyChanged()
	}
	db.batchN.Add(1)
	db.writeN.Add(int64(len(batch)))
	for i, req := range batch {
		req.done <- errs[i]
	}
}

// runBatch runs the batch's transaction, setting errs[i] to the error of
// each request that failed alone. It returns how many log records the
// committed transaction appended, or the error that undid the whole
// transaction.
func (db *DB) runBatch(batch []*writeReq, errs []error) (int, error) {
	// Statements run on the background context: a caller's context must
	// not interrupt a transaction that others share. Callers that left are
	// skipped below instead.
	ctx := context.Background()
	if err := db.stmts.prepare(db.wdb); err != nil {
		return 0, err
	}
	db.stmts.prepareWanted(db.wdb)
	tx, err := db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	wtx := &writeTx{db: db, tx: tx, stmts: make(map[*sql.Stmt]*sql.Stmt, 8)}
	if err := wtx.stmt(db.stmts.lastSeq).QueryRow().Scan(&wtx.lastSeq); err != nil {
		return 0, fmt.Errorf("read last seq: %w", err)
	}

	single := len(batch) == 1
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		wtx.traceparent = doctales.TraceParent(req.ctx)

		// A lone request needs no savepoint: if it fails, the whole
		// transaction is rolled back.
		if single {
			if err := req.fn(wtx); err != nil {
				errs[i] = err
				return 0, nil
			}
			break
		}

		lastSeq, appended := wtx.lastSeq, wtx.appended
		if req.oneStatement {
			// A failing statement is undone by SQLite, the transaction
			// going on; an error that ends the transaction fails COMMIT.
			if err := req.fn(wtx); err != nil {
				errs[i] = err
				wtx.lastSeq, wtx.appended = lastSeq, appended
			}
			continue
		}
		if _, err := wtx.stmt(db.stmts.savepoint).Exec(); err != nil {
			return 0, fmt.Errorf("savepoint: %w", err)
		}
		if err := req.fn(wtx); err != nil {
			errs[i] = err
			wtx.lastSeq, wtx.appended = lastSeq, appended
			if _, err := wtx.stmt(db.stmts.rollbackTo).Exec(); err != nil {
				return 0, fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if _, err := wtx.stmt(db.stmts.release).Exec(); err != nil {
			return 0, fmt.Errorf("release savepoint: %w", err)
		}
	}

	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return wtx.appended, nil
}

// appendLog inserts rec at the next seq and sets its Seq. With a non-empty
// dedup key, a record whose key is already in the log is not inserted and
// appendLog returns false.
func (tx *writeTx) appendLog(rec *doctales.LogRecord, dedup string) (bool, error) {
	// Look the dedup key up rather than relying on ON CONFLICT DO NOTHING,
	// which would still raise sqlite_sequence and leave a gap in seq.
	var d any
	if dedup != "" {
		var n int
		if err := tx.stmt(tx.db.stmts.dedupExists).QueryRow(dedup).Scan(&n); err != nil {
			return false, fmt.Errorf("append %s record %q: %w", rec.Source, rec.Key, FormatError(err))
		} else if n > 0 {
			return false, nil
		}
		d = dedup
	}
	seq := tx.lastSeq + 1
	if rec.TraceParent == "" {
		rec.TraceParent = tx.traceparent
	}
	if _, err := tx.stmt(tx.db.stmts.insertLog).Exec(seq, rec.Source, rec.Key, rec.Target, string(rec.Data), formatTime(rec.Time), d, rec.TraceParent); err != nil {
		return false, fmt.Errorf("append %s record %q: %w", rec.Source, rec.Key, FormatError(err))
	}
	tx.lastSeq = seq
	tx.appended++
	rec.Seq = seq
	return true, nil
}

// maxCachedStmts bounds the statements the writer keeps prepared beyond
// writeStmts (see writeTx.exec); past it a query is prepared for each use.
const maxCachedStmts = 128

// exec runs query in the batch's transaction, through a statement
// prepared once on the writer's connection when there is one, so that
// SQLite parses each of the writer's queries once rather than per call
// (parsing an INSERT costs about as much as running it). A query not yet
// prepared runs as it is this time, and is prepared before the next batch:
// the writer's single connection is busy with the transaction meanwhile.
func (tx *writeTx) exec(query string, args ...any) (sql.Result, error) {
	if s := tx.db.stmts.cached(query); s != nil {
		return tx.stmt(s).Exec(args...)
	}
	return tx.tx.Exec(query, args...)
}

// queryRow is QueryRow through the same statements as exec.
func (tx *writeTx) queryRow(query string, args ...any) *sql.Row {
	if s := tx.db.stmts.cached(query); s != nil {
		return tx.stmt(s).QueryRow(args...)
	}
	return tx.tx.QueryRow(query, args...)
}

// cached returns the prepared statement of query, or nil after noting the
// query for prepareWanted (up to maxCachedStmts queries in all).
func (s *writeStmts) cached(query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.byQuery[query]; ok {
		return st
	}
	if len(s.byQuery)+len(s.wanted) < maxCachedStmts && !slices.Contains(s.wanted, query) {
		s.wanted = append(s.wanted, query)
	}
	return nil
}

// prepareWanted prepares on db the queries cached noted, while the
// writer's connection is free (between batches). A query that fails to
// prepare is not tried again; it keeps running unprepared, and reports
// its error there.
func (s *writeStmts) prepareWanted(db *sql.DB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.wanted {
		st, err := db.Prepare(q)
		if s.byQuery == nil {
			s.byQuery = make(map[string]*sql.Stmt)
		}
		if err != nil {
			st = nil
		}
		s.byQuery[q] = st
	}
	s.wanted = s.wanted[:0]
}

// writeStmts are the statements the writer runs, prepared once on its
// connection by the writer goroutine before its first transaction (see
// prepare).
type writeStmts struct {
	// prepared is set once every statement below is prepared. Only the
	// writer goroutine reads and sets it.
	prepared bool

	// mu guards byQuery, the statements exec and queryRow use (nil for a
	// query that failed to prepare), and wanted, the queries to prepare
	// before the next batch.
	mu      sync.Mutex
	byQuery map[string]*sql.Stmt
	wanted  []string

	savepoint, rollbackTo, release *sql.Stmt

	lastSeq     *sql.Stmt
	insertLog   *sql.Stmt
	dedupExists *sql.Stmt

	insertItem *sql.Stmt
	selectItem *sql.Stmt
	updateItem *sql.Stmt
	deleteItem *sql.Stmt
}

// prepare prepares on db every statement not yet prepared. The writer
// calls it before each transaction until all are: preparing them in Open
// took 2 to 8 ms of a start's CPU for each of serve's three files, which
// write nothing until after serve is ready, and history.db and
// analytics.db never run the items statements (issue 15). It must not run
// inside a transaction of db, whose one connection that holds.
func (s *writeStmts) prepare(db *sql.DB) error {
	if s.prepared {
		return nil
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.savepoint, `SAVEPOINT request`},
		{&s.rollbackTo, `ROLLBACK TO request`},
		{&s.release, `RELEASE request`},
		{&s.lastSeq, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'log'), 0)`},
		{&s.insertLog, `INSERT INTO log (seq, source, key, target, data, at, dedup, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.dedupExists, `SELECT COUNT(*) FROM log WHERE dedup = ?`},
		{&s.insertItem, `INSERT INTO items (id, ts, project, type, sender, sender_id, urgency, status, body, owner, state, state_until, thread_id, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`},
		{&s.selectItem, `SELECT body FROM items WHERE id = ?`},
		{&s.updateItem, `UPDATE items SET ts = ?, project = ?, type = ?, sender = ?, sender_id = ?, urgency = ?, status = ?, body = ?, owner = ?, state = ?, state_until = ?, thread_id = ?, deadline = ? WHERE id = ?`},
		{&s.deleteItem, `DELETE FROM items WHERE id = ?`},
	} {
		if *p.stmt != nil {
			continue
		}
		stmt, err := db.Prepare(p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.stmt = stmt
	}
	s.prepared = true
	return nil
}

// close closes the prepared statements.
func (s *writeStmts) close() {
	for _, stmt := range []*sql.Stmt{s.savepoint, s.rollbackTo, s.release, s.lastSeq, s.insertLog, s.dedupExists,
		s.insertItem, s.selectItem, s.updateItem, s.deleteItem} {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, stmt := range s.byQuery {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
	s.byQuery = nil
}

// errNoRows reports whether err is sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
