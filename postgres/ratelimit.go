package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"
)

// Defaults of RateLimits.
const (
	// DefaultRateLimitTimeout bounds one count in PostgreSQL (500 ms);
	// past it the request is counted by the fallback limiter instead.
	DefaultRateLimitTimeout = 500 * time.Millisecond
	// DefaultRateLimitRetry is how long after a failed count the
	// limiters use their fallback without trying PostgreSQL (5 s), so
	// that an unreachable server costs one timeout per interval, not one
	// per request.
	DefaultRateLimitRetry = 5 * time.Second
	// DefaultRateLimitSweep is how often old windows are deleted (1
	// min).
	DefaultRateLimitSweep = time.Minute
	// MaxRateWindow is the longest window (366 days): a rate so low that
	// its window would be longer is counted over this one.
	MaxRateWindow = 366 * 24 * time.Hour
	// MaxRateCallerBytes is the longest caller name stored (128 bytes, as
	// httpapi.MaxRateKeyBytes); longer ones are cut.
	MaxRateCallerBytes = 128
)

// RateLimits are the rate limits shared by the api processes of a cluster
// (issue 11): each request is one atomic upsert in rate_limit_windows
// (migration 0004) keyed by limit, caller and window, so that N processes
// behind a load balancer give a caller the limit, not N times it.
//
// A limit of Burst requests at once and PerSecond on average (a token
// bucket in memory, httpapi.Limiter) becomes a sliding window of
// W = Burst/PerSecond seconds allowing Burst requests: the requests
// allowed in the current fixed window plus those of the previous one,
// weighted by how much of it the sliding window still covers (rounded
// up), may not pass Burst. So a burst spent is given back gradually, one
// request every W/Burst, as the bucket refills, rather than all at once
// at a window's end; the count is an estimate (the previous window's
// requests are taken as evenly spread). Windows are numbered on the
// database's clock, so every process agrees on them whatever its own
// clock says. Only allowed requests are counted: a caller hammering
// while refused is let through as soon as the rate allows.
//
// Failure policy: when PostgreSQL does not answer within Timeout, the
// request is counted by the fallback limiter of this process (the
// in-memory one the embedded mode uses), a warning is logged (at most one
// per Retry interval) and Fallbacks counts it; for Retry after a failure
// the fallback is used without trying PostgreSQL. The limits stay on,
// per process, while PostgreSQL is away: a caller gets up to N times the
// limit, never unlimited, and never a refusal PostgreSQL caused.
//
// Set the fields before the first Limiter; safe for concurrent use.
type RateLimits struct {
	// DB holds the counts.
	DB *DB
	// Logger gets the fallback warnings; default slog.Default().
	Logger *slog.Logger
	// Timeout bounds one count; default DefaultRateLimitTimeout.
	Timeout time.Duration
	// Retry is how long the fallback is used after a failure before
	// PostgreSQL is tried again; default DefaultRateLimitRetry.
	Retry time.Duration
	// SweepEvery is how often a count also deletes the old windows (in
	// the background); default DefaultRateLimitSweep.
	SweepEvery time.Duration
	// Now, if set, is the clock the windows are numbered on (tests);
	// nil means the database's clock_timestamp().
	Now func() time.Time

	fallbacks atomic.Int64
	downUntil atomic.Int64 // unix nanoseconds; PostgreSQL is skipped before
	lastWarn  atomic.Int64 // unix nanoseconds of the last warning
	lastSweep atomic.Int64 // unix nanoseconds of the last sweep's start
}

// RateCounter is what a limiter falls back on: httpapi.Limiter, which
// this package does not import (it would pull the HTTP API into every
// user of the store).
type RateCounter interface {
	Take(ctx context.Context, caller string) time.Duration
	GiveBack(ctx context.Context, caller string)
}

// allowAll is the fallback of a limiter given none: it allows everything.
type allowAll struct{}

func (allowAll) Take(context.Context, string) time.Duration { return 0 }
func (allowAll) GiveBack(context.Context, string)           {}

// RateLimiter is one limit of RateLimits; it satisfies
// httpapi.RateLimiter.
type RateLimiter struct {
	rl       *RateLimits
	name     string
	windowMs int64
	limit    int
	fallback RateCounter
}

