package postgres

import (
	"strconv"
	"strings"
	"testing"
)

// TestLogLockKey: the sequencer function in the migration takes the same
// advisory lock as logLockKey says.
func TestLogLockKey(t *testing.T) {
	b, err := migrationFS.ReadFile("migration/0001_initial.sql")
	if err != nil {
		t.Fatal(err)
	}
	if want := "pg_advisory_xact_lock(" + strconv.FormatInt(logLockKey, 10) + ")"; !strings.Contains(string(b), want) {
		t.Fatalf("migration 0001 does not take %s", want)
	}
}
