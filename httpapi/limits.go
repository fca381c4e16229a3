package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doctales/doctales"
)

// Default limits of the HTTP edge (issue 10).
const (
	// DefaultMaxParseMemory is the memory budget of raw uploads and
	// document parses in flight, in bytes (512 MiB). Each raw request
	// reserves an estimate of what it will hold (see
	// DefaultParseMemoryFactor) before its body is read and keeps it
	// until it is parsed and stored; one that cannot have it within
	// DefaultParseMemoryWait is answered 503 with Retry-After. Without it,
	// 16 concurrent 30 MB DOCX uploads reached 2.0 GB RSS.
	DefaultMaxParseMemory = 512 << 20

	// DefaultParseMemoryFactor is what a raw request reserves per byte of
	// its body: the body itself, the decompressed DOCX entry or decoded
	// MIME parts, the extracted text and the stored copy. Measured with
	// TestMemoryBudget (cmd/doctales): one 30 MB DOCX whose text part is
	// stored uncompressed raised the server's peak RSS by 112 MiB, 3.7
	// times its size; 32 of them at once without a budget by 3.7 GiB.
	DefaultParseMemoryFactor = 4

	// DefaultParseMemoryWait is how long a raw request waits for its share
	// of the budget before it is refused with 503 (2 s): long enough to
	// ride out a short burst, short enough that a client is told to retry
	// rather than left hanging.
	DefaultParseMemoryWait = 2 * time.Second

	// DefaultMinUploadBytesPerSecond is the slowest a raw upload body may
	// arrive, in bytes per second (128 KiB/s): a raw request's read
	// deadline is the server's read time-out plus its size at this rate,
	// so a 32 MiB document has 4m16s more, while a client that trickles
	// or stalls is cut off.
	DefaultMinUploadBytesPerSecond = 128 << 10

	// DefaultMaxQueryValueBytes is the longest query parameter value, in
	// bytes (4 KiB): far more than any filter, cursor or search needs, and
	// short enough that no value reaches the database as an oversized
	// pattern (a 100 KB ?q= answered 500).
	DefaultMaxQueryValueBytes = 4 << 10
)

// MemoryBudget is a weighted semaphore over bytes: the memory that raw
// uploads and document parses may hold at once. Reservations larger than
// the whole budget are cut to it, so that one request of the largest
// allowed size can always run alone. It is safe for concurrent use; the
// zero value is not usable, use NewMemoryBudget.
type MemoryBudget struct {
	mu      sync.Mutex
	inUse   int64         // bytes reserved now
	changed chan struct{} // closed and replaced on every release

	peak     atomic.Int64 // the most bytes reserved at once
	admitted atomic.Int64 // reservations granted
	rejected atomic.Int64 // reservations refused (503)

	// Size is the budget, in bytes.
	Size int64
}

// NewMemoryBudget returns a budget of size bytes; size <= 0 means
// DefaultMaxParseMemory.
func NewMemoryBudget(size int64) *MemoryBudget {
	if size <= 0 {
		size = DefaultMaxParseMemory
	}
	return &MemoryBudget{Size: size, changed: make(chan struct{})}
}

// ErrBudgetExhausted is returned by [MemoryBudget.Acquire] when the bytes
// asked for did not become free in time.
var ErrBudgetExhausted = errors.New("memory budget exhausted")