// Limiter returns the limiter named name (unique among the limits, as
// httpapi.RateLimit.ID) allowing burst requests per sliding window of
// burst/perSecond seconds, which counts in fallback when PostgreSQL fails
// (nil: allows every request then).
// perSecond must be above zero; burst is kept within 1..2^31-1 and the
// window within 1 ms..MaxRateWindow.
func (rl *RateLimits) Limiter(name string, perSecond float64, burst int, fallback RateCounter) *RateLimiter {
	if fallback == nil {
		fallback = allowAll{}
	}
	burst = min(max(1, burst), math.MaxInt32)
	w := min(float64(burst)/perSecond*1000, float64(MaxRateWindow/time.Millisecond))
	return &RateLimiter{rl: rl, name: name, windowMs: max(1, int64(math.Round(w))), limit: burst, fallback: fallback}
}

// Window returns the limiter's window.
func (l *RateLimiter) Window() time.Duration { return time.Duration(l.windowMs) * time.Millisecond }

// Fallbacks returns how many counts went to the fallback limiters because
// PostgreSQL failed or was being skipped after a failure
// (doctales_rate_limit_fallbacks_total).
func (rl *RateLimits) Fallbacks() int64 { return rl.fallbacks.Load() }

// takeSQL counts one request of ($1 limit, $2 caller) in the window of
// $3 milliseconds holding the time $4 (NULL: the database's clock) if the
// sliding window allows it: prev·(W−e)/W, rounded up, plus the current
// window's hits plus one, within the limit $5 (e is the time into the
// current window; in integers, prev·(W−e) ≤ ($5 − hits − 1)·W). It
// returns the new hits (NULL when refused), e, prev and the hits before
// (for the refusal's wait). One statement, one round trip; the decision
// is made on the row's locked, latest count, so concurrent requests of a
// caller, from any process, serialize on its row. A row expires at the
// end of the window after its own, whose count it weighs in.
const takeSQL = `WITH t AS (
	SELECT (extract(epoch FROM coalesce($4::timestamptz, clock_timestamp())) * 1000)::bigint AS ms
), k AS (
	SELECT t.ms / $3 AS win, t.ms % $3 AS e,
		coalesce((SELECT hits FROM rate_limit_windows WHERE name = $1 AND caller = $2 AND win = t.ms / $3 - 1), 0) AS prev,
		coalesce((SELECT hits FROM rate_limit_windows WHERE name = $1 AND caller = $2 AND win = t.ms / $3), 0) AS cur
	FROM t
), up AS (
	INSERT INTO rate_limit_windows AS w (name, caller, win, hits, expires_at)
	SELECT $1, $2, k.win, 1, to_timestamp((k.win + 2) * $3 / 1000.0) FROM k
	WHERE k.prev::numeric * ($3 - k.e) <= ($5::integer - 1)::numeric * $3
	ON CONFLICT (name, caller, win) DO UPDATE SET hits = w.hits + 1
	WHERE (SELECT k.prev::numeric * ($3 - k.e) FROM k) <= ($5::integer - w.hits - 1)::numeric * $3
	RETURNING w.hits
)
SELECT (SELECT hits FROM up), k.e, k.prev, k.cur FROM k`

// giveBackSQL returns one request of the window holding $4.
const giveBackSQL = `UPDATE rate_limit_windows
SET hits = hits - 1
WHERE name = $1 AND caller = $2 AND hits > 0
  AND win = (extract(epoch FROM coalesce($4::timestamptz, clock_timestamp())) * 1000)::bigint / $3`

// wait is how long until a request refused at e ms into the window, with
// prev hits in the previous window and cur in this one, would be allowed
// if no other came: within this window once prev·(W−e−d) ≤ (L−cur−1)·W,
// else in the next one, where cur becomes the previous window's count.
func (l *RateLimiter) wait(e, prev, cur int64) time.Duration {
	w, k := l.windowMs, int64(l.limit)-cur-1
	var d int64
	switch {
	case k >= 0 && prev > 0:
		d = max(0, w-e-k*w/prev)
	case k >= 0:
		d = 0
	default: // the current window is full: into the next one
		d = w - e + max(0, w-(int64(l.limit)-1)*w/max(1, cur))
	}
	return time.Duration(max(1, d)) * time.Millisecond
}

