package httpapi

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/doctales/doctales"
)

// Default rate limits (issue 17, item 5). A limit is a token bucket per
// caller: Burst requests at once, then PerSecond on average.
const (
	// DefaultIngestPerSecond is the sustained POST /communications rate of
	// one caller, in requests per second (1000/s). It sits above what one
	// server accepts (import --url of 1,500 messages: 523/s without
	// limits on 2 cores; at 100/s it took twice as long), so an import is
	// never slowed, while a leaked key is still capped; lower it when
	// keys go to outside senders.
	DefaultIngestPerSecond = 1000
	// DefaultIngestBurst is how many posts one caller may send at once
	// before the rate applies (2000).
	DefaultIngestBurst = 2000
	// DefaultReadPerSecond is the sustained rate of API reads (GET
	// routes that need a key or session) of one caller, in requests per
	// second (50/s): the dashboard makes a handful per view.
	DefaultReadPerSecond = 50
	// DefaultReadBurst is how many reads one caller may send at once
	// (200).
	DefaultReadBurst = 200
	// DefaultSignInPerMinute is how many failed sign-ins (POST
	// /auth/session) a user name, and a client address, may make per
	// minute (10), also the burst: a person mistyping passes, a guesser
	// gets ten guesses a minute per name instead of thousands a second.
	// A successful sign-in gives its token back.
	DefaultSignInPerMinute = 10
	// DefaultMaxRateBuckets bounds the buckets each limiter keeps (10,000
	// callers: 1.5 MB a limiter, 6 MB for the four; measured 153 bytes a
	// bucket with its map entry, LRU element and a 24-byte key). Past it the least
	// recently used bucket is dropped: its caller starts again with a full
	// burst, so the bound is memory, never a refusal.
	DefaultMaxRateBuckets = 10000
	// MaxRateKeyBytes is the longest caller name a bucket keeps (128
	// bytes); longer ones (a sign-in's user name is the client's choice,
	// up to 4 KiB) are cut, so a full limiter stays under 3 MB.
	MaxRateKeyBytes = 128
)

// RateLimits are the per-caller limits of the HTTP API. A caller is an API
// key ("key dt_…"), a session user ("user ana"), or in open mode the
// client address ("ip 127.0.0.1"); in open mode a loopback client is not
// limited at all (the person at the laptop, and doctales bench). A zero
// rate switches that limit off; a zero burst means the rate's second's
// worth (at least 1).
type RateLimits struct {
	// IngestPerSecond limits POST /communications, per second.
	IngestPerSecond float64
	// IngestBurst is the posts allowed at once.
	IngestBurst int
	// ReadPerSecond limits the GET routes that need a key or session.
	ReadPerSecond float64
	// ReadBurst is the reads allowed at once.
	ReadBurst int
	// SignInPerMinute limits failed sign-ins per user name and per client
	// address; it is also the burst.
	SignInPerMinute float64
	// MaxBuckets bounds the callers each limiter tracks; zero means
	// DefaultMaxRateBuckets.
	MaxBuckets int
}

// DefaultRateLimits returns the default limits.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		IngestPerSecond: DefaultIngestPerSecond, IngestBurst: DefaultIngestBurst,
		ReadPerSecond: DefaultReadPerSecond, ReadBurst: DefaultReadBurst,
		SignInPerMinute: DefaultSignInPerMinute,
	}
}

// Limiter is a set of token buckets, one per key, all with the same rate
// and burst, at most MaxBuckets of them (least recently used dropped). It
// is safe for concurrent use. Use NewLimiter.
type Limiter struct {
	// Name names the limit in answers ("ingest").
	Name string
	// perSecond is the refill rate; burst the bucket's size.
	perSecond float64
	burst     float64
	max       int
	// Now is the clock; tests replace it.
	Now func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	lru     list.List                // front = most recently used
}

// bucket is one key's tokens as of last.
type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter allowing perSecond on average and burst at
// once per key, tracking at most maxBuckets keys (DefaultMaxRateBuckets
// when zero). A perSecond of zero or less returns nil: a nil *Limiter
// allows everything.
func NewLimiter(name string, perSecond float64, burst, maxBuckets int) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	if maxBuckets <= 0 {
		maxBuckets = DefaultMaxRateBuckets
	}
	return &Limiter{Name: name, perSecond: perSecond, burst: float64(burst), max: maxBuckets,
		Now: time.Now, buckets: map[string]*list.Element{}}
}

