package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales/sqlite"
)

// openBackground opens the database at path with BackgroundCheck on, in a
// goroutine so that an Open that waits for a blocked check fails the test
// instead of hanging it.
func openBackground(t *testing.T, path string) (*sqlite.DB, error) {
	t.Helper()
	db := sqlite.NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	db.BackgroundCheck = true
	done := make(chan error, 1)
	go func() { done <- db.Open() }()
	select {
	case err := <-done:
		return db, err
	case <-time.After(30 * time.Second):
		t.Fatal("Open did not return within 30 s: it waits for the background check")
		return nil, nil
	}
}

// waitCheck waits for db's damage check to end and returns its status.
func waitCheck(t *testing.T, db *sqlite.DB) sqlite.CheckStatus {
	t.Helper()
	select {
	case <-db.CheckDone():
	case <-time.After(60 * time.Second):
		t.Fatalf("the damage check did not end within 60 s: %+v", db.StorageCheck())
	}
	return db.StorageCheck()
}

// markerExists reports whether the clean-close marker of path exists.
func markerExists(path string) bool {
	_, err := os.Stat(path + sqlite.CleanMarkerSuffix)
	return err == nil
}

// TestDB_BackgroundCheck covers the clean-close marker (issue 15): after a
// clean close the next Open does not wait for quick_check, yet a damaged
// file is still found; after a crash, or a change to the file, the check
// stays synchronous.
func TestDB_BackgroundCheck(t *testing.T) {
	t.Run("CleanCloseDoesNotBlock", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 200)
		if !markerExists(path) {
			t.Fatal("a clean Close wrote no marker")
		}
		// The check blocks until released: Open must return meanwhile.
		entered, release := make(chan struct{}), make(chan struct{})
		sqlite.SetBackgroundCheckHook(t, func(context.Context) { close(entered); <-release })
		db, err := openBackground(t, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		<-entered
		if st := db.StorageCheck(); st.Mode != sqlite.CheckBackground || st.State != sqlite.CheckRunning {
			t.Fatalf("StorageCheck = %+v, want background and running", st)
		}
		if markerExists(path) {
			t.Fatal("the marker is still there while the file is open for writing")
		}
		close(release)
		if st := waitCheck(t, db); st.State != sqlite.CheckPassed || st.Err != nil {
			t.Fatalf("StorageCheck = %+v, want passed", st)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if !markerExists(path) {
			t.Fatal("a clean Close after a passed background check wrote no marker")
		}
	})

	// CleanCloseRecorded answers what Open will decide, and writes
	// nothing: true after a clean close, false while open (the marker is
	// removed before anything is written) and after a change.
	t.Run("CleanCloseRecorded", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		if sqlite.NewDB(path).CleanCloseRecorded() {
			t.Fatal("CleanCloseRecorded = true for a file that does not exist")
		}
		mustFillDB(t, path, 50)
		probe := sqlite.NewDB(path)
		first := probe.CleanCloseRecorded()
		if second := probe.CleanCloseRecorded(); !first || !second { // asking again does not consume it
			t.Fatal("CleanCloseRecorded = false after a clean close")
		}
		if !markerExists(path) {
			t.Fatal("CleanCloseRecorded removed the marker")
		}
		db, err := openBackground(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if st := db.StorageCheck(); st.Mode != sqlite.CheckBackground {
			t.Fatalf("Open checked %q after CleanCloseRecorded answered true, want %q", st.Mode, sqlite.CheckBackground)
		}
		if probe.CleanCloseRecorded() {
			t.Fatal("CleanCloseRecorded = true while the file is open")
		}
		waitCheck(t, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if !probe.CleanCloseRecorded() {
			t.Fatal("CleanCloseRecorded = false after the second clean close")
		}
		later := time.Now().Add(time.Hour)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
		if probe.CleanCloseRecorded() {
			t.Fatal("CleanCloseRecorded = true after the file's mtime changed")
		}
	})

	// The folder's fsync that makes the marker's deletion durable runs
	// while Open opens the writer's connection (issue 15), and Open
	// writes nothing, and does not return, before it has ended.
	t.Run("MarkerSyncOverlapsTheOpen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 50)
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inSync, release, waiting := make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
		sqlite.SetMarkerSyncHooks(t, func() { close(inSync); <-release }, func() { waiting <- struct{}{} })
		db := sqlite.NewDB(path)
		db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		db.BackgroundCheck = true
		done := make(chan error, 1)
		go func() { done <- db.Open() }()
		defer db.Close()
		// Deferred after Close, so run before it: a failing test must
		// not leave Open (and so Close) waiting for the held fsync.
		releaseOnce := sync.OnceFunc(func() { close(release) })
		defer releaseOnce()
		<-inSync
		select {
		case <-waiting:
		case err := <-done:
			t.Fatalf("Open returned (%v) while the folder's fsync was held", err)
		case <-time.After(30 * time.Second):
			t.Fatal("Open did not reach its wait for the folder's fsync within 30 s: does it fsync before opening the writer's connection again?")
		}
		// Open now waits: the file is as the last close left it.
		select {
		case err := <-done:
			t.Fatalf("Open returned (%v) before the folder's fsync ended", err)
		default:
		}
		if markerExists(path) {
			t.Fatal("the marker still exists while Open waits for the fsync of its deletion")
		}
		if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, before) {
			t.Fatalf("the file changed before the marker's deletion was on disk (read error %v)", err)
		}
		releaseOnce()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Open did not return within 30 s of the fsync's end")
		}
		if st := db.StorageCheck(); st.Mode != sqlite.CheckBackground {
			t.Fatalf("check mode %q, want %q", st.Mode, sqlite.CheckBackground)
		}
	})

	t.Run("CheckAfterHoldsTheCheck", func(t *testing.T) {
		// serve holds the check until it listens (issue 15): the check
		// must not start before CheckAfter is closed, and Close must
		// cancel one still held.
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 200)
		var released atomic.Bool
		started := make(chan bool, 2)
		sqlite.SetBackgroundCheckHook(t, func(context.Context) { started <- released.Load() })
		open := func(after chan struct{}) *sqlite.DB {
			db := sqlite.NewDB(path)
			db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			db.BackgroundCheck = true
			db.CheckAfter = after
			if err := db.Open(); err != nil {
				t.Fatal(err)
			}
			if st := db.StorageCheck(); st.Mode != sqlite.CheckBackground || st.State != sqlite.CheckRunning {
				t.Fatalf("StorageCheck = %+v, want background and running", st)
			}
			return db
		}

		// Never released: Close cancels it, and it never started (Close
		// waits for the check's goroutine, so this is final).
		db := open(make(chan struct{}))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if len(started) != 0 {
			t.Fatal("the background check started although CheckAfter was never closed")
		}
		if st := db.StorageCheck(); st.State != sqlite.CheckCancelled {
			t.Fatalf("StorageCheck after Close = %+v, want cancelled", st)
		}
		if markerExists(path) {
			t.Fatal("a session whose check never ran wrote a clean-close marker")
		}

		// Without a marker the next open checks first; close it cleanly
		// so that the one after can check in the background again.
		db = sqlite.NewDB(path)
		db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		// Released after some reads: it starts then, and passes.
		after := make(chan struct{})
		db = open(after)
		defer db.Close()
		for range 20 {
			if err := db.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		released.Store(true)
		close(after)
		if st := waitCheck(t, db); st.State != sqlite.CheckPassed {
			t.Fatalf("StorageCheck = %+v, want passed", st)
		}
		if afterRelease := <-started; !afterRelease {
			t.Fatal("the background check started before CheckAfter was closed")
		}
	})

	t.Run("DamageAfterCleanClose", func(t *testing.T) {
		// Damage that leaves size, mtime and header as they were (a bad
		// sector, not a write through the file system) passes the marker
		// and is found by the background check.
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 2000)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		MustCorruptPage(t, path)
		if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		db, err := openBackground(t, path)
		if err != nil {
			t.Fatalf("Open = %v; want the damage left to the background check", err)
		}
		st := waitCheck(t, db)
		var de *sqlite.DamagedError
		if st.Mode != sqlite.CheckBackground || st.State != sqlite.CheckFailed || !errors.As(st.Err, &de) || len(de.Problems) == 0 || de.Path != path {
			t.Fatalf("StorageCheck = %+v, want background, failed, a DamagedError naming %s", st, path)
		}
		t.Logf("found: %v", st.Err)
		if err := db.Close(); err != nil {
			t.Logf("Close: %v", err)
		}
		if markerExists(path) {
			t.Fatal("a session whose check failed wrote a clean-close marker")
		}
		// Without a marker the next Open checks first and refuses.
		if db, err := openBackground(t, path); !errors.As(err, &de) {
			_ = db.Close()
			t.Fatalf("reopen = %v, want a DamagedError", err)
		} else if st := db.StorageCheck(); st.Mode != sqlite.CheckSynchronous || st.State != sqlite.CheckFailed {
			t.Fatalf("reopen: StorageCheck = %+v, want synchronous and failed", st)
		}
	})

	t.Run("ChangedFileIsCheckedFirst", func(t *testing.T) {
		// A write through the file system changes the mtime: the marker
		// no longer vouches for the file and Open refuses it at once.
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 2000)
		time.Sleep(20 * time.Millisecond) // past the file system's timestamp granularity, so the mtime differs
		MustCorruptPage(t, path)
		db, err := openBackground(t, path)
		var de *sqlite.DamagedError
		if !errors.As(err, &de) {
			_ = db.Close()
			t.Fatalf("Open = %v, want a DamagedError before Open returns", err)
		}
		if st := db.StorageCheck(); st.Mode != sqlite.CheckSynchronous {
			t.Fatalf("StorageCheck = %+v, want synchronous", st)
		}
	})

	t.Run("CloseCancelsTheCheck", func(t *testing.T) {
		// A session that ends before its check does leaves no marker: the
		// next one checks first.
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 200)
		// The check waits until Close cancels it.
		sqlite.SetBackgroundCheckHook(t, func(ctx context.Context) { <-ctx.Done() })
		db, err := openBackground(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if st := db.StorageCheck(); st.Mode != sqlite.CheckBackground || st.State != sqlite.CheckCancelled {
			t.Fatalf("StorageCheck = %+v, want background and cancelled", st)
		}
		if markerExists(path) {
			t.Fatal("a session whose check was cancelled wrote a clean-close marker")
		}
	})

	t.Run("CrashKeepsTheCheckSynchronous", func(t *testing.T) {
		// A clean close, then a session killed with SIGKILL while it
		// writes: no marker survives it, and the next Open checks first.
		if testing.Short() {
			t.Skip("short")
		}
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 200)
		if !markerExists(path) {
			t.Fatal("a clean Close wrote no marker")
		}
		cmd, stdout := startCrashHelper(t, path)
		sc, acked := bufio.NewScanner(stdout), 0
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "acked ") {
				if acked++; acked == 50 {
					if err := cmd.Process.Kill(); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		_ = cmd.Wait()
		if acked < 50 {
			t.Fatalf("helper acknowledged only %d writes before it ended", acked)
		}
		if markerExists(path) {
			t.Fatal("the marker survived a session killed while writing")
		}
		db, err := openBackground(t, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if st := db.StorageCheck(); st.Mode != sqlite.CheckSynchronous || st.State != sqlite.CheckPassed {
			t.Fatalf("StorageCheck = %+v, want synchronous and passed", st)
		}
	})
}

