package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/internal/authtest"
	"github.com/doctales/doctales/sqlite"
)

// TestAuth_Contract runs the shared contract of users, keys, sessions,
// the audit log and the ack key (internal/authtest), which package
// postgres's store passes too; Reopen is a second handle on the same
// file, as `doctales users add` beside a running server.
func TestAuth_Contract(t *testing.T) {
	authtest.Run(t, func(t *testing.T, c *authtest.Clock) authtest.Subject {
		path := filepath.Join(t.TempDir(), "doctales.db")
		db := MustOpenDBAt(t, path, func(db *sqlite.DB) { db.Now = c.Now })
		return authtest.Subject{Store: db, Table: db, Reopen: func(t *testing.T) authtest.Store {
			return MustOpenDBAt(t, path, func(db *sqlite.DB) { db.Now = c.Now })
		}}
	})
}
