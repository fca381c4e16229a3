package sandbox

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Default limits of a [Pool].
const (
	// DefaultMemoryBytes is the memory one worker may use beyond what it
	// holds at start, in bytes (512 MiB): sixteen times the largest
	// document Doc-Tales accepts (32 MiB), room for a parser's copies.
	DefaultMemoryBytes = 512 << 20

	// DefaultMaxStackBytes is the largest goroutine stack in a worker, in
	// bytes (64 MiB). Real documents need a few KiB; the Go default of
	// 1 GB lets a runaway recursion eat a gigabyte before it ends.
	DefaultMaxStackBytes = 64 << 20

	// DefaultCPUTime is the CPU time one job may use (10 s), as the
	// document parse time-out.
	DefaultCPUTime = 10 * time.Second

	// DefaultTimeout is the wall time one job may take before its worker
	// is killed (10 s), ingest.DefaultDocumentTimeout.
	DefaultTimeout = 10 * time.Second

	// DefaultMaxFrameBytes is the largest request or answer frame, in
	// bytes (80 MiB): a 32 MiB document plus its text and room to spare.
	DefaultMaxFrameBytes = 80 << 20

	// stderrTailBytes is how much of a worker's standard error is kept to
	// explain its death.
	stderrTailBytes = 8 << 10
)

// DefaultSize returns the default number of workers: one per CPU, at
// least 2 (so one slow document does not hold up the next) and at most 8.
func DefaultSize() int { return min(max(runtime.NumCPU(), 2), 8) }

// WorkerEnv is the environment variable that makes a process started by a
// [Pool] serve as a worker in [Main]. Its value holds the limits.
const WorkerEnv = "DOCTALES_SANDBOX_WORKER"

// exitCPUTime is the exit status of a worker that received SIGXCPU.
const exitCPUTime = 124

// Sentinels wrapped by *[Error]: why a worker died.
var (
	// ErrOutOfMemory means the worker reached its memory limit.
	ErrOutOfMemory = errors.New("ran out of memory")
	// ErrStackOverflow means a goroutine of the worker reached the stack
	// limit: a recursion that did not end.
	ErrStackOverflow = errors.New("crashed (stack overflow)")
	// ErrCPUTime means the job used more CPU time than its limit.
	ErrCPUTime = errors.New("used too much CPU time")
	// ErrTimeout means the job took longer than the wall time-out and the
	// worker was killed.
	ErrTimeout = errors.New("took too long")
	// ErrCrashed means the worker died for another reason (a fatal
	// runtime error, a signal).
	ErrCrashed = errors.New("crashed")
	// ErrClosed means the pool is closed.
	ErrClosed = errors.New("sandbox: pool closed")
)

// Error is the death of a worker while it ran a job: Err is one of the
// sentinels above, Limit the limit met ("512 MiB", "10s"; "" for a crash),
// Detail the worker's last words on standard error (a Go fatal error line)
// or its exit status.
type Error struct {
	Job    string
	Err    error
	Limit  string
	Detail string
}

// Error says what happened in words an end user can read, without the
// job's name: "parser ran out of memory (limit 512 MiB)".
func (e *Error) Error() string {
	switch e.Err {
	case ErrOutOfMemory:
		return fmt.Sprintf("parser ran out of memory (limit %s)", e.Limit)
	case ErrStackOverflow:
		return fmt.Sprintf("parser crashed (stack overflow, limit %s)", e.Limit)
	case ErrCPUTime:
		return fmt.Sprintf("parser used more than %s of CPU time (killed)", e.Limit)
	case ErrTimeout:
		return fmt.Sprintf("parser took longer than %s (killed)", e.Limit)
	}
	if e.Detail != "" {
		return fmt.Sprintf("parser crashed (%s)", e.Detail)
	}
	return "parser crashed"
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// JobError is an error the job itself returned, or a panic it raised, in a
// worker that lives on. Message is the error's text.
type JobError struct {
	Message string
	Panic   bool // the job panicked; the worker recovered
}

func (e *JobError) Error() string { return e.Message }

// Handler is a job run in a worker: it turns the input bytes into output
// bytes. It runs in the worker process only, one job at a time.
type Handler func(input []byte) ([]byte, error)

// formatBytes writes n bytes as "512 MiB" (or KiB, bytes).
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
