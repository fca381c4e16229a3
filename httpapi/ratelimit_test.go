package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/auth"
	"github.com/doctales/doctales/httpapi"
)

// postBody is a minimal valid communication; n makes it unique.
func postBody(n int) string {
	return fmt.Sprintf(`{"content":"message %d","sender":"a@example.com","subject":"s %d"}`, n, n)
}

// wantRateLimited checks a 429 answer: Retry-After in whole seconds from 1
// to maxSecs, code rate_limited, a message naming the limit and caller.
func wantRateLimited(t *testing.T, resp *http.Response, body string, maxSecs int, want ...string) int {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d %s, want 429", resp.StatusCode, body)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > maxSecs {
		t.Fatalf("Retry-After %q, want 1 to %d seconds", resp.Header.Get("Retry-After"), maxSecs)
	}
	var e httpapi.ErrorResponse
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != httpapi.CodeRateLimited {
		t.Fatalf("429 body %s: want code %q", body, httpapi.CodeRateLimited)
	}
	for _, w := range want {
		if !strings.Contains(e.Error, w) {
			t.Fatalf("429 message %q lacks %q", e.Error, w)
		}
	}
	return secs
}

// TestRateLimit_PerKey: a key with a small ingest and read rate gets 429
// with Retry-After after its burst, another key is unaffected, and the
// first key may go on once Retry-After has passed.
func TestRateLimit_PerKey(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) {
		h.RateLimits = httpapi.RateLimits{IngestPerSecond: 2, IngestBurst: 3, ReadPerSecond: 2, ReadBurst: 3}
	})
	idA, keyA := f.mustKey(t, "ana", doctales.ScopeIngest, doctales.ScopeRead)
	_, keyB := f.mustKey(t, "bob", doctales.ScopeIngest, doctales.ScopeRead)
	post := func(key string, n int) (*http.Response, string) {
		hdr := bearer(key)
		hdr["Content-Type"] = "application/json"
		return send(t, "POST", f.srv.URL+"/communications", postBody(n), hdr)
	}

	t.Run("Ingest", func(t *testing.T) {
		for i := range 3 {
			if resp, body := post(keyA, i); resp.StatusCode != 202 {
				t.Fatalf("post %d within the burst = %d %s", i, resp.StatusCode, body)
			}
		}
		resp, body := post(keyA, 3)
		secs := wantRateLimited(t, resp, body, 1, "2 requests/s for ingest", "key "+idA)
		// Another key has its own bucket.
		for i := range 3 {
			if resp, body := post(keyB, 100+i); resp.StatusCode != 202 {
				t.Fatalf("key B post %d while A is limited = %d %s", i, resp.StatusCode, body)
			}
		}
		// Tokens come back: after Retry-After, A may post again.
		time.Sleep(time.Duration(secs) * time.Second)
		if resp, body := post(keyA, 4); resp.StatusCode != 202 {
			t.Fatalf("post after Retry-After = %d %s", resp.StatusCode, body)
		}
	})

	t.Run("Reads", func(t *testing.T) {
		for i := range 3 {
			if resp, body := send(t, "GET", f.srv.URL+"/communications", "", bearer(keyA)); resp.StatusCode != 200 {
				t.Fatalf("read %d within the burst = %d %s", i, resp.StatusCode, body)
			}
		}
		resp, body := send(t, "GET", f.srv.URL+"/people", "", bearer(keyA))
		secs := wantRateLimited(t, resp, body, 1, "2 requests/s for reads", "key "+idA)
		if resp, body := send(t, "GET", f.srv.URL+"/communications", "", bearer(keyB)); resp.StatusCode != 200 {
			t.Fatalf("key B read while A is limited = %d %s", resp.StatusCode, body)
		}
		// Probes are never limited.
		if resp, _ := send(t, "GET", f.srv.URL+"/healthz", "", nil); resp.StatusCode != 200 {
			t.Fatalf("/healthz while limited = %d", resp.StatusCode)
		}
		time.Sleep(time.Duration(secs) * time.Second)
		if resp, body := send(t, "GET", f.srv.URL+"/communications", "", bearer(keyA)); resp.StatusCode != 200 {
			t.Fatalf("read after Retry-After = %d %s", resp.StatusCode, body)
		}
	})
}

// mustUser adds a user with a password.
func mustUser(t *testing.T, f *authFixture, name, password string) {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.AddUser(context.Background(), name, hash); err != nil {
		t.Fatal(err)
	}
}

