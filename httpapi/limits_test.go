package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales/httpapi"
)

func TestMemoryBudget_Acquire(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		b := httpapi.NewMemoryBudget(100)
		r1, err := b.Acquire(t.Context(), 60, 0)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := b.Acquire(t.Context(), 40, 0)
		if err != nil {
			t.Fatal(err)
		}
		if st := b.Stats(); st.InUseBytes != 100 || st.PeakBytes != 100 || st.Admitted != 2 {
			t.Fatalf("stats = %+v", st)
		}
		r1()
		r1() // a second call is a no-op
		r2()
		if st := b.Stats(); st.InUseBytes != 0 {
			t.Fatalf("in use after release: %+v", st)
		}
	})
	t.Run("ErrBudgetExhausted", func(t *testing.T) {
		b := httpapi.NewMemoryBudget(100)
		release, _ := b.Acquire(t.Context(), 80, 0)
		defer release()
		start := time.Now()
		if _, err := b.Acquire(t.Context(), 30, 50*time.Millisecond); !errors.Is(err, httpapi.ErrBudgetExhausted) {
			t.Fatalf("err = %v, want ErrBudgetExhausted", err)
		}
		if d := time.Since(start); d < 50*time.Millisecond || d > time.Second {
			t.Fatalf("waited %s, want about 50ms", d)
		}
		if st := b.Stats(); st.Rejected != 1 {
			t.Fatalf("stats = %+v", st)
		}
	})
	t.Run("WaitsForRelease", func(t *testing.T) {
		b := httpapi.NewMemoryBudget(100)
		release, _ := b.Acquire(t.Context(), 80, 0)
		time.AfterFunc(20*time.Millisecond, release)
		r, err := b.Acquire(t.Context(), 30, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		r()
	})
	t.Run("LargerThanBudget", func(t *testing.T) {
		// Cut to the budget: one request of the largest size runs alone.
		b := httpapi.NewMemoryBudget(100)
		r, err := b.Acquire(t.Context(), 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if st := b.Stats(); st.InUseBytes != 100 {
			t.Fatalf("stats = %+v", st)
		}
		r()
	})
	t.Run("ContextCanceled", func(t *testing.T) {
		b := httpapi.NewMemoryBudget(100)
		release, _ := b.Acquire(t.Context(), 100, 0)
		defer release()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := b.Acquire(ctx, 1, time.Second); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestHandler_ParseMemory: with the budget taken, a raw upload is refused
// with 503, Retry-After and EOVERLOADED naming the budget, before its body
// is read; JSON posts do not take from the budget.
func TestHandler_ParseMemory(t *testing.T) {
	budget := httpapi.NewMemoryBudget(1 << 20)
	h := &httpapi.Handler{ParseMemory: budget, ParseMemoryWait: 10 * time.Millisecond}
	h.Init()
	release, _ := budget.Acquire(t.Context(), 1<<20, 0)
	defer release()

	var read atomic.Int64
	req, _ := http.NewRequest("POST", "/communications?name=a.pdf", countingReader{strings.NewReader("%PDF-1.7 " + strings.Repeat("x", 100_000)), &read})
	req.Header.Set("Content-Type", "application/pdf")
	req.ContentLength = 100_009
	w := &recorder{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.code != 503 || w.header.Get("Retry-After") == "" || !strings.Contains(w.body.String(), `"code":"overloaded"`) ||
		!strings.Contains(w.body.String(), "maxParseMemory 1048576 bytes") {
		t.Fatalf("answer %d %v %s; want 503 with Retry-After naming maxParseMemory", w.code, w.header, w.body.String())
	}
	if read.Load() != 0 {
		t.Fatalf("%d bytes of the body read before the refusal", read.Load())
	}
	if st := budget.Stats(); st.Rejected != 1 {
		t.Fatalf("stats = %+v", st)
	}

	// Over the document limit by Content-Length: 413 at once.
	req, _ = http.NewRequest("POST", "/communications", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/pdf")
	req.ContentLength = 1 << 40
	w = &recorder{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.code != 413 {
		t.Fatalf("declared 1 TiB: %d %s", w.code, w.body.String())
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
