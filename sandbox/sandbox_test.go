package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/doctales/doctales/sandbox"
)

// jobs are the test binary's jobs when it runs as a worker.
var jobs = map[string]sandbox.Handler{
	"echo": func(in []byte) ([]byte, error) { return in, nil },
	"pid":  func([]byte) ([]byte, error) { return []byte(strconv.Itoa(os.Getpid())), nil },
	"fail": func(in []byte) ([]byte, error) { return nil, errors.New("bad input " + string(in)) },
	"panic": func([]byte) ([]byte, error) {
		var m map[string]int
		//lint:ignore SA5000 the job must panic: a nil map assignment, recovered by the worker
		m["x"] = 1 // a nil map: a recoverable panic
		return nil, nil
	},
	// oom keeps allocating and touching memory until the limit.
	"oom": func([]byte) ([]byte, error) {
		var keep [][]byte
		for {
			b := make([]byte, 16<<20)
			for i := range b {
				b[i] = 1
			}
			//lint:ignore SA4010 keep holds the chunks so that memory grows until the worker runs out of it
			keep = append(keep, b)
		}
	},
	// huge asks for 160 GB at once, as a PDF reader trusting an xref
	// object number of 4,000,000,000 does.
	"huge": func([]byte) ([]byte, error) {
		//lint:ignore U1000 the fields are never read: they only make each element 40 bytes
		type xref struct{ a, b, c, d, e uint64 }
		t := make([]xref, 4_000_000_000)
		return []byte{byte(len(t))}, nil
	},
	"stack": func([]byte) ([]byte, error) { return []byte{byte(recurse(0))}, nil },
	// spin never ends: a reference loop.
	"spin": func([]byte) ([]byte, error) {
		n := 0
		for {
			n++
		}
	},
	"sleep": func([]byte) ([]byte, error) { time.Sleep(time.Hour); return nil, nil },
}

func recurse(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	//lint:ignore SA5007 the stack job must overflow: recurse never returns, the worker dies at its stack limit
	return recurse(n+1) + int(pad[0])
}

func TestMain(m *testing.M) {
	sandbox.Main(jobs)
	if os.Getenv(parentEnv) != "" {
		os.Exit(parentMain())
	}
	os.Exit(m.Run())
}

// parentEnv makes the test binary a parent process for TestPool_ParentDies:
// it runs a job that sleeps in a pool, prints the worker's pid and waits
// to be killed.
const parentEnv = "SANDBOX_TEST_PARENT"

func parentMain() int {
	p := sandbox.NewPool()
	p.Size = 1
	if err := p.Open(); err != nil {
		fmt.Println(err)
		return 1
	}
	if _, err := p.Run(context.Background(), "pid", nil); err != nil {
		fmt.Println(err)
		return 1
	}
	go p.Run(context.Background(), "sleep", nil)
	fmt.Println(p.PIDs()[0])
	select {}
}

