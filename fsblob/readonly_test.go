package fsblob_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/doctales/doctales/fsblob"
)

// TestStore_ReadOnly reads a folder another store owns (export while the
// server runs, issue 11): objects are read, writes are refused, and the
// owner's temporary file of a put in flight is left alone.
func TestStore_ReadOnly(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	w := fsblob.NewStore(root, "raw")
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Put(ctx, "email/a.json", []byte(`{"id":"a"}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	inFlight := filepath.Join(root, "raw", "email", ".fsblob-tmp-inflight")
	if err := os.WriteFile(inFlight, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	r := fsblob.NewStore(root, "raw")
	r.ReadOnly = true
	if err := r.Open(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := os.Stat(inFlight); err != nil {
		t.Fatalf("the read-only Open removed the owner's temporary file: %v", err)
	}
	data, _, err := r.Get(ctx, "email/a.json")
	if err != nil || string(data) != `{"id":"a"}` {
		t.Fatalf("Get = %q, %v", data, err)
	}
	if _, err := r.Put(ctx, "email/b.json", []byte("{}"), ""); !errors.Is(err, fsblob.ErrReadOnly) {
		t.Fatalf("Put on a read-only store: %v, want ErrReadOnly", err)
	}
	if err := r.Delete(ctx, "email/a.json"); !errors.Is(err, fsblob.ErrReadOnly) {
		t.Fatalf("Delete on a read-only store: %v, want ErrReadOnly", err)
	}
	if _, _, err := w.Get(ctx, "email/a.json"); err != nil {
		t.Fatalf("the object is gone after the refused Delete: %v", err)
	}

	// A missing bucket folder is an error, and is not created.
	m := fsblob.NewStore(filepath.Join(t.TempDir(), "none"), "raw")
	m.ReadOnly = true
	if err := m.Open(); err == nil {
		t.Fatal("read-only Open of a missing folder succeeded")
	}
	if _, err := os.Stat(m.Root); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the read-only Open created %s", m.Root)
	}
}