// Allow takes a token from key's bucket. It returns zero when the request
// may go, or how long until a token is available.
func (l *Limiter) Allow(key string) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key)
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.perSecond * float64(time.Second))
}

// Refund gives a token back to key's bucket (a sign-in that succeeded).
func (l *Limiter) Refund(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key)
	b.tokens = min(l.burst, b.tokens+1)
}

// Len returns how many buckets the limiter holds.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// get returns key's bucket refilled to now, creating it (and dropping the
// least recently used one past max) if needed. l.mu is held.
func (l *Limiter) get(key string) *bucket {
	if len(key) > MaxRateKeyBytes {
		key = key[:MaxRateKeyBytes]
	}
	now := l.Now()
	if e, ok := l.buckets[key]; ok {
		l.lru.MoveToFront(e)
		b := e.Value.(*bucket)
		if d := now.Sub(b.last); d > 0 {
			b.tokens = min(l.burst, b.tokens+d.Seconds()*l.perSecond)
			b.last = now
		}
		return b
	}
	for len(l.buckets) >= l.max {
		e := l.lru.Back()
		l.lru.Remove(e)
		delete(l.buckets, e.Value.(*bucket).key)
	}
	b := &bucket{key: key, tokens: l.burst, last: now}
	l.buckets[key] = l.lru.PushFront(b)
	return b
}

// describe says the limit in words: "50 requests/s for ingest".
func (l RateLimit) describe() string {
	if l.PerMinute {
		return fmt.Sprintf("%s attempts/min for %s", rateText(l.PerSecond*60), l.Name)
	}
	return fmt.Sprintf("%s requests/s for %s", rateText(l.PerSecond), l.Name)
}

// rateText shows a rate with at most three decimals (10, not
// 9.999999999999998 from 10/60*60).
func rateText(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// RateLimit is one limit of RateLimits, as a RateLimiter is built for
// it.
type RateLimit struct {
	// ID names the limit where its counts are kept, unique among a
	// Handler's limits: "ingest", "reads", "sign-in-user", "sign-in-ip".
	ID string
	// Name names the limit in answers: "ingest", "reads", "sign-in".
	Name string
	// PerSecond is the sustained rate, Burst the requests allowed at once
	// (at least 1).
	PerSecond float64
	Burst     int
	// PerMinute says the limit in attempts per minute in answers (the
	// sign-in limits).
	PerMinute bool
	// MaxBuckets bounds the callers an in-memory limiter tracks.
	MaxBuckets int
}

// RateLimiter enforces one RateLimit per caller. The Handler's default is
// the in-memory Limiter, per process; the api processes of a cluster
// share one in PostgreSQL (postgres.RateLimits, docs/cluster.md), so that
// N processes behind a load balancer give a caller the limit, not N times
// it. Implementations are safe for concurrent use.
type RateLimiter interface {
	// Take counts one request of caller. It returns zero when the
	// request may go, or how long until one may (the 429's Retry-After).
	Take(ctx context.Context, caller string) time.Duration
	// GiveBack returns one request of caller's (a sign-in that
	// succeeded), so that only failures count.
	GiveBack(ctx context.Context, caller string)
}

// Take is Allow, as a RateLimiter.
func (l *Limiter) Take(_ context.Context, key string) time.Duration { return l.Allow(key) }

// GiveBack is Refund, as a RateLimiter.
func (l *Limiter) GiveBack(_ context.Context, key string) { l.Refund(key) }

var _ RateLimiter = (*Limiter)(nil)

// NewMemoryRateLimiter returns the in-memory Limiter of rl: the default
// RateLimiter of a Handler, and the one a shared limiter falls back on.
// It returns nil (allows everything) when rl.PerSecond is zero or less.
func NewMemoryRateLimiter(rl RateLimit) *Limiter {
	return NewLimiter(rl.Name, rl.PerSecond, rl.Burst, rl.MaxBuckets)
}

// rateLimit is a limit and the RateLimiter that enforces it; a nil
// *rateLimit allows everything.
type rateLimit struct {
	RateLimit
	RateLimiter
}

// take counts one request of key; zero means it may go.
func (l *rateLimit) take(ctx context.Context, key string) time.Duration {
	if l == nil {
		return 0
	}
	return l.Take(ctx, key)
}

// giveBack returns one request of key's.
func (l *rateLimit) giveBack(ctx context.Context, key string) {
	if l != nil {
		l.GiveBack(ctx, key)
	}
}

// len returns how many callers an in-memory limiter tracks (0 for
// others).
func (l *rateLimit) len() int {
	if l == nil {
		return 0
	}
	if m, ok := l.RateLimiter.(*Limiter); ok {
		return m.Len()
	}
	return 0
}

// limiters are a Handler's rate limiters, built by Init from RateLimits.
type limiters struct {
	ingest, read, signInUser, signInIP *rateLimit
}

// newLimiters builds the limiters of rl, each with build (in-memory
// Limiters when build is nil). A limit whose rate is zero is off (nil).
func newLimiters(rl RateLimits, build func(RateLimit) RateLimiter) limiters {
	if build == nil {
		build = func(l RateLimit) RateLimiter { return NewMemoryRateLimiter(l) }
	}
	mk := func(l RateLimit) *rateLimit {
		if l.PerSecond <= 0 {
			return nil
		}
		if l.Burst <= 0 {
			l.Burst = max(1, int(math.Ceil(l.PerSecond)))
		}
		if l.MaxBuckets <= 0 {
			l.MaxBuckets = DefaultMaxRateBuckets
		}
		return &rateLimit{RateLimit: l, RateLimiter: build(l)}
	}
	signIn := func(id string) *rateLimit {
		return mk(RateLimit{ID: id, Name: "sign-in", PerSecond: rl.SignInPerMinute / 60,
			Burst: int(math.Ceil(rl.SignInPerMinute)), PerMinute: true, MaxBuckets: rl.MaxBuckets})
	}
	return limiters{
		ingest:     mk(RateLimit{ID: "ingest", Name: "ingest", PerSecond: rl.IngestPerSecond, Burst: rl.IngestBurst, MaxBuckets: rl.MaxBuckets}),
		read:       mk(RateLimit{ID: "reads", Name: "reads", PerSecond: rl.ReadPerSecond, Burst: rl.ReadBurst, MaxBuckets: rl.MaxBuckets}),
		signInUser: signIn("sign-in-user"),
		signInIP:   signIn("sign-in-ip"),
	}
}

// rateLimited writes the 429 answer: Retry-After in whole seconds (at
// least 1) and a JSON error naming the limit and the caller.
func rateLimited(w http.ResponseWriter, l *rateLimit, who string, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, ErrorResponse{Code: CodeRateLimited,
		Error: fmt.Sprintf("Too many requests: the limit is %s (%s); retry in %d s.", l.describe(), who, secs)})
}

