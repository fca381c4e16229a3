package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/internal/topictest"
	"github.com/doctales/doctales/sqlite"
)

// TestLedger_Contract runs the shared ledger contract (claim, in flight,
// take over after the lease, mark sent) on the SQLite ledger.
func TestLedger_Contract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, c *ledgertest.Clock) doctales.Ledger {
		return MustOpenDBAt(t, filepath.Join(t.TempDir(), "doctales.db"), func(db *sqlite.DB) { db.Now = c.Now })
	})
}

// TestTopic_Contract runs the shared topic contract on the local topic,
// which drops a MessageID it has logged: a repeat is delivered once.
func TestTopic_Contract(t *testing.T) {
	topictest.Run(t, func(t *testing.T) topictest.Subject {
		db := MustOpenDB(t)
		return topictest.Subject{
			Topic: db.Topic("notifications"),
			Delivered: func(t *testing.T) []string {
				var ids []string
				for _, r := range mustReadLog(t, db, doctales.SourceSNS) {
					ids = append(ids, r.Key)
				}
				return ids
			},
			DropsRepeats: true,
		}
	})
}
