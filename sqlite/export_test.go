package sqlite

import (
	"context"

	"github.com/doctales/doctales"
)

// AppendThenFail queues one write request that appends rec to the log and
// then returns failErr, so tests can check that a failing request in a
// batch is rolled back alone.
func (db *DB) AppendThenFail(ctx context.Context, rec *doctales.LogRecord, failErr error) error {
	return db.write(ctx, func(tx *writeTx) error {
		cp := *rec
		cp.Time = db.Now()
		if _, err := tx.appendLog(&cp, ""); err != nil {
			return err
		}
		return failErr
	})
}

// SetBackgroundCheckHook makes f run at the start of every background
// check, before quick_check, until the test ends.
func SetBackgroundCheckHook(tb interface{ Cleanup(func()) }, f func(context.Context)) {
	testHookBackgroundCheck = f
	tb.Cleanup(func() { testHookBackgroundCheck = nil })
}

// SetMarkerSyncHooks makes sync run before the fsync of the folder that
// makes the clean-close marker's deletion durable, and wait when Open
// starts waiting for it, until the test ends.
func SetMarkerSyncHooks(tb interface{ Cleanup(func()) }, sync, wait func()) {
	testHookMarkerSync, testHookMarkerWait = sync, wait
	tb.Cleanup(func() { testHookMarkerSync, testHookMarkerWait = nil, nil })
}

// ListStatements returns how many list queries the read pool keeps
// prepared (at most MaxListStatements).
func (db *DB) ListStatements() int { return db.reads.listStatements() }

// PreparedAtOpen reports what Open left prepared or open: whether the
// writer's statements are prepared, how many of the read statements are,
// and how many connections the read pool holds.
func (db *DB) PreparedAtOpen() (writer bool, reads, readConns int) {
	for _, s := range []*lazyStmt{&db.reads.itemBody, &db.reads.logSource, &db.reads.logAll, &db.reads.ledgerSent, &db.reads.authConfigured, &db.reads.owners} {
		if s.prepared() {
			reads++
		}
	}
	return db.stmts.insertItem != nil, reads, db.rdb.Stats().OpenConnections
}