// signInFrom posts a sign-in from a client address, in process (httptest
// servers are all 127.0.0.1).
func signInFrom(h http.Handler, ip, user, password string) *httptest.ResponseRecorder {
	b, _ := json.Marshal(map[string]string{"user": user, "password": password})
	req := httptest.NewRequest("POST", "http://127.0.0.1/auth/session", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = ip + ":1234"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestRateLimit_SignIn: failed sign-ins are limited per client address
// and per user name, so guessing is slowed even from many addresses; a
// right password within the limit is not charged.
func TestRateLimit_SignIn(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) {
		h.RateLimits = httpapi.RateLimits{SignInPerMinute: 7}
	})
	f.h.AuditLog = f.db
	mustUser(t, f, "ana", "right password")
	mustUser(t, f, "bob", "bob password")
	result := func(w *httptest.ResponseRecorder) (*http.Response, string) { return w.Result(), w.Body.String() }

	// Successful sign-ins give their token back: ten in a row pass.
	for i := range 10 {
		if w := signInFrom(f.h, "192.0.2.1", "ana", "right password"); w.Code != 200 {
			t.Fatalf("right password %d = %d %s", i, w.Code, w.Body)
		}
	}
	// Per address: seven wrong guesses, then 429 even with the right one.
	for i := range 7 {
		if w := signInFrom(f.h, "192.0.2.2", "ana", fmt.Sprint("guess", i)); w.Code != 401 {
			t.Fatalf("guess %d = %d %s", i, w.Code, w.Body)
		}
	}
	resp, body := result(signInFrom(f.h, "192.0.2.2", "ana", "right password"))
	wantRateLimited(t, resp, body, 9, "7 attempts/min for sign-in", "ip 192.0.2.2")

	// Per user name: guesses spread over addresses still run out (ana has
	// 7 failures already, from 192.0.2.2).
	resp, body = result(signInFrom(f.h, "192.0.2.3", "ana", "guess from elsewhere"))
	wantRateLimited(t, resp, body, 9, "sign-in", "user ana")
	// Another user from a fresh address is not affected.
	if w := signInFrom(f.h, "192.0.2.4", "bob", "bob password"); w.Code != 200 {
		t.Fatalf("bob signs in = %d %s", w.Code, w.Body)
	}
	// Audited: 11 successes and 7 failures; the two 429s are not written,
	// so a flood of refused guesses cannot fill the audit log.
	es, err := f.db.AuditEntries(context.Background(), doctales.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, e := range es {
		if e.Outcome == doctales.EUNAUTHORIZED {
			failed++
		}
	}
	if len(es) != 18 || failed != 7 {
		t.Fatalf("%d audit rows (%d failed), want 18 (7 failed)", len(es), failed)
	}
}

// TestRateLimit_Bounded: many distinct callers never grow the bucket map
// past MaxBuckets.
func TestRateLimit_Bounded(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) {
		h.RateLimits = httpapi.RateLimits{ReadPerSecond: 1, ReadBurst: 1, SignInPerMinute: 1, MaxBuckets: 50}
	})
	mustUser(t, f, "ana", "right password")
	_, key := f.mustKey(t, "ana", doctales.ScopeRead)
	for i := range 500 {
		ip := fmt.Sprintf("10.0.%d.%d", i/250, i%250)
		signInFrom(f.h, ip, fmt.Sprint("user", i), "") // 400 after the limiters: no hash costs
		req := httptest.NewRequest("GET", "http://127.0.0.1/communications", nil)
		req.RemoteAddr = ip + ":1"
		req.Header.Set("Authorization", "Bearer "+key)
		f.h.ServeHTTP(httptest.NewRecorder(), req)
	}
	for name, n := range f.h.RateLimitBuckets() {
		if n > 50 {
			t.Errorf("limiter %s holds %d buckets, more than MaxBuckets 50", name, n)
		}
	}
	if n := f.h.RateLimitBuckets()["signInIP"]; n != 50 {
		t.Errorf("signInIP holds %d buckets after 500 addresses, want exactly 50 (the test did not fill it)", n)
	}
}

// TestLimiter_Eviction: the least recently used bucket goes first, and a
// bucket refills at its rate (injected clock).
func TestLimiter_Eviction(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := httpapi.NewLimiter("test", 10, 2, 3)
	l.Now = func() time.Time { return now }
	for _, k := range []string{"a", "a", "b", "c"} {
		if d := l.Allow(k); d != 0 {
			t.Fatalf("Allow(%s) = %v within the burst", k, d)
		}
	}
	if d := l.Allow("a"); d != 100*time.Millisecond {
		t.Fatalf("Allow(a) after its burst = %v, want 100ms", d)
	}
	l.Allow("d") // evicts b, the least recently used
	if l.Len() != 3 {
		t.Fatalf("Len = %d, want 3", l.Len())
	}
	if d := l.Allow("a"); d == 0 {
		t.Fatal("a was evicted instead of b")
	}
	now = now.Add(100 * time.Millisecond)
	if d := l.Allow("a"); d != 0 {
		t.Fatalf("Allow(a) after 100ms = %v, want a token", d)
	}
	// A long name is cut: two names equal in their first
	// MaxRateKeyBytes share a bucket, and no more is kept.
	long := strings.Repeat("u", httpapi.MaxRateKeyBytes)
	l.Allow(long + "1")
	l.Allow(long + "2")
	if d := l.Allow(long + "3"); d == 0 {
		t.Fatal("names longer than MaxRateKeyBytes have buckets of their own")
	}
	if l := httpapi.NewLimiter("off", 0, 10, 0); l != nil || l.Allow("x") != 0 {
		t.Fatal("a zero rate does not switch the limit off")
	}
}

