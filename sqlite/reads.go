package sqlite

import (
	"database/sql"
	"fmt"
)

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
	for _, s := range []*sql.Stmt{r.itemBody, r.logSource, r.logAll, r.ledgerSent, r.authConfigured} {
		if s != nil {
			_ = s.Close()
		}
	}
}
