package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// MaxListStatements is how many list queries (FindItems builds its SQL
// from the filters, the sort and the cursor) the read pool keeps
// prepared, by their text: enough for every shape a dashboard asks,
// small enough that the prepared programs (a few KiB each, on each of
// ReadConns connections) stay a few MiB. Past it, a new shape is run
// without being kept, as every list was before (issue 15: parsing the
// SQL was about a tenth of a list's CPU at a million items).
const MaxListStatements = 64

// readStmts are the queries on the hot path, prepared on the read pool on
// first use (database/sql prepares them again on each connection that
// needs them), so SQLite parses them once, not per call. Preparing them
// at Open took a read connection and its schema parse before serve was
// ready, for each of its three files, most of whose statements a start
// never runs (issue 15).
type readStmts struct {
	itemBody   lazyStmt // body of one item
	logSource  lazyStmt // a page of one source's log
	logAll     lazyStmt // a page of the whole log
	ledgerSent lazyStmt // whether a message was sent
	// authConfigured counts users and live keys: the open-mode check
	// runs it on every request until one exists (httpapi.Handler).
	authConfigured lazyStmt
	// owners reads the first and the last owner of items_owner
	// (soleOwner), on every list and count.
	owners lazyStmt

	// lists are FindItems' queries prepared on first use, by text; at
	// most MaxListStatements.
	listsMu sync.Mutex
	lists   map[string]*sql.Stmt
}

// init sets the statements' queries and the pool they are prepared on.
func (r *readStmts) init(db *sql.DB) {
	for _, p := range []struct {
		stmt  *lazyStmt
		query string
	}{
		{&r.itemBody, `SELECT body FROM items WHERE id = ?`},
		{&r.logSource, `SELECT seq, source, key, target, data, at, traceparent FROM log WHERE source = ? AND seq > ? ORDER BY seq LIMIT ?`},
		{&r.logAll, `SELECT seq, source, key, target, data, at, traceparent FROM log WHERE seq > ? ORDER BY seq LIMIT ?`},
		{&r.ledgerSent, `SELECT COUNT(*) FROM ledger WHERE message_id = ? AND state = 'sent'`},
		{&r.authConfigured, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)`},
		{&r.owners, `SELECT (SELECT min(owner) FROM items), (SELECT max(owner) FROM items)`},
	} {
		p.stmt.db, p.stmt.query = db, p.query
	}
}

// close closes the prepared statements.
func (r *readStmts) close() {
	for _, s := range []*lazyStmt{&r.itemBody, &r.logSource, &r.logAll, &r.ledgerSent, &r.authConfigured, &r.owners} {
		s.close()
	}
	r.listsMu.Lock()
	defer r.listsMu.Unlock()
	for q, s := range r.lists {
		_ = s.Close()
		delete(r.lists, q)
	}
}

// lazyStmt is a query of the read pool prepared on its first run. A
// prepare that fails (a cancelled context, a busy schema) is tried again
// on the next run; meanwhile the query runs unprepared, which reports
// the same error the statement would.
type lazyStmt struct {
	db    *sql.DB
	query string

	mu     sync.Mutex
	stmt   *sql.Stmt
	closed bool // close ran: run unprepared, keep nothing
}

// get returns the prepared statement, preparing it first if need be, or
// nil when it cannot be prepared now.
func (s *lazyStmt) get(ctx context.Context) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt == nil && !s.closed {
		if st, err := s.db.PrepareContext(ctx, s.query); err == nil {
			s.stmt = st
		}
	}
	return s.stmt
}

// QueryRowContext is sql.Stmt's, on the prepared statement.
func (s *lazyStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	if st := s.get(ctx); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.db.QueryRowContext(ctx, s.query, args...)
}

// QueryContext is sql.Stmt's, on the prepared statement.
func (s *lazyStmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	if st := s.get(ctx); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, s.query, args...)
}

// prepared reports whether the statement has been prepared (for tests).
func (s *lazyStmt) prepared() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stmt != nil
}

// close closes the statement if it was prepared.
func (s *lazyStmt) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt != nil {
		_ = s.stmt.Close()
		s.stmt = nil
	}
	s.closed = true
}

// query runs the list query text on db through its prepared statement,
// preparing it on first use; once MaxListStatements are kept, a query of
// another text runs unprepared.
func (r *readStmts) query(ctx context.Context, db *sql.DB, text string, args ...any) (*sql.Rows, error) {
	r.listsMu.Lock()
	stmt, ok := r.lists[text]
	if !ok && len(r.lists) < MaxListStatements {
		var err error
		if stmt, err = db.PrepareContext(ctx, text); err != nil {
			r.listsMu.Unlock()
			return nil, err
		}
		if r.lists == nil {
			r.lists = make(map[string]*sql.Stmt)
		}
		r.lists[text] = stmt
	}
	r.listsMu.Unlock()
	if stmt == nil {
		return db.QueryContext(ctx, text, args...)
	}
	return stmt.QueryContext(ctx, args...)
}

// listStatements returns how many list queries are kept prepared.
func (r *readStmts) listStatements() int {
	r.listsMu.Lock()
	defer r.listsMu.Unlock()
	return len(r.lists)
}
