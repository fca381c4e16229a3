// Package sandbox runs work that may crash, hang or exhaust memory in a
// child process of the same binary, so that it cannot take the caller down.
// Doc-Tales uses it for document text extraction (PDF, DOCX, HTML), where a
// third-party parser given a hostile file can die of a fatal runtime error
// that recover() cannot catch (out of memory, stack overflow) or spin for
// ever on a reference loop (issue 10):
//
//	POST /communications ─► ingest.Parser ─► sandbox.Pool.Run ─► worker process ─► ingest.ExtractDocument
//
// Workers run on Linux only ([Supported]), where the limits below exist;
// elsewhere [Pool.Open] fails and callers read in process.
//
// # Workers
//
// A [Pool] starts up to [Pool.Size] worker processes: the program's own
// executable (os.Executable) started again with the environment variable
// [WorkerEnv] set. The program must call [Main] first thing in main (and a
// test binary in TestMain); in a worker, Main serves jobs on its standard
// input and output and never returns. A worker is reused from job to job;
// one that dies or is killed is replaced by a new one on the next job.
//
// Each worker runs under limits it sets on itself at start, before it
// reads its first job:
//
//   - memory: RLIMIT_DATA (the writable private mappings, which is where the
//     Go heap lives) of [Pool.MemoryBytes] above what the worker uses at start,
//     and debug.SetMemoryLimit at three quarters of it, so the collector works
//     hard before the hard limit is met. RLIMIT_AS is not used: the Go runtime
//     reserves large ranges of address space it never touches, so an
//     address-space limit fails at start or not at all;
//   - stack: debug.SetMaxStack of [Pool.MaxStackBytes] (64 MiB), so a runaway
//     recursion ends quickly instead of growing a 1 GB stack;
//   - CPU: before each job RLIMIT_CPU's soft limit is set to the CPU time used
//     so far plus [Pool.CPUTime]; the SIGXCPU that follows a breach ends the
//     worker with a distinct exit status;
//   - one thread of Go code (GOMAXPROCS=1): a job uses at most about one core.
//
// The parent enforces the wall time-out ([Pool.Timeout]) and kills the
// worker with SIGKILL when it passes or when the caller's context ends.
// On Linux the worker also gets SIGKILL when the parent dies (Pdeathsig),
// and it exits by itself when its standard input closes.
//
// # Errors
//
// [Pool.Run] returns the job's own error as a *[JobError] (the worker lives
// on), and a worker's death as an *[Error] that wraps one of the sentinels
// [ErrOutOfMemory], [ErrStackOverflow], [ErrCPUTime], [ErrTimeout] or
// [ErrCrashed] and says which limit was met, such as "parser ran out of
// memory (limit 512 MiB)".
//
// # Protocol
//
// Requests and answers are frames on the worker's standard input and
// output: a 4-byte big-endian length, then a gob-encoded [request] or
// [response]. The worker's os.Stdout is redirected to its standard error
// at start, so a library that prints cannot corrupt the stream; the parent
// keeps the last few KiB of that standard error to explain a crash.
package sandbox
