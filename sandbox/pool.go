package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Pool runs jobs in a small set of reused worker processes. Create it
// with [NewPool], set the fields, call [Pool.Open], run jobs with
// [Pool.Run] from any number of goroutines, and [Pool.Close] it to kill
// the workers.
type Pool struct {
	slots  chan struct{} // one per job running; len is the busy count
	mu     sync.Mutex    // guards the fields below
	idle   []*worker     // workers waiting for a job
	live   map[*worker]struct{}
	closed bool

	// Path is the executable to start; "" means os.Executable(), this
	// program.
	Path string
	// Args are the arguments after the program name, shown by ps (the
	// worker is selected by WorkerEnv, not by them). Default
	// ["sandbox-worker"].
	Args []string
	// Env is added to the worker's environment, after this process's.
	Env []string

	// Size is the most workers, so the most jobs at once; a job waits for a
	// free worker until its context ends. Zero means DefaultSize().
	Size int
	// MemoryBytes is the memory a worker may use beyond its start, in
	// bytes. Zero means DefaultMemoryBytes; negative means no limit.
	MemoryBytes int64
	// MaxStackBytes is the largest goroutine stack in a worker, in bytes.
	// Zero means DefaultMaxStackBytes.
	MaxStackBytes int64
	// CPUTime is the CPU time one job may use (rounded up to whole
	// seconds). Zero means DefaultCPUTime; negative means no limit.
	CPUTime time.Duration
	// Timeout is the wall time one job may take, from the moment a
	// worker takes it. Zero means DefaultTimeout; negative means none.
	Timeout time.Duration
	// MaxFrameBytes is the largest job input or output, in bytes. Zero
	// means DefaultMaxFrameBytes.
	MaxFrameBytes int

	// Logger receives a line for each worker death. Default slog.Default().
	Logger *slog.Logger
}

// NewPool returns a pool of this program with the default limits.
func NewPool() *Pool {
	return &Pool{
		Args:          []string{"sandbox-worker"},
		Size:          DefaultSize(),
		MemoryBytes:   DefaultMemoryBytes,
		MaxStackBytes: DefaultMaxStackBytes,
		CPUTime:       DefaultCPUTime,
		Timeout:       DefaultTimeout,
		MaxFrameBytes: DefaultMaxFrameBytes,
	}
}

// Open checks the settings and finds the executable. Workers start when
// the first jobs need them.
func (p *Pool) Open() error {
	if !Supported {
		return errUnsupported
	}
	switch {
	case p.Size < 0:
		return fmt.Errorf("sandbox: pool size %d is negative", p.Size)
	case p.MaxStackBytes < 0:
		return fmt.Errorf("sandbox: max stack %d bytes is negative", p.MaxStackBytes)
	case p.MaxFrameBytes < 0:
		return fmt.Errorf("sandbox: max frame %d bytes is negative", p.MaxFrameBytes)
	}
	if p.Size == 0 {
		p.Size = DefaultSize()
	}
	if p.MemoryBytes == 0 {
		p.MemoryBytes = DefaultMemoryBytes
	}
	if p.MaxStackBytes == 0 {
		p.MaxStackBytes = DefaultMaxStackBytes
	}
	// Growing a stack copies it to one twice the size: a stack limit
	// over a quarter of the memory limit would run out of memory first
	// (and a Go runtime out of memory mid-copy may die of SIGSEGV
	// instead of saying so).
	if p.MemoryBytes > 0 && p.MaxStackBytes > p.MemoryBytes/4 {
		p.MaxStackBytes = p.MemoryBytes / 4
	}
	if p.CPUTime == 0 {
		p.CPUTime = DefaultCPUTime
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
	}
	if p.MaxFrameBytes == 0 {
		p.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.Path == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("sandbox: find this program: %w", err)
		}
		p.Path = exe
	}
	p.slots = make(chan struct{}, p.Size)
	p.live = map[*worker]struct{}{}
	return nil
}

