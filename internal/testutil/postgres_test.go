package testutil

import (
	"context"
	"os"
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
