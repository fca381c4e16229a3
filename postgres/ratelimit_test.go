package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales/httpapi"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/postgres"
)

// rlClock is a settable clock for the windows.
type rlClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rlClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *rlClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// twoLimiters opens two DBs on one database (as two api processes would)
// and returns one limiter of the same limit on each: burst requests per
// window of burst/perSecond seconds.
func twoLimiters(t *testing.T, now func() time.Time, perSecond float64, burst int) (a, b *postgres.RateLimiter, rlA, rlB *postgres.RateLimits) {
	t.Helper()
	dsn := testutil.PostgresDSN(t)
	rlA = &postgres.RateLimits{DB: mustOpenDSN(t, dsn, postgres.Options{}), Now: now}
	rlB = &postgres.RateLimits{DB: mustOpenDSN(t, dsn, postgres.Options{}), Now: now}
	fallback := func() postgres.RateCounter { return httpapi.NewLimiter("test", perSecond, burst, 0) }
	return rlA.Limiter("test", perSecond, burst, fallback()), rlB.Limiter("test", perSecond, burst, fallback()), rlA, rlB
}

// TestRateLimiter_SharedWindow: two limiters on one database (two api
// processes) share the count: of the limit's 3 requests a minute taken
// alternately, the 4th, on either, is refused, with the wait until the
// sliding window allows one (the rest of this window and a third of the
// next); another caller and another limit name are counted apart; a
// given-back request may be taken again. Then the window slides: at the
// next window's start the previous one's 3 still weigh fully, and one
// request is allowed every 20 s (3 a minute), as the in-memory bucket
// refills (within the estimate's error); and Sweep deletes the windows no count reads any more.
func TestRateLimiter_SharedWindow(t *testing.T) {
	ctx := context.Background()
	// 10 s into a 60 s window (windows are numbered from the epoch).
	clock := &rlClock{t: time.Unix(1_800_000_000-1_800_000_000%60+10, 0)}
	a, b, rlA, _ := twoLimiters(t, clock.Now, 3.0/60, 3)
	if a.Window() != time.Minute {
		t.Fatalf("window of 3 at 3/min = %s, want 1m", a.Window())
	}
	take := func(l *postgres.RateLimiter, what string, want time.Duration) {
		t.Helper()
		if wait := l.Take(ctx, "key k1"); wait != want {
			t.Fatalf("%s: wait %s, want %s (0: allowed)", what, wait, want)
		}
	}
	for i, l := range []*postgres.RateLimiter{a, b, a} {
		take(l, fmt.Sprintf("request %d of 3", i+1), 0)
	}
	for _, l := range []*postgres.RateLimiter{b, a, b} {
		take(l, "a request past the limit", 70*time.Second)
	}
	if wait := b.Take(ctx, "key k2"); wait != 0 {
		t.Fatalf("another caller: refused (wait %s)", wait)
	}
	other := rlA.Limiter("other", 3.0/60, 3, httpapi.NewLimiter("other", 3.0/60, 3, 0))
	if wait := other.Take(ctx, "key k1"); wait != 0 {
		t.Fatalf("another limit: refused (wait %s)", wait)
	}

	// A sign-in that succeeded gives its request back, once.
	a.GiveBack(ctx, "key k1")
	take(b, "after a give-back", 0)
	take(a, "a second request after one give-back", 70*time.Second)

	// The window slides.
	clock.Add(50 * time.Second)
	take(b, "at the next window's start", 20*time.Second)
	for i := range 2 {
		clock.Add(20 * time.Second)
		take([]*postgres.RateLimiter{a, b}[i%2], fmt.Sprintf("%d s into the next window", 20*(i+1)), 0)
		take([]*postgres.RateLimiter{b, a}[i%2], fmt.Sprintf("a second request %d s into the next window", 20*(i+1)), 20*time.Second)
	}
	// The window after: its predecessor's 2 requests are taken as spread
	// over it, so the next one waits 30 s, not the 20 s a bucket would
	// say (the estimate's error, within one request).
	clock.Add(20 * time.Second)
	take(a, "at the third window's start", 0)
	take(b, "a second request at the third window's start", 30*time.Second)
	n, err := rlA.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // k1, k2 and other's k1 of the first window
		t.Fatalf("Sweep deleted %d windows, want 3", n)
	}
	var left int
	if err := rlA.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM rate_limit_windows`).Scan(&left); err != nil || left != 2 {
		t.Fatalf("after Sweep: %d windows (%v), want 2", left, err)
	}
}

// TestRateLimiter_Concurrent: 400 requests at once from 16 goroutines
// on two limiters of one database, limit 50: exactly 50 go.
func TestRateLimiter_Concurrent(t *testing.T) {
	clock := &rlClock{t: time.Unix(1_800_000_000-1_800_000_000%3600+1, 0)}
	a, b, _, _ := twoLimiters(t, clock.Now, 50.0/3600, 50)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		l := a
		if g%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if l.Take(context.Background(), "key burst") == 0 {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 50 {
		t.Fatalf("%d of 400 concurrent requests allowed, want the limit, 50", n)
	}
}

// TestRateLimiter_DatabaseClock: without Now, windows are numbered on the
// database's clock; a caller refused in a 1 s window is let through again
// as it slides (waited on, not slept).
func TestRateLimiter_DatabaseClock(t *testing.T) {
	ctx := context.Background()
	a, b, _, _ := twoLimiters(t, nil, 5, 5)
	var wait time.Duration
	for i := 0; wait == 0; i++ {
		if i > 10 {
			t.Fatal("11 requests in a window of 5 all allowed")
		}
		l := a
		if i%2 == 1 {
			l = b
		}
		wait = l.Take(ctx, "ip 192.0.2.1")
	}
	if wait <= 0 || wait > 2*time.Second {
		t.Fatalf("refused with wait %s, want within two 1 s windows", wait)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.Take(ctx, "ip 192.0.2.1") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("still refused 5 s later: the 1 s window did not slide")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRateLimiter_HostileCaller: a caller name of 4 KiB of invalid UTF-8
// (a sign-in's user name is the client's choice) is counted, cut to
// MaxRateCallerBytes: names equal in their first 128 bytes share a count.
func TestRateLimiter_HostileCaller(t *testing.T) {
	ctx := context.Background()
	clock := &rlClock{t: time.Unix(1_800_000_000, 0)}
	a, b, rl, _ := twoLimiters(t, clock.Now, 1.0/60, 1)
	name := "user " + strings.Repeat("\xff\x00", 2048)
	if wait := a.Take(ctx, name); wait != 0 {
		t.Fatalf("hostile name: refused (wait %s); logs a fallback? %d", wait, rl.Fallbacks())
	}
	if wait := b.Take(ctx, name[:postgres.MaxRateCallerBytes]+"other"); wait == 0 {
		t.Fatal("a name equal in its first 128 bytes was counted apart")
	}
	if rl.Fallbacks() != 0 {
		t.Fatalf("%d fallbacks: PostgreSQL refused the name", rl.Fallbacks())
	}
}

// syncBuffer is a log buffer safe for the sweep's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRateLimiter_Unreachable: with PostgreSQL gone (the pool closed), the
// limit is kept by the process's own limiter: the 3 of the limit go, the
// 4th is refused; one warning is logged, and Fallbacks counts every
// request. Once the retry interval has passed PostgreSQL is tried again.
func TestRateLimiter_Unreachable(t *testing.T) {
	ctx := context.Background()
	dsn := testutil.PostgresDSN(t)
	db := mustOpenDSN(t, dsn, postgres.Options{})
	var logs syncBuffer
	rl := &postgres.RateLimits{DB: db, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Retry: time.Hour}
	l := rl.Limiter("reads", 3.0/60, 3, httpapi.NewLimiter("reads", 3.0/60, 3, 0))
	if wait := l.Take(ctx, "key k"); wait != 0 || rl.Fallbacks() != 0 {
		t.Fatalf("PostgreSQL up: wait %s, %d fallbacks", wait, rl.Fallbacks())
	}
	_ = db.Close()
	for i := range 3 {
		if wait := l.Take(ctx, "key k"); wait != 0 {
			t.Fatalf("PostgreSQL gone, request %d of 3: refused (wait %s)", i+1, wait)
		}
	}
	if wait := l.Take(ctx, "key k"); wait == 0 {
		t.Fatal("PostgreSQL gone: the 4th request was allowed; the fallback limiter did not count")
	}
	if n := rl.Fallbacks(); n != 4 {
		t.Fatalf("Fallbacks = %d, want 4", n)
	}
	// The sweep started by the first Take may log its own warning (the
	// pool closed under it); only the fallback warnings are counted.
	const fallbackWarn = "counting in this process only"
	out := logs.String()
	if strings.Count(out, fallbackWarn) != 1 || !strings.Contains(out, "limit=reads") {
		t.Fatalf("want one warning naming the limit; logs:\n%s", out)
	}
	t.Log(strings.TrimSpace(out))

	// After Retry, PostgreSQL is tried again (and fails again here: one
	// more warning).
	rl2 := &postgres.RateLimits{DB: db, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Retry: time.Millisecond}
	l2 := rl2.Limiter("reads", 3.0/60, 3, httpapi.NewLimiter("reads", 3.0/60, 3, 0))
	l2.Take(ctx, "key k")
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(logs.String(), fallbackWarn) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL not tried again after Retry; logs:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
		l2.Take(ctx, "key k")
	}
}

// TestOpen_MigrationGap: a database migrated by a binary that had 0004
// (the rate limits) but not 0003 (the process registry, from a branch
// merged later) lacks version 3 below its highest; a binary that has both
// applies 0003 at open, and only once.
func TestOpen_MigrationGap(t *testing.T) {
	ctx := context.Background()
	db, dsn := mustOpen(t, postgres.Options{})
	for _, q := range []string{`DELETE FROM schema_migrations WHERE version = 3`, `DROP TABLE processes`} {
		if _, err := db.Pool().Exec(ctx, q); err != nil {
			t.Fatalf("make the gap: %s: %v", q, err)
		}
	}
	for range 2 {
		mustOpenDSN(t, dsn, postgres.Options{})
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = 3 AND name = '0003_process_registry.sql'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("schema_migrations rows of 0003: %d (%v), want 1", n, err)
	}
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM processes`).Scan(&n); err != nil {
		t.Fatalf("the gap's table was not made again: %v", err)
	}
}

