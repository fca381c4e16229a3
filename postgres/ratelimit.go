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
	// DefaultRateLimitSweep is how often ended windows are deleted (1
	// min).
	DefaultRateLimitSweep = time.Minute
	// MaxRateCallerBytes is the longest caller name stored (128 bytes, as
	// httpapi.MaxRateKeyBytes); longer ones are cut.
	MaxRateCallerBytes = 128
)

// RateLimits are the rate limits shared by the api processes of a cluster
// (issue 11): each request is one atomic upsert in rate_limit_windows
// (migration 0004) keyed by limit, caller and fixed window, so that N
// processes behind a load balancer give a caller the limit, not N times
// it.
//
// A limit of Burst requests at once and PerSecond on average (a token
// bucket in memory, httpapi.Limiter) becomes fixed windows of
// Burst/PerSecond seconds allowing Burst requests each: the same average
// and the same burst inside a window, but up to twice the burst across a
// window's end (Burst at its last instant, Burst again at the next
// one's first). Windows are numbered on the database's clock, so every
// process agrees on them whatever its own clock says.
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
	// SweepEvery is how often a count also deletes the ended windows (in
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
// httpapi.RateLimit.ID) allowing burst requests per window of
// burst/perSecond seconds, which counts in fallback when PostgreSQL fails.
// perSecond must be above zero; a burst below 1 is 1.
func (rl *RateLimits) Limiter(name string, perSecond float64, burst int, fallback RateCounter) *RateLimiter {
	burst = max(1, burst)
	w := int64(math.Round(float64(burst) / perSecond * 1000))
	return &RateLimiter{rl: rl, name: name, windowMs: max(1, w), limit: burst, fallback: fallback}
}

// Window returns the limiter's window.
func (l *RateLimiter) Window() time.Duration { return time.Duration(l.windowMs) * time.Millisecond }

// Fallbacks returns how many counts went to the fallback limiters because
// PostgreSQL failed or was being skipped after a failure
// (doctales_rate_limit_fallbacks_total).
func (rl *RateLimits) Fallbacks() int64 { return rl.fallbacks.Load() }

// takeSQL counts one hit of ($1 limit, $2 caller) in the window of $3
// milliseconds holding the time $4 (NULL: the database's clock), capped
// at $5 + 1 so that refused requests do not pile up, and returns the
// count and the milliseconds left in the window. One statement, one round
// trip; concurrent upserts of a row serialize on its lock.
const takeSQL = `WITH t AS (
	SELECT (extract(epoch FROM coalesce($4::timestamptz, clock_timestamp())) * 1000)::bigint AS ms
), up AS (
	INSERT INTO rate_limit_windows AS w (name, caller, win, hits, expires_at)
	SELECT $1, $2, t.ms / $3, 1, to_timestamp((t.ms / $3 + 1) * $3 / 1000.0) FROM t
	ON CONFLICT (name, caller, win) DO UPDATE SET hits = least(w.hits + 1, $5 + 1)
	RETURNING w.hits, w.win
)
SELECT up.hits, (up.win + 1) * $3 - t.ms FROM up, t`

// giveBackSQL returns one hit of the window holding $4 (a hit refused
// over the cap is not one to return).
const giveBackSQL = `UPDATE rate_limit_windows
SET hits = least(hits, $5) - 1
WHERE name = $1 AND caller = $2 AND hits > 0
  AND win = (extract(epoch FROM coalesce($4::timestamptz, clock_timestamp())) * 1000)::bigint / $3`

// Take counts one request of caller. It returns zero when the request may
// go, or the time left in the window when the limit is reached.
func (l *RateLimiter) Take(ctx context.Context, caller string) time.Duration {
	if !l.rl.up() {
		l.rl.fallbacks.Add(1)
		return l.fallback.Take(ctx, caller)
	}
	qctx, cancel := l.rl.ctx(ctx)
	defer cancel()
	var hits int
	var leftMs int64
	err := l.rl.DB.pool.QueryRow(qctx, takeSQL, l.name, callerBytes(caller), l.windowMs, l.rl.now(), l.limit).Scan(&hits, &leftMs)
	if err != nil {
		l.rl.failed(l.name, err)
		return l.fallback.Take(ctx, caller)
	}
	l.rl.maybeSweep()
	if hits <= l.limit {
		return 0
	}
	return time.Duration(max(1, leftMs)) * time.Millisecond
}

// GiveBack returns one request of caller's in the current window.
func (l *RateLimiter) GiveBack(ctx context.Context, caller string) {
	if !l.rl.up() {
		l.fallback.GiveBack(ctx, caller)
		return
	}
	qctx, cancel := l.rl.ctx(ctx)
	defer cancel()
	if _, err := l.rl.DB.pool.Exec(qctx, giveBackSQL, l.name, callerBytes(caller), l.windowMs, l.rl.now(), l.limit); err != nil {
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

// maybeSweep starts a sweep of the ended windows if none started within
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
			logger.Warn("rate limits: delete the ended windows", "error", err)
		}
	}()
}

// Sweep deletes the windows that have ended (by the database's clock, or
// Now) and returns how many.
func (rl *RateLimits) Sweep(ctx context.Context) (int64, error) {
	tag, err := rl.DB.pool.Exec(ctx, `DELETE FROM rate_limit_windows WHERE expires_at <= coalesce($1::timestamptz, clock_timestamp())`, rl.now())
	if err != nil {
		return 0, fmt.Errorf("delete ended rate-limit windows: %w", err)
	}
	return tag.RowsAffected(), nil
}
