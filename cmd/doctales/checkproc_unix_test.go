//go:build unix

package main

// The checker tests that need a Unix shell and sleep(1): fake children
// written as shell scripts, and a process that holds a pipe.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctales/doctales/sqlite"
)

// TestCheckProcess_Crashed: a child that dies by a signal, or answers
// something else than a check result, is a crashed checker
// (sqlite.ErrCheckerFailed, which the DB records as CheckCrashed, not as
// damage), with an error naming the file and what the child did.
func TestCheckProcess_Crashed(t *testing.T) {
	path := checkTestDB(t)
	for _, c := range []struct{ name, script, want string }{
		{"Signal", "echo 'out of cheese' >&2; kill -9 $$", "ended by a signal"},
		{"Garbage", "echo 'not json'; exit 0", `"not json\n" is not a check result`},
		{"Contradiction", `echo '{"problems":["page 7 is bad"],"nice":19,"tookMs":1}'; exit 0`, "contradicts its exit status 0"},
		{"OtherStatus", "exit 7", "exited with status 7 without an answer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			exe := filepath.Join(t.TempDir(), "fake-doctales")
			if err := os.WriteFile(exe, []byte("#!/bin/sh\n"+c.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			logger, _ := logBuffer()
			problems, err := processCheckRunner(exe, logger)(context.Background(), path, time.Second)
			if !errors.Is(err, sqlite.ErrCheckerFailed) || len(problems) > 0 {
				t.Fatalf("got problems %q, error %v; want no problems and sqlite.ErrCheckerFailed", problems, err)
			}
			mustContain(t, "error", err.Error(), path, "child process", c.want)
			if c.name == "Signal" {
				mustContain(t, "error", err.Error(), "out of cheese")
			}
		})
	}
}

// TestCheckProcess_ExitsWhenItsParentDies: the child exits when the only
// process holding the other end of its standard input dies by kill -9
// (TestCheckProcess_ExitsWithItsParent closes the pipe itself).
func TestCheckProcess_ExitsWhenItsParentDies(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// sleep holds the pipe's other end as its standard output; the
	// test lets go of its own, so that sleep's death closes it.
	holder := exec.Command("sleep", "600")
	holder.Stdout = w
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	w.Close()
	cmd, exited, _ := startLockedChild(t, r)
	r.Close()
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitOrphanExit(t, cmd, exited)
}
