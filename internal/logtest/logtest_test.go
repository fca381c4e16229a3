package logtest_test

import (
	"path/filepath"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/logtest"
	"github.com/doctales/doctales/sqlite"
)

// The SQLite log, the embedded mode's, passes the contract.
func TestSQLite(t *testing.T) {
	logtest.Run(t, func(t *testing.T) doctales.EventLog {
		db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}