// openWithRunner is openBackground with db.CheckRunner set to run.
func openWithRunner(t *testing.T, path string, run func(ctx context.Context, path string, busy time.Duration) ([]string, error)) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(path)
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	db.BackgroundCheck = true
	db.BusyTimeout = 1234 * time.Millisecond
	db.CheckRunner = run
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestDB_BackgroundCheckRunner covers DB.CheckRunner (issue 15: serve runs
// the background check in a child process): the runner is given the
// file's path and BusyTimeout instead of the check running in process,
// its problems are damage as the in-process check's are, an error
// wrapping ErrCheckerFailed is a crashed checker (not damage: no marker,
// and the next Open checks first), and Close cancels a runner still
// running.
func TestDB_BackgroundCheckRunner(t *testing.T) {
	t.Run("GivenPathAndBusy", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 20)
		var gotPath string
		var gotBusy time.Duration
		db := openWithRunner(t, path, func(ctx context.Context, p string, busy time.Duration) ([]string, error) {
			gotPath, gotBusy = p, busy
			return nil, nil
		})
		defer db.Close()
		if st := waitCheck(t, db); st.Mode != sqlite.CheckBackground || st.State != sqlite.CheckPassed {
			t.Fatalf("StorageCheck = %+v, want background and passed", st)
		}
		if gotPath != path || gotBusy != 1234*time.Millisecond {
			t.Fatalf("the runner was given %q and %v, want %q and 1.234s (was it called?)", gotPath, gotBusy, path)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if !markerExists(path) {
			t.Fatal("no clean-close marker after the runner's check passed")
		}
	})

	t.Run("ProblemsAreDamage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 20)
		db := openWithRunner(t, path, func(context.Context, string, time.Duration) ([]string, error) {
			return []string{"Tree 2 page 7 cell 0: invalid page number 99"}, nil
		})
		defer db.Close()
		st := waitCheck(t, db)
		var de *sqlite.DamagedError
		if st.State != sqlite.CheckFailed || !errors.As(st.Err, &de) || de.Path != path || len(de.Problems) != 1 {
			t.Fatalf("StorageCheck = %+v, want failed with a *DamagedError naming %q and the problem", st, path)
		}
	})

	t.Run("CrashedIsNotDamage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 20)
		crash := fmt.Errorf("quick_check of %q in child process 4242: killed by signal 9: %w", path, sqlite.ErrCheckerFailed)
		db := openWithRunner(t, path, func(context.Context, string, time.Duration) ([]string, error) {
			return nil, crash
		})
		st := waitCheck(t, db)
		var de *sqlite.DamagedError
		if st.State != sqlite.CheckCrashed || !errors.Is(st.Err, sqlite.ErrCheckerFailed) || errors.As(st.Err, &de) {
			t.Fatalf("StorageCheck = %+v, want %q with the runner's error and no *DamagedError", st, sqlite.CheckCrashed)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if markerExists(path) {
			t.Fatal("a clean-close marker was written although the file was not checked")
		}
		// The next open checks before returning, in process, and passes.
		db, err := openBackground(t, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if st := db.StorageCheck(); st.Mode != sqlite.CheckSynchronous || st.State != sqlite.CheckPassed {
			t.Fatalf("after a crashed check the next Open's check is %+v, want synchronous and passed", st)
		}
	})

	t.Run("CloseCancels", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doctales.db")
		mustFillDB(t, path, 20)
		running := make(chan struct{})
		db := openWithRunner(t, path, func(ctx context.Context, _ string, _ time.Duration) ([]string, error) {
			close(running)
			<-ctx.Done()
			return nil, fmt.Errorf("child killed: %w", sqlite.ErrCheckerFailed)
		})
		<-running
		closed := make(chan error, 1)
		go func() { closed <- db.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Close did not cancel the runner within 30 s")
		}
		if st := db.StorageCheck(); st.State != sqlite.CheckCancelled {
			t.Fatalf("StorageCheck = %+v after Close, want cancelled", st)
		}
	})
}

// TestQuickCheckFile_CreatesNothing: the check reads the file and never
// writes one. A missing database is an error, not an empty database
// created in its place and answered "ok" (the server's check child may
// still be opening the file when the server is killed and its folder
// removed).
func TestQuickCheckFile_CreatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gone.db")
	problems, err := sqlite.QuickCheckFile(context.Background(), path, time.Second)
	if err == nil {
		t.Errorf("QuickCheckFile(%q) of a missing file = %q, nil; want an error", path, problems)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("QuickCheckFile of a missing file created %s", e.Name())
	}

	// A sound file closed cleanly (no -wal, no -shm) is checked without
	// leaving a file beside it.
	path = filepath.Join(dir, "sound.db")
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	if problems, err := sqlite.QuickCheckFile(context.Background(), path, time.Second); err != nil || len(problems) != 0 {
		t.Fatalf("QuickCheckFile(sound) = %q, %v", problems, err)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("QuickCheckFile of a closed file left %d files, had %d: %v", len(after), len(before), after)
	}
}