// MustOpenPool returns an open pool of this test binary, closed at test end.
func MustOpenPool(tb testing.TB, setup func(*sandbox.Pool)) *sandbox.Pool {
	tb.Helper()
	p := sandbox.NewPool()
	p.Size = 2
	p.MemoryBytes = 128 << 20
	p.Timeout = 5 * time.Second
	if setup != nil {
		setup(p)
	}
	if err := p.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

// wantDeath runs job and checks it fails with sentinel and message.
func wantDeath(t *testing.T, p *sandbox.Pool, job string, sentinel error, msg string) time.Duration {
	t.Helper()
	start := time.Now()
	_, err := p.Run(context.Background(), job, nil)
	took := time.Since(start)
	var e *sandbox.Error
	if !errors.As(err, &e) || !errors.Is(err, sentinel) {
		t.Fatalf("%s: err = %v (%T), want %v", job, err, err, sentinel)
	}
	if err.Error() != msg {
		t.Fatalf("%s: message %q, want %q (detail %q)", job, err.Error(), msg, e.Detail)
	}
	if e.Job != job {
		t.Fatalf("Job = %q, want %q", e.Job, job)
	}
	// The pool lives on: the next job gets a new worker.
	out, err := p.Run(context.Background(), "echo", []byte("after "+job))
	if err != nil || string(out) != "after "+job {
		t.Fatalf("after %s: %q, %v", job, out, err)
	}
	return took
}

func TestPool_Run(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		p := MustOpenPool(t, nil)
		big := []byte(strings.Repeat("x", 3<<20))
		out, err := p.Run(context.Background(), "echo", big)
		if err != nil || string(out) != string(big) {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(big), len(out), err)
		}
	})
	t.Run("JobError", func(t *testing.T) {
		p := MustOpenPool(t, nil)
		_, err := p.Run(context.Background(), "fail", []byte("42"))
		var je *sandbox.JobError
		if !errors.As(err, &je) || je.Message != "bad input 42" || je.Panic {
			t.Fatalf("err = %#v", err)
		}
		_, err = p.Run(context.Background(), "panic", nil)
		if !errors.As(err, &je) || !je.Panic || !strings.Contains(je.Message, "nil map") {
			t.Fatalf("panic: err = %#v", err)
		}
		if n := len(p.PIDs()); n != 1 {
			t.Fatalf("%d workers after a job error and a panic, want the same 1", n)
		}
	})
	t.Run("OutOfMemory", func(t *testing.T) {
		p := MustOpenPool(t, nil)
		wantDeath(t, p, "oom", sandbox.ErrOutOfMemory, "parser ran out of memory (limit 128 MiB)")
		wantDeath(t, p, "huge", sandbox.ErrOutOfMemory, "parser ran out of memory (limit 128 MiB)")
	})
	t.Run("StackOverflow", func(t *testing.T) {
		p := MustOpenPool(t, func(p *sandbox.Pool) { p.MaxStackBytes = 8 << 20 })
		wantDeath(t, p, "stack", sandbox.ErrStackOverflow, "parser crashed (stack overflow, limit 8 MiB)")
	})
	t.Run("Timeout", func(t *testing.T) {
		p := MustOpenPool(t, func(p *sandbox.Pool) { p.Timeout = 500 * time.Millisecond; p.CPUTime = -1 })
		took := wantDeath(t, p, "sleep", sandbox.ErrTimeout, "parser took longer than 500ms (killed)")
		if took > 2*time.Second {
			t.Fatalf("the time-out of 500ms took %s", took)
		}
	})
	t.Run("CPUTime", func(t *testing.T) {
		// A spinning job is ended by its CPU limit (1 s) before the wall
		// time-out (30 s, so that a busy machine, where 1 s of CPU can
		// take several seconds, still meets the CPU limit first).
		p := MustOpenPool(t, func(p *sandbox.Pool) { p.CPUTime = time.Second; p.Timeout = 30 * time.Second })
		took := wantDeath(t, p, "spin", sandbox.ErrCPUTime, "parser used more than 1s of CPU time (killed)")
		if took > 25*time.Second {
			t.Fatalf("the CPU limit of 1s took %s of wall time", took)
		}
	})
	t.Run("SpinTimeout", func(t *testing.T) {
		// Without a CPU limit the wall time-out kills the spinning worker,
		// and its CPU time stops growing.
		p := MustOpenPool(t, func(p *sandbox.Pool) { p.CPUTime = -1; p.Timeout = 700 * time.Millisecond })
		if _, err := p.Run(context.Background(), "pid", nil); err != nil {
			t.Fatal(err)
		}
		pid := p.PIDs()[0]
		wantDeath(t, p, "spin", sandbox.ErrTimeout, "parser took longer than 700ms (killed)")
		if alive(pid) {
			t.Fatalf("spinning worker %d still alive after its time-out", pid)
		}
	})
	t.Run("Context", func(t *testing.T) {
		p := MustOpenPool(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if _, err := p.Run(ctx, "sleep", nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the context's", err)
		}
		if n := len(p.PIDs()); n != 0 {
			t.Fatalf("%d workers live after the context ended, want the busy one killed", n)
		}
	})
}

func TestPool_Reuse(t *testing.T) {
	p := MustOpenPool(t, func(p *sandbox.Pool) { p.Size = 1 })
	pid := func() string {
		out, err := p.Run(context.Background(), "pid", nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	first := pid()
	for i := 0; i < 5; i++ {
		if got := pid(); got != first {
			t.Fatalf("job %d ran in worker %s, want the reused %s", i, got, first)
		}
	}
	// A crash replaces the worker.
	if _, err := p.Run(context.Background(), "huge", nil); !errors.Is(err, sandbox.ErrOutOfMemory) {
		t.Fatalf("huge: %v", err)
	}
	if got := pid(); got == first {
		t.Fatalf("after a crash the job ran in the dead worker %s", got)
	}
}

func TestPool_Close(t *testing.T) {
	p := MustOpenPool(t, nil)
	// One busy worker and one idle one.
	busy := make(chan error, 1)
	go func() {
		_, err := p.Run(context.Background(), "sleep", nil)
		busy <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(p.PIDs()) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := p.Run(context.Background(), "pid", nil); err != nil {
		t.Fatal(err)
	}
	pids := p.PIDs()
	if len(pids) != 2 {
		t.Fatalf("%d workers, want 2", len(pids))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-busy; !errors.Is(err, sandbox.ErrClosed) {
		t.Fatalf("busy job: %v, want ErrClosed", err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Fatalf("worker %d alive after Close", pid)
		}
	}
	if _, err := p.Run(context.Background(), "echo", nil); !errors.Is(err, sandbox.ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestPool_ParentDies kills a process that has a busy worker with SIGKILL,
// so that no Close runs: the worker dies with it (Pdeathsig).
func TestPool_ParentDies(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), parentEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("parent said %q", line)
	}
	if !alive(pid) {
		t.Fatalf("worker %d not running", pid)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("worker %d outlived its killed parent", pid)
	}
}

// alive reports whether process pid exists (and is not a zombie).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}
