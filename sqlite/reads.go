package sqlite

import (
	"context"
	"database/sql"
	"fmt"
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

// readStmts are the queries on the hot path, prepared once on the read
// pool (database/sql prepares them again on each connection that needs
// them), so SQLite parses them once, not per call.
type readStmts struct {
	itemBody   *sql.Stmt // body of one item
	logSource  *sql.Stmt // a page of one source's log
	logAll     *sql.Stmt // a page of the whole log
	ledgerSent *sql.Stmt // whether a message was sent
	// authConfigured counts users and live keys: the open-mode check
	// runs it on every request until one exists (httpapi.Handler).
	authConfigured *sql.Stmt
	// owners reads the first and the last owner of items_owner
	// (soleOwner), on every list and count.
	owners *sql.Stmt

	// lists are FindItems' queries prepared on first use, by text; at
	// most MaxListStatements.
	listsMu sync.Mutex
	lists   map[string]*sql.Stmt
}

// prepare prepares the statements on db.
func (r *readStmts) prepare(db *sql.DB) error {
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&r.itemBody, `SELECT body FROM items WHERE id = ?`},
		{&r.logSource, `SELECT seq, source, key, target, data, at, traceparent FROM log WHERE source = ? AND seq > ? ORDER BY seq LIMIT ?`},
		{&r.logAll, `SELECT seq, source, key, target, data, at, traceparent FROM log WHERE seq > ? ORDER BY seq LIMIT ?`},
		{&r.ledgerSent, `SELECT COUNT(*) FROM ledger WHERE message_id = ? AND state = 'sent'`},
		{&r.authConfigured, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)`},
		{&r.owners, `SELECT (SELECT min(owner) FROM items), (SELECT max(owner) FROM items)`},
	} {
		stmt, err := db.Prepare(p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.stmt = stmt
	}
	return nil
}

// close closes the prepared statements.
func (r *readStmts) close() {
	for _, s := range []*sql.Stmt{r.itemBody, r.logSource, r.logAll, r.ledgerSent, r.authConfigured, r.owners} {
		if s != nil {
			_ = s.Close()
		}
	}
	r.listsMu.Lock()
	defer r.listsMu.Unlock()
	for q, s := range r.lists {
		_ = s.Close()
		delete(r.lists, q)
	}
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