// Run runs job on input in a worker and returns its output. It waits for
// a free worker until ctx ends. Errors: a *JobError when the job failed
// (the worker lives on); an *Error when the worker died or was killed
// (out of memory, stack overflow, CPU time, wall time-out, a crash; the
// worker is replaced on the next job); ctx.Err() when ctx ended first
// (a worker running the job is killed); ErrClosed after Close. Safe for
// concurrent use.
func (p *Pool) Run(ctx context.Context, job string, input []byte) ([]byte, error) {
	if p.slots == nil {
		return nil, errors.New("sandbox: pool not open")
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.slots }()

	w, err := p.take()
	if err != nil {
		return nil, err
	}
	cpu := int64(0)
	if p.CPUTime > 0 {
		cpu = int64((p.CPUTime + time.Second - 1) / time.Second)
	}
	out, err := w.run(ctx, &request{Job: job, Input: input, CPUSeconds: cpu}, p.Timeout)
	if w.dead() {
		p.drop(w)
		var e *Error
		if errors.As(err, &e) {
			e.Job = job
			p.Logger.Warn("sandbox worker died", "job", job, "pid", w.pid(), "reason", e.Error(), "detail", e.Detail)
		}
		if p.isClosed() {
			return nil, ErrClosed
		}
		return nil, err
	}
	p.put(w)
	return out, err
}

// take returns an idle worker, or starts one.
func (p *Pool) take() (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	w, err := p.start()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.kill()
		return nil, ErrClosed
	}
	p.live[w] = struct{}{}
	return w, nil
}

// put returns a worker to the idle list.
func (p *Pool) put(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.kill()
		return
	}
	p.idle = append(p.idle, w)
}

// drop forgets a dead worker.
func (p *Pool) drop(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.live, w)
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// PIDs returns the process ids of the live workers, idle or busy.
func (p *Pool) PIDs() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	for w := range p.live {
		pids = append(pids, w.pid())
	}
	return pids
}

// Close kills every worker, idle or busy, and waits for them to exit;
// jobs running get ErrClosed. It tolerates a second call.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	ws := make([]*worker, 0, len(p.live))
	for w := range p.live {
		ws = append(ws, w)
	}
	p.live = map[*worker]struct{}{}
	p.idle = nil
	p.mu.Unlock()
	for _, w := range ws {
		w.kill()
	}
	return nil
}

// start starts a worker and waits for its ready frame.
func (p *Pool) start() (*worker, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("sandbox: pipe: %w", err)
	}
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env = append(os.Environ(), p.Env...)
	// One thread of Go code: a job takes about one core at most.
	cmd.Env = append(cmd.Env, "GOMAXPROCS=1",
		limits{MemoryBytes: max(p.MemoryBytes, 0), MaxStackBytes: p.MaxStackBytes, MaxFrameBytes: p.MaxFrameBytes}.env())
	cmd.Stdin, cmd.Stdout = inR, outW
	w := &worker{cmd: cmd, in: inW, out: bufio.NewReader(outR), outFile: outR, done: make(chan struct{}),
		memLimit: p.MemoryBytes, stackLimit: p.MaxStackBytes, cpuLimit: p.CPUTime, maxFrame: p.MaxFrameBytes}
	cmd.Stderr = &w.stderr
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("sandbox: start %s: %w", p.Path, err)
	}
	inR.Close()
	outW.Close()
	go func() {
		_ = cmd.Wait()
		close(w.done)
	}()
	// The ready frame: the limits are in force.
	ready := make(chan error, 1)
	go func() {
		var r response
		ready <- readFrame(w.out, &r, p.MaxFrameBytes)
	}()
	select {
	case err = <-ready:
	case <-time.After(10 * time.Second):
		err = errors.New("no ready answer in 10s")
	}
	if err != nil {
		w.kill()
		return nil, fmt.Errorf("sandbox: worker %s did not start: %v (%s)", p.Path, err, w.lastWords())
	}
	return w, nil
}

// worker is one child process.
type worker struct {
	cmd     *exec.Cmd
	in      *os.File      // the worker's standard input
	out     *bufio.Reader // its protocol output
	outFile *os.File
	stderr  tail          // the end of its standard error
	done    chan struct{} // closed when it has exited

	mu        sync.Mutex
	killedFor error // why the parent killed it (ErrTimeout, ErrClosed, ctx.Err()); guarded by mu

	memLimit, stackLimit int64
	cpuLimit             time.Duration
	maxFrame             int
}