// CodeRateLimited is the error code of a 429 answer.
const CodeRateLimited = "rate_limited"

// clientIP returns the address of the request's client (the connection's
// peer; no forwarding header is trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isLoopbackIP reports whether ip is a loopback address.
func isLoopbackIP(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}

// rateKey names the caller a principal's requests are counted against.
func rateKey(p *doctales.Principal, ip string) string {
	switch {
	case p == nil || p.Open:
		return "ip " + ip
	case p.KeyID != "":
		return "key " + p.KeyID
	default:
		return "user " + p.UserID
	}
}

// limit applies the ingest or read limit to an authenticated request. It
// returns false when it has answered 429.
func (h *Handler) limit(w http.ResponseWriter, r *http.Request) bool {
	_, pattern := h.mux.Handler(r)
	scope, ok := routeScopes[pattern]
	if !ok {
		scope = doctales.ScopeAdmin
	}
	var l *rateLimit
	switch {
	case pattern == "POST /communications", pattern == "POST /uploads":
		// An upload URL is an ingestion to come: the same limit, taken
		// when the URL is asked for (its PUT is bound to that one URL).
		l = h.limits.ingest
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && scope != scopePublic && scope != scopePage:
		l = h.limits.read
	}
	if l == nil {
		return true
	}
	p := doctales.PrincipalFromContext(r.Context())
	ip := clientIP(r)
	if p != nil && p.Open && isLoopbackIP(ip) {
		return true // the person at the laptop, and doctales bench
	}
	key := rateKey(p, ip)
	if wait := l.take(r.Context(), key); wait > 0 {
		rateLimited(w, l, key, wait)
		return false
	}
	return true
}

// RateLimitBuckets returns how many callers each in-memory limiter tracks
// now (at most RateLimits.MaxBuckets each), for /stats and tests; a
// shared limiter (RateLimiterFor) counts 0 here.
func (h *Handler) RateLimitBuckets() map[string]int {
	return map[string]int{
		"ingest": h.limits.ingest.len(), "read": h.limits.read.len(),
		"signInUser": h.limits.signInUser.len(), "signInIP": h.limits.signInIP.len(),
	}
}
