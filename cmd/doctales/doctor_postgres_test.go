package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
)

// TestDoctor_PostgresItemCounts: on a cluster's table in PostgreSQL,
// doctor --postgres reports a count of item_counts changed outside
// Doctales, naming the owner, the dimension and both numbers, exits 1,
// and --repair recounts it; a malformed DSN is a usage error naming the
// flag. The binary runs as a user would run it.
func TestDoctor_PostgresItemCounts(t *testing.T) {
	dsn := testutil.PostgresDSN(t)
	db := clusterDB(t, dsn)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		if _, _, err := db.CreateItem(ctx, &doctales.Item{ID: id, Subject: "hello " + id, Timestamp: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	doctor := func(extra ...string) (int, DoctorReport, string) {
		t.Helper()
		code, stdout, stderr := runBinary(t, append([]string{"doctor", "--postgres", dsn, "--json", "--log-level", "error"}, extra...)...)
		var r DoctorReport
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("doctor --postgres %v: exit %d, bad JSON %v:\n%s\nstderr:\n%s", extra, code, err, stdout, stderr)
		}
		return code, r, stderr
	}
	if code, r, stderr := doctor(); code != 0 || len(r.Problems) != 0 || r.Items != 3 || strings.Contains(r.Data, "@") && strings.Contains(r.Data, "password") {
		t.Fatalf("doctor --postgres of a sound table: exit %d, %+v\n%s", code, r, stderr)
	}

	// A hand edit: one shard of the owner's count of all items.
	if _, err := db.Pool().Exec(ctx, `UPDATE item_counts SET n = n + 40 WHERE ctid = (SELECT ctid FROM item_counts WHERE dim = '' LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	code, r, stderr := doctor()
	p, ok := findProblem(r, ProblemCounts, "")
	if code != 1 || !ok || r.Remain != 1 || !strings.Contains(p.Detail, "the counter says 43, the items 3") || !strings.Contains(p.File, "--postgres") {
		t.Fatalf("doctor --postgres after the edit: exit %d, %+v; want one item_counts problem naming 43 and 3\n%s", code, r.Problems, stderr)
	}
	if code, r, stderr = doctor("--repair"); code != 0 || len(r.Problems) != 1 || !r.Problems[0].Repaired || r.Remain != 0 {
		t.Fatalf("doctor --postgres --repair: exit %d, %+v\n%s", code, r.Problems, stderr)
	}
	if code, r, stderr = doctor(); code != 0 || len(r.Problems) != 0 || r.Items != 3 {
		t.Fatalf("doctor --postgres after the repair: exit %d, %+v\n%s", code, r, stderr)
	}

	// A DSN that is not one is a usage error naming the flag.
	code, _, stderr = runBinary(t, "doctor", "--postgres", "mysql://nope")
	if code != 2 || !strings.Contains(stderr, "--postgres") {
		t.Fatalf("doctor --postgres mysql://nope: exit %d, want 2 naming --postgres\n%s", code, stderr)
	}
}