// Take counts one request of caller. It returns zero when the request may
// go, or how long until the sliding window allows one (if no other comes).
func (l *RateLimiter) Take(ctx context.Context, caller string) time.Duration {
	if !l.rl.up() {
		l.rl.fallbacks.Add(1)
		return l.fallback.Take(ctx, caller)
	}
	qctx, cancel := l.rl.ctx(ctx)
	defer cancel()
	var hits *int64
	var e, prev, cur int64
	err := l.rl.DB.pool.QueryRow(qctx, takeSQL, l.name, callerBytes(caller), l.windowMs, l.rl.now(), l.limit).Scan(&hits, &e, &prev, &cur)
	if err != nil {
		l.rl.failed(l.name, err)
		return l.fallback.Take(ctx, caller)
	}
	l.rl.maybeSweep()
	if hits != nil {
		return 0
	}
	return l.wait(e, prev, cur)
}

// GiveBack returns one request of caller's in the current window.
func (l *RateLimiter) GiveBack(ctx context.Context, caller string) {
	if !l.rl.up() {
		l.fallback.GiveBack(ctx, caller)
		return
	}
	qctx, cancel := l.rl.ctx(ctx)
	defer cancel()
	if _, err := l.rl.DB.pool.Exec(qctx, giveBackSQL, l.name, callerBytes(caller), l.windowMs, l.rl.now()); err != nil {
		l.rl.failed(l.name, err)
		l.fallback.GiveBack(ctx, caller)
	}
}

// callerBytes is the stored caller: bytes, since a sign-in's user name
// may be any bytes (text would refuse invalid UTF-8), cut to
// MaxRateCallerBytes.
func callerBytes(caller string) []byte {
	if len(caller) > MaxRateCallerBytes {
		caller = caller[:MaxRateCallerBytes]
	}
	return []byte(caller)
}

// ctx bounds one count by Timeout, and detaches it from the request's
// cancellation: a client that hangs up is not a PostgreSQL failure.
func (rl *RateLimits) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	t := rl.Timeout
	if t <= 0 {
		t = DefaultRateLimitTimeout
	}
	return context.WithTimeout(context.WithoutCancel(ctx), t)
}

// now is the $4 of the statements: nil (the database's clock) or Now().
func (rl *RateLimits) now() any {
	if rl.Now == nil {
		return nil
	}
	return rl.Now()
}

// up reports whether PostgreSQL is to be tried (no failure within Retry).
func (rl *RateLimits) up() bool {
	return time.Now().UnixNano() >= rl.downUntil.Load()
}

// failed records a failed count: the fallback is used for Retry, the
// count goes to Fallbacks, and a warning is logged unless one was within
// Retry.
func (rl *RateLimits) failed(name string, err error) {
	retry := rl.Retry
	if retry <= 0 {
		retry = DefaultRateLimitRetry
	}
	now := time.Now()
	rl.downUntil.Store(now.Add(retry).UnixNano())
	rl.fallbacks.Add(1)
	last := rl.lastWarn.Load()
	if now.UnixNano()-last < int64(retry) || !rl.lastWarn.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	logger := rl.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("rate limits: PostgreSQL failed; counting in this process only (a caller may get the limit once per api process) until it answers",
		"limit", name, "retry_in", retry.String(), "error", err)
}

// maybeSweep starts a sweep of the old windows if none started within
// SweepEvery.
func (rl *RateLimits) maybeSweep() {
	every := rl.SweepEvery
	if every <= 0 {
		every = DefaultRateLimitSweep
	}
	now := time.Now().UnixNano()
	last := rl.lastSweep.Load()
	if now-last < int64(every) || !rl.lastSweep.CompareAndSwap(last, now) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := rl.Sweep(ctx); err != nil {
			logger := rl.Logger
			if logger == nil {
				logger = slog.Default()
			}
			logger.Warn("rate limits: delete the old windows", "error", err)
		}
	}()
}

// Sweep deletes the windows no count reads any more (the window after
// theirs has ended, by the database's clock or Now) and returns how
// many.
func (rl *RateLimits) Sweep(ctx context.Context) (int64, error) {
	tag, err := rl.DB.pool.Exec(ctx, `DELETE FROM rate_limit_windows WHERE expires_at <= coalesce($1::timestamptz, clock_timestamp())`, rl.now())
	if err != nil {
		return 0, fmt.Errorf("delete ended rate-limit windows: %w", err)
	}
	return tag.RowsAffected(), nil
}
