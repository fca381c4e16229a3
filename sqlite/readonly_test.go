package sqlite_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales/sqlite"
)

// openReadOnly opens the file at path with ReadOnly set, closed at test end.
func openReadOnly(tb testing.TB, path string) (*sqlite.DB, error) {
	tb.Helper()
	db := sqlite.NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	db.ReadOnly = true
	err := db.Open()
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db, err
}

// TestDB_ReadOnly reads a database another DB is writing (as a CLI command
// reads while the server runs, issue 11): it sees every committed write,
// refuses to write, and leaves the writer undisturbed.
func TestDB_ReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	w := MustOpenDBAt(t, path, nil)
	ts := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	if _, _, err := w.CreateItem(ctx, newItem("before", ts, "p", "ana", "high")); err != nil {
		t.Fatal(err)
	}

	r, err := openReadOnly(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if r.StreamARN() != w.StreamARN() {
		t.Errorf("read-only stream ARN %q, writer's %q", r.StreamARN(), w.StreamARN())
	}
	if it, err := r.GetItem(ctx, "before"); err != nil || it.ID != "before" {
		t.Fatalf("GetItem(before) = %v, %v", it, err)
	}

	// A write after the reader opened is visible to it.
	if _, _, err := w.CreateItem(ctx, newItem("after", ts, "p", "bo", "low")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.GetItem(ctx, "after"); err != nil {
		t.Fatalf("GetItem(after) from the read-only DB: %v", err)
	}

	// Writes are refused, by the DB itself.
	if _, _, err := r.CreateItem(ctx, newItem("refused", ts, "p", "cy", "low")); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Fatalf("CreateItem on a read-only DB: %v, want ErrReadOnly", err)
	}
	if _, err := w.GetItem(ctx, "refused"); err == nil {
		t.Fatal("the refused item was stored")
	}

	// The writer goes on writing while the reader is open, and after it
	// closed.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.CreateItem(ctx, newItem("later", ts, "p", "di", "low")); err != nil {
		t.Fatalf("write after the read-only DB closed: %v", err)
	}
}

// TestDB_ReadOnlyMissing: a read-only open of a file that does not exist
// fails with os.ErrNotExist and creates neither the file nor its folder.
func TestDB_ReadOnlyMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	path := filepath.Join(dir, "doctales.db")
	_, err := openReadOnly(t, path)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file read-only: %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the read-only open created %s (stat: %v)", dir, err)
	}
}

// TestDB_ReadOnlyAlone opens a database read-only when no writer has it
// open (the server is stopped), and leaves its files as they were.
func TestDB_ReadOnlyAlone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doctales.db")
	w := sqlite.NewDB(path)
	w.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.CreateItem(ctx, newItem("one", time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), "p", "ana", "low")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := openReadOnly(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.GetItem(ctx, "one"); err != nil {
		t.Fatalf("GetItem(one): %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Errorf("the read-only open changed %s: %d bytes at %s, then %d at %s", path, before.Size(), before.ModTime(), after.Size(), after.ModTime())
	}
}
