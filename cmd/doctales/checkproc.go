package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/doctales/doctales/sqlite"
)

// serve's background damage check in a child process (issue 15).
//
// quick_check of the 2.5 GB table of a million communications reads every
// page for 15 to 60 s. Run in the server, its goroutine held one of the Go
// scheduler's two Ps for seconds, its thread had the same share of the
// cores as the request threads, and its allocations drove the server's
// collector: the first page's p99 was 21 ms while it ran, 5 ms after. The
// child process below runs it at nice 19 instead, with its own heap and
// its own Ps. The child:
//
//   - is this program's own executable started with the hidden first
//     argument checkChildArg, caught by checkChildMain before the command
//     table is read (so it is no command: not in the usage, not walked by
//     the CLI rule tests);
//   - is the leader of a process group of its own (Setpgid), and sets the
//     nice value of that group, so every thread of the Go runtime, those
//     already started and those started later, runs at 19 (on Linux the
//     nice value is a thread's; setpriority on the process would lower
//     one thread only). A Ctrl-C at the terminal then reaches the server
//     only, which stops the child itself;
//   - exits when its standard input reaches end of file: the server holds
//     the other end and never writes to it, so the pipe closes whenever
//     the server ends, even by kill -9. (No Pdeathsig: Linux sends it when
//     the *thread* that forked the child ends, not the process; see the
//     reverted nice-19 thread in docs/operations.md.) Close of the DB
//     cancels the check's context: exec.CommandContext kills the child
//     and waits for it;
//   - writes one JSON line, a checkResult, on its standard output, and
//     exits with checkExitOK, checkExitDamaged or checkExitUsage.

// checkChildArg is the first argument that makes this program the
// background check's child process: doctales __quick-check [--busy D] PATH.
// It is not a command (see above) and is not meant to be typed.
const checkChildArg = "__quick-check"

// Exit statuses of the check's child process.
const (
	checkExitOK      = 0 // quick_check answered ok
	checkExitDamaged = 1 // quick_check found problems, or could not run on the file
	checkExitUsage   = 2 // bad arguments: the file was not checked
	// checkExitOrphaned: standard input closed (the server is gone)
	// before the check ended.
	checkExitOrphaned = 3
)

// checkNice is the nice value of the check's child process: the lowest
// priority, so that it runs on what the server and the machine's other
// work leave of the cores.
const checkNice = 19

// maxCheckAnswerBytes bounds what the parent reads of the child's
// standard output: MaxReportedProblems lines of quick_check fit many times.
const maxCheckAnswerBytes = 256 << 10

// checkResult is the child's answer, one JSON line on its standard output.
type checkResult struct {
	Problems []string `json:"problems"`
	// Error is the driver's error when quick_check could not run on the
	// file (a damaged file may cause it), "" otherwise.
	Error string `json:"error,omitempty"`
	// Nice is the child's nice value while it checked; PriorityError
	// says why it could not lower its priority ("" when it could).
	Nice          int    `json:"nice"`
	PriorityError string `json:"priorityError,omitempty"`
	TookMs        int64  `json:"tookMs"`
}

// checkChildMain makes this process the background check's child when it
// was started as one (os.Args[1] is checkChildArg): it checks the file,
// answers and exits. Otherwise it returns at once. main calls it first,
// and TestMain, since in-process servers start the test binary itself.
func checkChildMain() {
	if len(os.Args) < 2 || os.Args[1] != checkChildArg {
		return
	}
	os.Exit(runCheckChild(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
}

// runCheckChild is the child process's work: it lowers its priority,
// watches stdin for end of file (and then exits the process with
// checkExitOrphaned), runs quick_check on the file and writes the
// checkResult to stdout. It returns the exit status.
func runCheckChild(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(checkChildArg, flag.ContinueOnError)
	fs.SetOutput(stderr)
	busy := fs.Duration("busy", sqlite.DefaultBusyTimeout, "how long to wait for another connection's lock")
	if err := fs.Parse(args); err != nil {
		return checkExitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "doctales %s: want one database path, got %d arguments %q\n", checkChildArg, fs.NArg(), fs.Args())
		return checkExitUsage
	}
	path := fs.Arg(0)
	// One P is enough for a sequential read, and leaves fewer threads.
	runtime.GOMAXPROCS(1)
	res := checkResult{Nice: checkNice}
	if err := lowerCheckPriority(); err != nil {
		// Check anyway, at whatever priority this is: the parent logs
		// why.
		res.PriorityError = err.Error()
	}
	res.Nice = currentNice()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		os.Exit(checkExitOrphaned)
	}()
	start := time.Now()
	problems, err := sqlite.QuickCheckFile(context.Background(), path, *busy)
	res.TookMs = time.Since(start).Milliseconds()
	res.Problems = problems
	if res.Problems == nil {
		res.Problems = []string{}
	}
	if err != nil {
		res.Error = err.Error()
	}
	line, _ := json.Marshal(res)
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		fmt.Fprintf(stderr, "doctales %s: write the answer: %v\n", checkChildArg, err)
		return checkExitUsage
	}
	if err != nil || len(problems) > 0 {
		return checkExitDamaged
	}
	return checkExitOK
}

