package testutil

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopPostgres()
	os.Exit(code)
}

// TestPostgresDSN starts (or finds) a server and gets two databases of
// their own: each test writes apart from the others.
func TestPostgresDSN(t *testing.T) {
	ctx := context.Background()
	a, b := PostgresDSN(t), PostgresDSN(t)
	if a == b {
		t.Fatalf("two tests share the database %s", a)
	}
	for _, dsn := range []string{a, b} {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
			t.Fatal(err)
		} else if n != 0 {
			t.Fatalf("%s: %d tables in a new database", dsn, n)
		}
		if _, err := c.Exec(ctx, `CREATE TABLE t (x int)`); err != nil {
			t.Fatal(err)
		}
		// The temporary cluster allows logical replication slots
		// (postgres.BenchmarkChangeCapture reads one).
		var level string
		if err := c.QueryRow(ctx, `SHOW wal_level`).Scan(&level); err != nil {
			t.Fatal(err)
		} else if os.Getenv(EnvPostgresDSN) == "" && level != "logical" {
			t.Fatalf("%s: wal_level is %q, want logical", dsn, level)
		}
		c.Close(ctx)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable": "postgres://u:p@127.0.0.1:5432/x?sslmode=disable",
		"host=127.0.0.1 user=u dbname=postgres":                  "host=127.0.0.1 user=u dbname=postgres dbname=x",
	} {
		if got, err := withDatabase(in, "x"); err != nil || got != want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestPostgresDSN_Missing: without PostgreSQL the test says how to get
// it and skips, but under CI=true it fails. (The test binary runs itself
// with no PostgreSQL to find.)
func TestPostgresDSN_Missing(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestPostgresDSN$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "CI="+ci, EnvPostgresBin+"=/nonexistent", EnvPostgresDSN+"=")
		out, err := cmd.CombinedOutput()
		if !strings.Contains(string(out), "apt-get install postgresql") {
			t.Errorf("CI=%q: the output does not say how to install PostgreSQL:\n%s", ci, out)
		}
		switch {
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP: TestPostgresDSN")):
			t.Errorf("without CI: %v, want a skip:\n%s", err, out)
		case ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL: TestPostgresDSN")):
			t.Errorf("CI=true: %v, want a failure:\n%s", err, out)
		}
	}
}