func (w *worker) pid() int { return w.cmd.Process.Pid }

// dead reports whether the worker has exited or is being killed.
func (w *worker) dead() bool {
	select {
	case <-w.done:
		return true
	default:
		return w.killReason() != nil
	}
}

// markKilled records why the worker is being killed, unless a reason is
// already recorded.
func (w *worker) markKilled(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.killedFor == nil {
		w.killedFor = err
	}
}

func (w *worker) killReason() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.killedFor
}

// kill kills the worker and waits until it has exited.
func (w *worker) kill() {
	w.markKilled(ErrClosed)
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	w.in.Close()
	<-w.done
	w.outFile.Close()
}

// run sends one request and waits for the answer, the time-out or ctx.
func (w *worker) run(ctx context.Context, req *request, timeout time.Duration) ([]byte, error) {
	type result struct {
		resp response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		if err := writeFrame(w.in, req, w.maxFrame); err != nil {
			done <- result{err: err}
			return
		}
		var r result
		r.err = readFrame(w.out, &r.resp, w.maxFrame)
		done <- r
	}()
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	var r result
	select {
	case r = <-done:
	case <-expire:
		w.markKilled(ErrTimeout)
		w.kill()
		<-done
		return nil, &Error{Err: ErrTimeout, Limit: timeout.String()}
	case <-ctx.Done():
		w.markKilled(ctx.Err())
		w.kill()
		<-done
		return nil, ctx.Err()
	}
	if r.err != nil {
		// The worker died (or broke the protocol): wait for its exit and
		// say why.
		_ = w.cmd.Process.Signal(syscall.SIGKILL)
		select {
		case <-w.done:
		case <-time.After(5 * time.Second):
		}
		w.markKilled(ErrCrashed)
		w.in.Close()
		w.outFile.Close()
		return nil, w.why(r.err)
	}
	if r.resp.Failed {
		return nil, &JobError{Message: r.resp.Err, Panic: r.resp.Panic}
	}
	return r.resp.Output, nil
}

// why explains the death of the worker from its last words and its exit.
func (w *worker) why(ioErr error) *Error {
	words := w.stderr.String()
	st := w.cmd.ProcessState
	switch {
	case strings.Contains(words, "stack overflow") || strings.Contains(words, "stack exceeds"):
		return &Error{Err: ErrStackOverflow, Limit: formatBytes(w.stackLimit), Detail: w.lastWords()}
	case strings.Contains(words, "out of memory") || strings.Contains(words, "cannot allocate memory"):
		return &Error{Err: ErrOutOfMemory, Limit: formatBytes(w.memLimit), Detail: w.lastWords()}
	case st != nil && (st.ExitCode() == exitCPUTime || killedByCPULimit(st)):
		return &Error{Err: ErrCPUTime, Limit: w.cpuLimit.String(), Detail: w.lastWords()}
	}
	detail := w.lastWords()
	if detail == "" && st != nil {
		detail = st.String()
	}
	if detail == "" {
		detail = ioErr.Error()
	}
	return &Error{Err: ErrCrashed, Detail: detail}
}

// lastWords returns the most telling line of the worker's standard error:
// a Go "fatal error:" or "panic:" line, or a signal ("SIGSEGV:
// segmentation violation"), else the last line.
func (w *worker) lastWords() string {
	lines := strings.Split(strings.TrimSpace(w.stderr.String()), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "SIG") {
			return cutLine(l)
		}
	}
	return cutLine(lines[len(lines)-1])
}

func cutLine(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// tail keeps the first and the last bytes written to it: a Go crash
// report starts with the reason and ends with goroutine dumps.
type tail struct {
	mu    sync.Mutex
	head  []byte
	end   []byte
	total int64
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(b)
	t.total += int64(n)
	if room := stderrTailBytes - len(t.head); room > 0 {
		k := min(room, len(b))
		t.head = append(t.head, b[:k]...)
		b = b[k:]
	}
	t.end = append(t.end, b...)
	if len(t.end) > stderrTailBytes {
		t.end = append(t.end[:0], t.end[len(t.end)-stderrTailBytes:]...)
	}
	return n, nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.head) + "\n" + string(t.end)
}

var _ io.Writer = (*tail)(nil)
