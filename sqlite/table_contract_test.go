package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/sqlite"
)

// TestTable_Contract runs the shared table contract (conditional create,
// update, no-op update, delete, pages, the stream records' shape and
// order) on the SQLite table; package postgres runs the same.
func TestTable_Contract(t *testing.T) {
	tabletest.Run(t, func(t *testing.T, c *tabletest.Clock) tabletest.Subject {
		db := MustOpenDBAt(t, filepath.Join(t.TempDir(), "doctales.db"), func(db *sqlite.DB) { db.Now = c.Now })
		return tabletest.Subject{Table: db, Log: db}
	})
}
