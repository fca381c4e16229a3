package postgres

import (
	"encoding/binary"
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

// TestLockKeys_Distinct: each advisory lock of the package has its own
// key, so that the relay's leader never waits on a migration, the
// numbering or the first user (and they never on it).
func TestLockKeys_Distinct(t *testing.T) {
	keys := map[string]int64{"migration": migrationLockKey, "log": logLockKey, "auth": authLockKey, "relay leader": RelayLeaderLockKey,
		"retention leader": RetentionLeaderLockKey}
	seen := map[int64]string{}
	for name, k := range keys {
		if other, ok := seen[k]; ok {
			t.Fatalf("the %s and %s locks share key %d", name, other, k)
		}
		seen[k] = name
	}
	if got := string(binary.BigEndian.AppendUint64(nil, uint64(RelayLeaderLockKey))); got != "dtrelead" {
		t.Fatalf("RelayLeaderLockKey spells %q, its comment says dtrelead", got)
	}
	if got := string(binary.BigEndian.AppendUint64(nil, uint64(RetentionLeaderLockKey))); got != "dtretain" {
		t.Fatalf("RetentionLeaderLockKey spells %q, its comment says dtretain", got)
	}
}
