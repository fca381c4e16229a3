package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// mustFillDB creates a database at path holding n items, closes it (so the
// WAL is folded into the file) and returns the file's size.
func mustFillDB(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	db := sqlite.NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	ts := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		it := newItem(fmt.Sprintf("email-%06d", i), ts.Add(time.Duration(i)*time.Second), "alpha", "a@example.com", "low")
		it.Subject = strings.Repeat("subject ", 20)
		if _, _, err := db.CreateItem(ctx, it); err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// MustCorruptPage overwrites the page in the middle of the database file at
// path with garbage and returns the file's bytes after the change.
func MustCorruptPage(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	const pageSize = 4096
	pages := len(data) / pageSize
	if pages < 4 {
		tb.Fatalf("database %q has %d pages; need 4 or more", path, pages)
	}
	mid := pages / 2 * pageSize
	for i := 0; i < pageSize; i++ {
		data[mid+i] = byte(i*7 + 13)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestDB_Open_Damaged(t *testing.T) {
	t.Run("NotSQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		junk := []byte(strings.Repeat("this is not a database\n", 400))
		if err := os.WriteFile(path, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		db := sqlite.NewDB(path)
		err := db.Open()
		var de *sqlite.DamagedError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "SQLite header") || de.Size != int64(len(junk)) {
			t.Fatalf("Open = %v, want a DamagedError naming the header and size %d", err, len(junk))
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, junk) {
			t.Fatal("the file was changed")
		}
	})

	t.Run("CorruptPage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 2000)
		want := MustCorruptPage(t, path)
		db := sqlite.NewDB(path)
		db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		err := db.Open()
		var de *sqlite.DamagedError
		if !errors.As(err, &de) || len(de.Problems) == 0 {
			_ = db.Close()
			t.Fatalf("Open = %v, want a DamagedError with problems", err)
		}
		t.Logf("Open: %v", err)
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Fatal("the damaged file was changed")
		}

		// Check finds it too, read-only.
		for _, full := range []bool{false, true} {
			problems, err := sqlite.Check(context.Background(), path, full)
			if err != nil || len(problems) == 0 {
				t.Fatalf("Check(full=%v) = %v, %v; want problems", full, problems, err)
			}
		}
	})

	t.Run("EmptyFileIsNew", func(t *testing.T) {
		// An empty file alone is a new database for the package; the
		// serve command refuses it when objects exist.
		path := filepath.Join(t.TempDir(), "doctales.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		MustOpenDBAt(t, path, nil)
		st, err := sqlite.InspectFile(path)
		if err != nil || !st.SQLite {
			t.Fatalf("InspectFile = %+v, %v", st, err)
		}
	})

	t.Run("CheckSound", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 100)
		if problems, err := sqlite.Check(context.Background(), path, true); err != nil || len(problems) != 0 {
			t.Fatalf("Check = %v, %v; want none", problems, err)
		}
	})
}

// TestDB_QuickCheckCost measures what Open's quick_check costs on a
// database of 10,000 items. Run with -v to see the numbers.
func TestDB_QuickCheckCost(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a database with 10,000 items")
	}
	path := filepath.Join(t.TempDir(), "doctales.db")
	size := mustFillDB(t, path, 10_000)
	for _, full := range []bool{false, true} {
		start := time.Now()
		problems, err := sqlite.Check(context.Background(), path, full)
		if err != nil || len(problems) > 0 {
			t.Fatal(problems, err)
		}
		t.Logf("10,000 items, %d bytes: full=%v took %v", size, full, time.Since(start))
	}
	for _, max := range []int64{-1, 0} {
		db := sqlite.NewDB(path)
		db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		db.QuickCheckMaxBytes = max
		start := time.Now()
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		t.Logf("Open with QuickCheckMaxBytes=%d took %v", max, time.Since(start))
		_ = db.Close()
	}
}

func TestDB_ObjectSizes(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	event := func(key string, size int) *doctales.LogRecord {
		return &doctales.LogRecord{Source: doctales.SourceS3, Key: key,
			Data: []byte(fmt.Sprintf(`{"s3":{"object":{"key":%q,"size":%d}}}`, key, size))}
	}
	for _, rec := range []*doctales.LogRecord{event("a.json", 10), event("b.eml", 20), event("a.json", 30)} {
		if err := db.Append(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ObjectSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a.json"] != 30 || got["b.eml"] != 20 {
		t.Fatalf("ObjectSizes = %v, want a.json 30 (the latest put), b.eml 20", got)
	}
}
