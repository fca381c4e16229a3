package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/sqlite"
)

// TestLedger_Contract runs the shared ledger contract (claim, in flight,
// take over after the lease, mark sent) on the SQLite ledger.
func TestLedger_Contract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, c *ledgertest.Clock) doctales.Ledger {
		return MustOpenDBAt(t, filepath.Join(t.TempDir(), "doctales.db"), func(db *sqlite.DB) { db.Now = c.Now })
	})
}
