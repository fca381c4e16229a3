//go:build linux

package sandbox

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Main makes this process a worker when a [Pool] started it (the
// environment variable [WorkerEnv] is set): it applies the limits, serves
// jobs with handlers until its standard input closes, and exits. Otherwise
// it returns at once. Call it first thing in main, and in TestMain of a
// package whose tests run a Pool of the test binary itself.
func Main(handlers map[string]Handler) {
	v, ok := os.LookupEnv(WorkerEnv)
	if !ok {
		return
	}
	os.Exit(serve(v, handlers))
}

// serve is the worker's main loop; it returns the exit status.
func serve(env string, handlers map[string]Handler) int {
	l, err := parseLimits(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Keep the protocol on a descriptor of its own and point fd 1 at
	// standard error: a library that prints cannot corrupt the frames.
	// (close-on-exec, so a program the job starts never holds the
	// protocol pipe open).
	fd, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox: dup stdout:", err)
		return 2
	}
	if err := unix.Dup2(2, 1); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox: redirect stdout:", err)
		return 2
	}
	out := bufio.NewWriter(os.NewFile(uintptr(fd), "sandbox-out"))
	in := bufio.NewReader(os.Stdin)

	if err := applyLimits(l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// SIGXCPU comes when a job passes its CPU time: end the worker with
	// a status the parent recognises.
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, syscall.SIGXCPU)
	go func() {
		<-xcpu
		fmt.Fprintln(os.Stderr, "sandbox: CPU time limit reached")
		os.Exit(exitCPUTime)
	}()

	// Say we are ready, limits applied.
	if err := writeFrame(out, &response{}, l.MaxFrameBytes); err != nil || out.Flush() != nil {
		return 2
	}
	for {
		var req request
		if err := readFrame(in, &req, l.MaxFrameBytes); err != nil {
			// The parent closed our input (or died): done.
			return 0
		}
		if err := setCPULimit(req.CPUSeconds); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		resp := runJob(handlers, &req)
		req.Input = nil
		if err := writeFrame(out, resp, l.MaxFrameBytes); err != nil {
			resp = &response{Failed: true, Err: err.Error()}
			if writeFrame(out, resp, l.MaxFrameBytes) != nil {
				return 2
			}
		}
		if out.Flush() != nil {
			return 0
		}
	}
}

// runJob runs one job, turning a panic into an answer.
func runJob(handlers map[string]Handler, req *request) (resp *response) {
	h := handlers[req.Job]
	if h == nil {
		return &response{Failed: true, Err: fmt.Sprintf("sandbox: no job named %q", req.Job)}
	}
	defer func() {
		if r := recover(); r != nil {
			resp = &response{Failed: true, Panic: true, Err: fmt.Sprint(r)}
		}
	}()
	outb, err := h(req.Input)
	if err != nil {
		return &response{Failed: true, Err: err.Error()}
	}
	return &response{Output: outb}
}

// applyLimits sets the worker's memory and stack limits. The memory limit
// is RLIMIT_DATA at what the process has mapped writable now (VmData) plus
// MemoryBytes: the Go heap lives in such mappings, while the large
// address-space reservations the runtime makes at start (PROT_NONE) do not
// count, so the limit means what it says.
func applyLimits(l limits) error {
	if l.MaxStackBytes > 0 {
		debug.SetMaxStack(int(l.MaxStackBytes))
	}
	if l.MemoryBytes <= 0 {
		return nil
	}
	base, err := vmData()
	if err != nil {
		return err
	}
	lim := uint64(base + l.MemoryBytes)
	if err := unix.Setrlimit(unix.RLIMIT_DATA, &unix.Rlimit{Cur: lim, Max: lim}); err != nil {
		return fmt.Errorf("sandbox: set RLIMIT_DATA to %d bytes: %w", lim, err)
	}
	// Collect hard before the limit: most of the memory a parse holds is
	// garbage soon.
	debug.SetMemoryLimit(l.MemoryBytes / 4 * 3)
	return nil
}

// vmData returns the writable private memory the process has mapped, in
// bytes, from /proc/self/status.
func vmData() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("sandbox: read memory use: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmData:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("sandbox: VmData %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("sandbox: no VmData in /proc/self/status")
}

// setCPULimit sets RLIMIT_CPU's soft limit to the CPU time used so far
// plus seconds (0: no limit), so that SIGXCPU comes when this job has used
// its share. The hard limit stays: it can never be raised again.
func setCPULimit(seconds int64) error {
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CPU, &cur); err != nil {
		return fmt.Errorf("sandbox: get RLIMIT_CPU: %w", err)
	}
	soft := uint64(unix.RLIM_INFINITY)
	if seconds > 0 {
		var ru unix.Rusage
		if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
			return fmt.Errorf("sandbox: getrusage: %w", err)
		}
		used := ru.Utime.Sec + ru.Stime.Sec + 1 // round up
		soft = uint64(used + seconds)
	}
	soft = min(soft, cur.Max)
	if err := unix.Setrlimit(unix.RLIMIT_CPU, &unix.Rlimit{Cur: soft, Max: cur.Max}); err != nil {
		return fmt.Errorf("sandbox: set RLIMIT_CPU to %d s: %w", soft, err)
	}
	return nil
}