// processCheckRunner returns a sqlite.DB.CheckRunner that runs quick_check
// in a child process of exe (this program) at nice 19. When the child
// cannot be started it logs why at Warn and checks in this process, as
// without a runner. A child that ends without a readable answer (killed,
// crashed, garbage on its output) is an error wrapping
// sqlite.ErrCheckerFailed that names the file, the process and what it
// did: the DB records it as CheckCrashed, not as damage.
func processCheckRunner(exe string, logger *slog.Logger) func(ctx context.Context, path string, busy time.Duration) ([]string, error) {
	return func(ctx context.Context, path string, busy time.Duration) ([]string, error) {
		cmd := exec.CommandContext(ctx, exe, checkChildArg, "--busy", busy.String(), path)
		cmd.SysProcAttr = checkChildProcAttr()
		// Its standard input is a pipe this process holds and never
		// writes: it closes when this process ends, however it ends,
		// and the child then exits. Go opens it close-on-exec, so no
		// other child of the server (a parser worker) keeps it open.
		stdin, err := cmd.StdinPipe()
		if err != nil {
			logger.Warn("background quick check runs in this process: its child process could not be started", "path", path, "executable", exe, "error", err)
			return sqlite.QuickCheckFile(ctx, path, busy)
		}
		defer stdin.Close()
		out := &cappedBuffer{max: maxCheckAnswerBytes}
		errTail := &cappedBuffer{max: 4 << 10, keepTail: true}
		cmd.Stdout, cmd.Stderr = out, errTail
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			logger.Warn("background quick check runs in this process: its child process could not be started", "path", path, "executable", exe, "error", err)
			return sqlite.QuickCheckFile(ctx, path, busy)
		}
		pid := cmd.Process.Pid
		logger.Info("background quick check started in a child process", "path", path, "pid", pid, "nice", checkNice)
		waitErr := cmd.Wait()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res, err := checkAnswer(cmd.ProcessState, waitErr, out.String())
		if err != nil {
			why := err.Error()
			if tail := strings.TrimSpace(errTail.String()); tail != "" {
				why += "; its standard error ended with: " + tail
			}
			return nil, fmt.Errorf("quick_check of %q in child process %d (%s %s): %s: %w", path, pid, exe, checkChildArg, why, sqlite.ErrCheckerFailed)
		}
		if res.PriorityError != "" {
			logger.Warn("the background quick check's child process could not lower its priority", "path", path, "pid", pid, "error", res.PriorityError)
		}
		logger.Info("background quick check ran in a child process", "path", path, "pid", pid, "nice", res.Nice,
			"took", time.Duration(res.TookMs)*time.Millisecond, "problems", len(res.Problems))
		if res.Error != "" {
			return res.Problems, errors.New(res.Error)
		}
		return res.Problems, nil
	}
}

// checkAnswer reads the child's answer from its output and exit status:
// an error says why there is none (killed by a signal, an exit status
// that is not an answer, an output that is not one checkResult, or an
// answer that contradicts the status).
func checkAnswer(st *os.ProcessState, waitErr error, output string) (checkResult, error) {
	var res checkResult
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return res, fmt.Errorf("wait: %v", waitErr)
	}
	code := st.ExitCode()
	if code < 0 {
		return res, fmt.Errorf("it was ended by a signal (%s)", st)
	}
	if code != checkExitOK && code != checkExitDamaged {
		return res, fmt.Errorf("it exited with status %d without an answer (output %q)", code, clip(output, 200))
	}
	dec := json.NewDecoder(strings.NewReader(output))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil || res.Problems == nil {
		return res, fmt.Errorf("its answer %q is not a check result (exit status %d): %v", clip(output, 200), code, err)
	}
	if rest, _ := io.ReadAll(dec.Buffered()); strings.TrimSpace(string(rest)) != "" {
		return res, fmt.Errorf("its answer %q holds more than one check result", clip(output, 200))
	}
	if damaged := res.Error != "" || len(res.Problems) > 0; damaged != (code == checkExitDamaged) {
		return res, fmt.Errorf("its answer %q contradicts its exit status %d", clip(output, 200), code)
	}
	return res, nil
}

// clip returns s cut to at most n bytes, marked with "..." when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// cappedBuffer keeps at most max bytes of what is written to it: the
// first max (a child's answer, which must not grow the server's heap
// without bound), or the last max when keepTail is set (the end of a
// child's standard error, which says why it died). Writes never fail, so
// the child never blocks on a full pipe. Its reads follow cmd.Wait.
type cappedBuffer struct {
	max      int
	keepTail bool
	buf      bytes.Buffer
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if c.keepTail {
		c.buf.Write(p)
		if extra := c.buf.Len() - c.max; extra > 0 {
			c.buf.Next(extra)
		}
		return n, nil
	}
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return n, nil
}

func (c *cappedBuffer) String() string { return c.buf.String() }