// Acquire reserves n bytes (at most Size), waiting up to wait for them to
// become free, and returns the function that gives them back; call it
// exactly once. It returns ErrBudgetExhausted after wait, or ctx's error.
// Waiters are not served in order: a small reservation may pass a large
// one, which then waits out its time and is refused.
func (b *MemoryBudget) Acquire(ctx context.Context, n int64, wait time.Duration) (release func(), err error) {
	n = min(max(n, 1), b.Size)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.inUse+n <= b.Size {
			b.inUse += n
			if b.inUse > b.peak.Load() {
				b.peak.Store(b.inUse)
			}
			b.mu.Unlock()
			b.admitted.Add(1)
			var once sync.Once
			return func() { once.Do(func() { b.release(n) }) }, nil
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			b.rejected.Add(1)
			return nil, ErrBudgetExhausted
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// release gives back n bytes and wakes the waiters.
func (b *MemoryBudget) release(n int64) {
	b.mu.Lock()
	b.inUse -= n
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// BudgetStats is a snapshot of a [MemoryBudget], as GET /stats shows it
// under "parseMemory".
type BudgetStats struct {
	SizeBytes  int64 `json:"sizeBytes"`  // the budget
	InUseBytes int64 `json:"inUseBytes"` // reserved now
	PeakBytes  int64 `json:"peakBytes"`  // the most reserved at once since start
	Admitted   int64 `json:"admitted"`   // requests that got their reservation
	Rejected   int64 `json:"rejected"`   // requests refused with 503
}

// Stats returns the budget's counters.
func (b *MemoryBudget) Stats() BudgetStats {
	b.mu.Lock()
	inUse := b.inUse
	b.mu.Unlock()
	return BudgetStats{SizeBytes: b.Size, InUseBytes: inUse, PeakBytes: b.peak.Load(),
		Admitted: b.admitted.Load(), Rejected: b.rejected.Load()}
}

// reserveParseMemory reserves the memory a raw request whose body may be
// up to limit bytes will hold, before the body is read. It also moves the
// connection's read deadline to fit a body of that size (see
// Handler.ReadTimeout). The error is EOVERLOADED (503 with Retry-After)
// when the budget is not free in time, ETOOLARGE when the declared length
// is already over limit.
func (h *Handler) reserveParseMemory(w http.ResponseWriter, r *http.Request, limit int64) (release func(), err error) {
	n := limit
	if r.ContentLength > limit {
		return nil, doctales.FieldErrorf(doctales.ETOOLARGE, "body",
			"request body is %d bytes; the limit is %d bytes", r.ContentLength, limit)
	} else if r.ContentLength >= 0 {
		n = r.ContentLength
	}
	factor := h.ParseMemoryFactor
	if factor <= 0 {
		factor = DefaultParseMemoryFactor
	}
	wait := h.ParseMemoryWait
	if wait <= 0 {
		wait = DefaultParseMemoryWait
	}
	release, err = h.ParseMemory.Acquire(r.Context(), n*factor, wait)
	if errors.Is(err, ErrBudgetExhausted) {
		return nil, doctales.Errorf(doctales.EOVERLOADED,
			"the server is parsing as many uploads as its memory budget allows (maxParseMemory %d bytes); retry later", h.ParseMemory.Size)
	} else if err != nil {
		return nil, err
	}
	h.extendReadDeadline(w, n)
	return release, nil
}

// extendReadDeadline gives a request body of n bytes the time it needs at
// MinUploadBytesPerSecond on top of ReadTimeout. Without a ReadTimeout
// there is no deadline to extend.
func (h *Handler) extendReadDeadline(w http.ResponseWriter, n int64) {
	if h.ReadTimeout <= 0 {
		return
	}
	rate := h.MinUploadBytesPerSecond
	if rate <= 0 {
		rate = DefaultMinUploadBytesPerSecond
	}
	extra := time.Duration(float64(n) / float64(rate) * float64(time.Second))
	// An error means the writer cannot set deadlines (a test recorder):
	// the server's own ReadTimeout then stays.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.ReadTimeout + extra))
}

// checkQuery refuses a request with a query parameter longer than
// MaxQueryValueBytes, naming the parameter.
func (h *Handler) checkQuery(r *http.Request) error {
	limit := h.MaxQueryValueBytes
	if limit <= 0 {
		limit = DefaultMaxQueryValueBytes
	}
	if len(r.URL.RawQuery) <= limit {
		return nil
	}
	for name, vs := range r.URL.Query() {
		if len(name) > limit {
			return doctales.FieldErrorf(doctales.ETOOLARGE, "query",
				"a query parameter name is %d bytes; the limit is %d", len(name), limit)
		}
		for _, v := range vs {
			if len(v) > limit {
				return doctales.FieldErrorf(doctales.ETOOLARGE, name,
					"query parameter %s is %d bytes; the limit is %d", name, len(v), limit)
			}
		}
	}
	return nil
}

// pathID returns the {id} path value of r, checked with doctales.ValidateID.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	return id, doctales.ValidateID("id", id)
}

// quoteCut quotes s for an error message, cut to 64 characters.
func quoteCut(s string) string {
	const n = 64
	if len(s) <= n {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:min(n, len(r))])) + "…"
}
