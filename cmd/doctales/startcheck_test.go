package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales/sqlite"
)

// storageCheck returns the mode and state of the table's damage check
// from the server's /readyz.
func storageCheck(t *testing.T, url string) (mode, state string) {
	t.Helper()
	_, body := readyz(t, url)
	sc, _ := body["storageCheck"].(map[string]any)
	mode, _ = sc["mode"].(string)
	state, _ = sc["state"].(string)
	return mode, state
}

// waitCheckPassed waits until the server's damage check has passed.
func waitCheckPassed(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		mode, state := storageCheck(t, s.url)
		switch state {
		case sqlite.CheckPassed:
			return
		case sqlite.CheckRunning:
			time.Sleep(20 * time.Millisecond)
		default:
			t.Fatalf("storage check %s %q; logs:\n%s", mode, state, s.Logs())
		}
	}
	t.Fatalf("the storage check did not pass within 60 s; logs:\n%s", s.Logs())
}

// TestServe_StartCheck covers serve's start on a data folder (issue 15):
// after a clean stop the table's quick_check runs while serving, after a
// kill -9 before, and damage found while serving stops the server with the
// refusal's message.
func TestServe_StartCheck(t *testing.T) {
	data := seedServer(t, 30) // stopped with SIGINT: a clean close
	path := filepath.Join(data, tableFile)
	if _, err := os.Stat(path + sqlite.CleanMarkerSuffix); err != nil {
		t.Fatalf("no clean-close marker after SIGINT: %v", err)
	}

	// A clean close: ready before the check, which then passes, run by a
	// child process at nice 19 (checkproc.go).
	srv := startServer(t, data, "--log-level", "info")
	if mode, _ := storageCheck(t, srv.url); mode != sqlite.CheckBackground {
		t.Fatalf("after a clean stop the check is %q, want %q", mode, sqlite.CheckBackground)
	}
	waitCheckPassed(t, srv)
	mustContain(t, "log", srv.Logs(), "background quick check ran in a child process", path, "nice=19")

	// A crash: no marker survives it, and the next start checks first.
	if code, out := post(t, srv.url, calmEmail); code/100 != 2 {
		t.Fatalf("post: %d %v", code, out)
	}
	srv.kill()
	if _, err := os.Stat(path + sqlite.CleanMarkerSuffix); !os.IsNotExist(err) {
		t.Fatalf("the clean-close marker survived kill -9: %v", err)
	}
	srv = startServer(t, data)
	if mode, state := storageCheck(t, srv.url); mode != sqlite.CheckSynchronous || state != sqlite.CheckPassed {
		t.Fatalf("after kill -9 the check is %q %q, want %q %q", mode, state, sqlite.CheckSynchronous, sqlite.CheckPassed)
	}
	stopServer(t, srv)

	// Damage that leaves size and mtime as they were (a bad sector):
	// serve starts, finds it while serving, and stops with exit status 1.
	// (Most of the hostile cases change the mtime: TestServe_DamagedDatabase
	// covers them, refused before the server listens.)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	corruptBtreePage(t, path)
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	code, stderr := serveUntilExit(t, data, 60*time.Second, "serve kept running on a damaged table", "--log-level", "info")
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	mustContain(t, "stderr", stderr, path, "is damaged", "while serving", "doctales doctor", "doctales restore",
		"background quick check ran in a child process")
	if _, err := os.Stat(path + sqlite.CleanMarkerSuffix); !os.IsNotExist(err) {
		t.Fatalf("a clean-close marker was written for a damaged table: %v", err)
	}

	// The next start refuses it before listening, as after any damage.
	code, out := serveOnce(t, data)
	if code == 0 {
		t.Fatalf("exit code 0; stderr:\n%s", out)
	}
	mustContain(t, "stderr", out, path, "is damaged", "doctales restore")
}

// TestServe_StartCheckHistory covers the check of history.db while
// serving (issue 15): after a clean stop serve starts without checking it
// first, reports it in /readyz's storageChecks, and damage found there
// (with the file's mtime put back, so that the clean-close record still
// matches) stops the server with exit status 1 and the way out; the next
// start refuses the file before listening. analytics.db goes the same way
// (Pipeline.otherDBs).
func TestServe_StartCheckHistory(t *testing.T) {
	data := seedServer(t, 40) // stopped with SIGINT: a clean close
	path := filepath.Join(data, "history.db")
	if _, err := os.Stat(path + sqlite.CleanMarkerSuffix); err != nil {
		t.Fatalf("no clean-close marker of history.db after SIGINT: %v", err)
	}

	srv := startServer(t, data)
	_, body := readyz(t, srv.url)
	checks, _ := body["storageChecks"].(map[string]any)
	for _, f := range []string{"history.db", "analytics.db"} {
		c, _ := checks[f].(map[string]any)
		if c["mode"] != sqlite.CheckBackground {
			t.Errorf("/readyz storageChecks[%q] = %v after a clean stop, want mode %q", f, checks[f], sqlite.CheckBackground)
		}
	}
	// Wait for every check to end, so that the stop writes the records.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body := readyz(t, srv.url)
		checks, _ := body["storageChecks"].(map[string]any)
		running := false
		for _, c := range checks {
			if c.(map[string]any)["state"] == sqlite.CheckRunning {
				running = true
			}
		}
		if _, state := storageCheck(t, srv.url); !running && state != sqlite.CheckRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the storage checks did not end within 60 s: %v; logs:\n%s", checks, srv.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopServer(t, srv)

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	corruptLeafPage(t, path, "flow_events")
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	code, stderr := serveUntilExit(t, data, 60*time.Second, "serve kept running on a damaged history.db")
	if code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	mustContain(t, "stderr", stderr, path, "is damaged", "while serving", "move it aside")
	if _, err := os.Stat(path + sqlite.CleanMarkerSuffix); !os.IsNotExist(err) {
		t.Fatalf("a clean-close marker was written for a damaged history.db: %v", err)
	}
	code, out := serveOnce(t, data)
	if code == 0 {
		t.Fatalf("exit code 0; stderr:\n%s", out)
	}
	mustContain(t, "stderr", out, path, "is damaged", "move it aside")
}