// BenchmarkRateLimiter is the cost of counting one request: the in-memory
// token bucket of the embedded mode against the PostgreSQL upsert of a
// cluster (on the test server, over loopback TCP), one at a time and from
// parallel goroutines on one caller (its row's lock is the contention) or
// on 1,000 callers. The limit is never reached (a refused request costs
// the same statement).
//
//	go test ./postgres -run '^$' -bench RateLimiter -benchtime 3s
func BenchmarkRateLimiter(b *testing.B) {
	const perSecond, burst = 1e9, 1_000_000_000
	callers := make([]string, 1000)
	for i := range callers {
		callers[i] = "key bench" + strconv.Itoa(i)
	}
	dsn := testutil.PostgresDSN(b)
	db := mustOpenDSN(b, dsn, postgres.Options{})
	// A long timeout: a stall of the shared machine is measured, not
	// counted in memory.
	rl := &postgres.RateLimits{DB: db, Timeout: 10 * time.Second}
	for _, c := range []struct {
		name string
		l    httpapi.RateLimiter
	}{
		{"memory", httpapi.NewLimiter("bench", perSecond, burst, 0)},
		{"postgres", rl.Limiter("bench", perSecond, burst, httpapi.NewLimiter("bench", perSecond, burst, 0))},
	} {
		ctx := context.Background()
		b.Run(c.name+"/serial", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c.l.Take(ctx, callers[i%len(callers)])
			}
		})
		b.Run(c.name+"/parallel-one-caller", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.l.Take(ctx, "key one")
				}
			})
		})
		b.Run(c.name+"/parallel-1000-callers", func(b *testing.B) {
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.l.Take(ctx, callers[n.Add(1)%int64(len(callers))])
				}
			})
		})
	}
	if rl.Fallbacks() != 0 {
		b.Fatalf("%d fallbacks: PostgreSQL failed during the benchmark", rl.Fallbacks())
	}
}
