package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/internal/tabletest"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/postgres"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.StopPostgres()
	os.Exit(code)
}

// mustOpen opens a new database for the test (a fresh database on the
// test server, see testutil.PostgresDSN), closed at test end.
func mustOpen(tb testing.TB, opts postgres.Options) (*postgres.DB, string) {
	tb.Helper()
	dsn := testutil.PostgresDSN(tb)
	db := mustOpenDSN(tb, dsn, opts)
	return db, dsn
}

// mustOpenDSN opens the database at dsn, closed at test end.
func mustOpenDSN(tb testing.TB, dsn string, opts postgres.Options) *postgres.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// TestTable_Contract runs the shared table contract on the PostgreSQL
// table: the same checks as the SQLite table's.
func TestTable_Contract(t *testing.T) {
	tabletest.Run(t, func(t *testing.T, c *tabletest.Clock) tabletest.Subject {
		db, _ := mustOpen(t, postgres.Options{Now: c.Now})
		return tabletest.Subject{Table: db, Log: db}
	})
}

// TestLedger_Contract runs the shared ledger contract.
func TestLedger_Contract(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, c *ledgertest.Clock) doctales.Ledger {
		db, _ := mustOpen(t, postgres.Options{Now: c.Now})
		return db
	})
}

// TestOpen_Migrations: a second Open applies nothing again, two Opens at
// once apply each migration once, and a database a newer binary migrated
// is refused with a message naming both versions.
func TestOpen_Migrations(t *testing.T) {
	ctx := context.Background()
	dsn := testutil.PostgresDSN(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			db, err := postgres.Open(ctx, dsn, postgres.Options{})
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	db := mustOpenDSN(t, dsn, postgres.Options{})
	var n, max int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if max != postgres.SchemaVersion() || n == 0 {
		t.Fatalf("schema_migrations: %d rows up to %d; want up to %d", n, max, postgres.SchemaVersion())
	}

	// A newer binary's migration.
	next := postgres.SchemaVersion() + 1
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'future.sql')`, next); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(ctx, dsn, postgres.Options{})
	if !errors.Is(err, postgres.ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	t.Log(err)
}

// TestOpen_BadDSN: an unreachable server fails Open with the address.
func TestOpen_BadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", postgres.Options{})
	if err == nil {
		t.Fatal("Open of port 1 succeeded")
	}
	if want := "127.0.0.1:1/none"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name %s", err, want)
	}
	if _, err := postgres.Open(ctx, "postgres://%zz", postgres.Options{}); err == nil || !strings.Contains(err.Error(), "parse DSN") {
		t.Fatalf("Open of a malformed DSN: %v", err)
	}
}
