//go:build unix

package datalock

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAcquire: a second Acquire of a held folder fails with a HeldError
// naming the holder's PID, command and URL; after Release it succeeds.
// flock locks belong to open file descriptions, so two Acquires in one
// process conflict as two processes would.
func TestAcquire(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetURL("http://127.0.0.1:8123"); err != nil {
		t.Fatal(err)
	}

	_, err = Acquire(dir, "import")
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second Acquire: %v, want a *HeldError", err)
	}
	if held.Holder.PID != os.Getpid() || held.Holder.Command != "serve" || held.Holder.URL != "http://127.0.0.1:8123" {
		t.Errorf("holder %+v, want PID %d, serve, http://127.0.0.1:8123", held.Holder, os.Getpid())
	}
	for _, want := range []string{dir, "doctales serve", "PID " + strconv.Itoa(os.Getpid()), "http://127.0.0.1:8123"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}

	h, err := Probe(dir)
	if err != nil || h == nil || h.PID != os.Getpid() || h.URL != "http://127.0.0.1:8123" {
		t.Fatalf("Probe while held = %+v, %v", h, err)
	}

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if h, err := Probe(dir); err != nil || h != nil {
		t.Fatalf("Probe after Release = %+v, %v; want nil (the stale content is not a holder)", h, err)
	}
	l2, err := Acquire(dir, "import")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l2.Release()
	h, err = Probe(dir)
	if err != nil || h == nil || h.Command != "import" || h.URL != "" {
		t.Fatalf("Probe of the new holder = %+v, %v; want import without a URL (the old one is gone)", h, err)
	}
}

// TestProbeCreatesNothing: probing a folder that does not exist, or one
// without a lock file, creates nothing and finds no holder.
func TestProbeCreatesNothing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	if h, err := Probe(missing); err != nil || h != nil {
		t.Fatalf("Probe(missing) = %+v, %v", h, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Probe created %s", missing)
	}
	empty := t.TempDir()
	if h, err := Probe(empty); err != nil || h != nil {
		t.Fatalf("Probe(empty folder) = %+v, %v", h, err)
	}
	if _, err := os.Stat(filepath.Join(empty, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Probe created the lock file")
	}
}

// TestAcquireMissingFolder: Acquire does not create the data folder.
func TestAcquireMissingFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	if _, err := Acquire(missing, "serve"); err == nil {
		t.Fatal("Acquire of a missing folder succeeded")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Acquire created %s", missing)
	}
}
