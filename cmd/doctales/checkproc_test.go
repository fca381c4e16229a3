package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/sqlite"
)

// checkTestDB writes a SQLite file of one table, items, with enough rows
// for many leaf pages (corruptLeafPage needs two or more), in the
// rollback journal mode, so that a transaction of the test can lock
// readers out.
func checkTestDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "check.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT)`); err != nil {
		t.Fatalf("create the table of %q: %v", path, err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		if _, err := tx.Exec(`INSERT INTO items (body) VALUES (?)`, strings.Repeat(fmt.Sprintf("row %d ", i), 20)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// logBuffer is a text logger at Debug and what it wrote.
func logBuffer() (*slog.Logger, *lockedBuffer) {
	var buf lockedBuffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// TestCheckProcess_Runner runs serve's background check runner with the
// real binary: a sound file passes and a file with a garbled page is
// reported damaged, each by a child process at nice 19 (its log line).
func TestCheckProcess_Runner(t *testing.T) {
	path := checkTestDB(t)
	logger, logs := logBuffer()
	run := processCheckRunner(binPath, logger)
	problems, err := run(context.Background(), path, time.Second)
	if err != nil || len(problems) > 0 {
		t.Fatalf("check of a sound file: %v %v; log:\n%s", problems, err, logs.String())
	}
	mustContain(t, "log", logs.String(), "background quick check ran in a child process", "nice=19", "problems=0")

	corruptLeafPage(t, path, "items")
	problems, err = run(context.Background(), path, time.Second)
	if len(problems) == 0 {
		t.Fatalf("check of a file with a garbled page found nothing (error %v); log:\n%s", err, logs.String())
	}
	if errors.Is(err, sqlite.ErrCheckerFailed) {
		t.Fatalf("damage reported as a crashed checker: %v", err)
	}
	t.Logf("problems: %q, error %v", problems, err)
	if strings.Count(logs.String(), "ran in a child process") != 2 {
		t.Fatalf("the damaged file was not checked by a child process; log:\n%s", logs.String())
	}
}

// TestCheckProcess_FallsBackInProcess: when the child cannot be started
// (here its executable does not exist) the runner checks in this process,
// and says why at Warn.
func TestCheckProcess_FallsBackInProcess(t *testing.T) {
	path := checkTestDB(t)
	logger, logs := logBuffer()
	missing := filepath.Join(t.TempDir(), "no-such-doctales")
	run := processCheckRunner(missing, logger)
	problems, err := run(context.Background(), path, time.Second)
	if err != nil || len(problems) > 0 {
		t.Fatalf("check of a sound file without its child: %v %v; log:\n%s", problems, err, logs.String())
	}
	mustContain(t, "log", logs.String(), "level=WARN", "runs in this process", missing, path)

	corruptLeafPage(t, path, "items")
	if problems, err := run(context.Background(), path, time.Second); len(problems) == 0 || errors.Is(err, sqlite.ErrCheckerFailed) {
		t.Fatalf("in-process check of a garbled file: problems %q, error %v; want damage", problems, err)
	}
}

// waitOpen waits until process pid has the file at path open (its
// /proc/<pid>/fd), for up to 30 s.
func waitOpen(t *testing.T, pid int, path string) {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		fds, _ := os.ReadDir(fdDir)
		for _, fd := range fds {
			if target, _ := os.Readlink(filepath.Join(fdDir, fd.Name())); target == path {
				return
			}
		}
	}
	t.Fatalf("process %d did not open %q within 30 s", pid, path)
}

// startLockedChild starts the check's child (the real binary) on a file
// whose lock this test holds, so that the child waits for it (up to a
// minute) instead of ending at once; its standard input is stdin. It
// returns the child and a channel that gets its exit, and the file's
// path.
func startLockedChild(t *testing.T, stdin *os.File) (*exec.Cmd, <-chan error, string) {
	t.Helper()
	path := checkTestDB(t)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatalf("lock %q: %v", path, err)
	}
	t.Cleanup(func() { _, _ = conn.ExecContext(ctx, `ROLLBACK`) })

	cmd := exec.Command(binPath, checkChildArg, "--busy", "60s", path)
	cmd.Stdin = stdin
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	// It waits for the lock: still running a moment later.
	select {
	case err := <-exited:
		t.Fatalf("the child exited (%v) while the file was locked, before its standard input closed; stderr:\n%s", err, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}
	return cmd, exited, path
}

// waitOrphanExit fails the test unless the child exits with
// checkExitOrphaned within 10 s (it would otherwise wait a minute for the
// lock).
func waitOrphanExit(t *testing.T, cmd *exec.Cmd, exited <-chan error) {
	t.Helper()
	select {
	case <-exited:
		if code := cmd.ProcessState.ExitCode(); code != checkExitOrphaned {
			t.Fatalf("the child exited with status %d, want %d (orphaned)", code, checkExitOrphaned)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the child still runs 10 s after its standard input closed: it would outlive its server")
	}
}

// TestCheckProcess_ExitsWithItsParent: the child exits when its standard
// input closes (its parent closing the pipe; the parent's death by kill -9
// is TestCheckProcess_ExitsWhenItsParentDies, on Unix).
func TestCheckProcess_ExitsWithItsParent(t *testing.T) {
	t.Run("PipeClosed", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd, exited, _ := startLockedChild(t, r)
		r.Close()
		w.Close()
		waitOrphanExit(t, cmd, exited)
	})
}