// TestRateLimit_OpenLoopback: with the default limits, open mode from
// loopback takes a burst of 2,000 concurrent posts (what doctales bench
// sends), while open mode from another address is limited by address.
func TestRateLimit_OpenLoopback(t *testing.T) {
	f := mustAuthServer(t, func(h *httpapi.Handler) { h.RateLimits = httpapi.DefaultRateLimits() })
	const n = 2000
	var wg sync.WaitGroup
	var refused atomic.Int64
	next := atomic.Int64{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				resp, err := http.Post(f.srv.URL+"/communications", "application/json", strings.NewReader(postBody(i)))
				if err != nil {
					refused.Add(1)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 202 {
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if r := refused.Load(); r != 0 {
		t.Fatalf("%d of %d loopback posts in open mode refused", r, n)
	}

	// From another address, open mode counts by address.
	g := mustAuthServer(t, func(h *httpapi.Handler) {
		h.RateLimits = httpapi.RateLimits{IngestPerSecond: 1, IngestBurst: 2}
	})
	codes := []int{}
	for i := range 3 {
		req := httptest.NewRequest("POST", "http://127.0.0.1/communications", strings.NewReader(postBody(i)))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "192.0.2.9:5555"
		w := httptest.NewRecorder()
		g.h.ServeHTTP(w, req)
		codes = append(codes, w.Code)
		if w.Code == 429 && !strings.Contains(w.Body.String(), "ip 192.0.2.9") {
			t.Fatalf("429 body %s does not name the address", w.Body)
		}
	}
	if fmt.Sprint(codes) != "[202 202 429]" {
		t.Fatalf("open mode from 192.0.2.9: codes %v, want [202 202 429]", codes)
	}
}

// refusingLimiter is a RateLimiter that refuses every caller with a fixed
// wait and records what it was asked.
type refusingLimiter struct {
	wait  time.Duration
	mu    sync.Mutex
	taken []string
}

func (l *refusingLimiter) Take(_ context.Context, caller string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.taken = append(l.taken, caller)
	return l.wait
}

func (l *refusingLimiter) GiveBack(context.Context, string) {}

// TestRateLimit_Pluggable: Handler.RateLimiterFor builds each limit's
// RateLimiter (a cluster's are in PostgreSQL) from the RateLimits, with
// a distinct ID per limit, zero-rate limits left off; a refusal it makes
// is the in-memory limiter's 429: Retry-After rounded up to whole
// seconds, the message naming the limit and the caller.
func TestRateLimit_Pluggable(t *testing.T) {
	built := map[string]httpapi.RateLimit{}
	reads := &refusingLimiter{wait: 2500 * time.Millisecond}
	f := mustAuthServer(t, func(h *httpapi.Handler) {
		h.RateLimits = httpapi.RateLimits{IngestPerSecond: 0, ReadPerSecond: 5, ReadBurst: 20, SignInPerMinute: 6}
		h.RateLimiterFor = func(l httpapi.RateLimit) httpapi.RateLimiter {
			built[l.ID] = l
			if l.ID == "reads" {
				return reads
			}
			return httpapi.NewMemoryRateLimiter(l)
		}
	})
	if _, ok := built["ingest"]; ok || len(built) != 3 {
		t.Fatalf("built %v: want reads, sign-in-user and sign-in-ip (ingest is off)", built)
	}
	if r := built["reads"]; r.Name != "reads" || r.PerSecond != 5 || r.Burst != 20 {
		t.Fatalf("reads built as %+v", r)
	}
	if s := built["sign-in-user"]; s.Name != "sign-in" || s.Burst != 6 || !s.PerMinute || s.PerSecond != 0.1 {
		t.Fatalf("sign-in-user built as %+v", s)
	}
	id, key := f.mustKey(t, "ana", doctales.ScopeRead)
	resp, body := send(t, "GET", f.srv.URL+"/communications", "", bearer(key))
	if secs := wantRateLimited(t, resp, body, 3, "5 requests/s for reads", "key "+id); secs != 3 {
		t.Fatalf("Retry-After %d for a wait of 2.5 s, want 3", secs)
	}
	if len(reads.taken) != 1 || reads.taken[0] != "key "+id {
		t.Fatalf("the plugged limiter was asked %q, want once for key %s", reads.taken, id)
	}
}
