package runtime

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/doctales/doctales"
)

// Default delivery policy, in the shape of SNS's HTTP/S delivery policy.
//
// SNS's own HTTP default (3 retries, 20 seconds apart: about a minute) loses
// every notification sent while a receiver restarts for two minutes. The
// local default keeps SNS's four phases and its hard limit of 3,600 seconds
// of retrying, and spends nearly all of it: 3 immediate retries, 2 one
// second apart, 10 backing off exponentially from 1 to 60 seconds, then 50
// a minute apart. A record is dead-lettered after 65 retries and about 53
// minutes ([DeliveryPolicy.TotalDelay]).
const (
	DefaultNumRetries         = 65
	DefaultNumNoDelayRetries  = 3
	DefaultNumMinDelayRetries = 2
	DefaultNumMaxDelayRetries = 50
	DefaultMinDelayTarget     = 1  // seconds
	DefaultMaxDelayTarget     = 60 // seconds
	DefaultBackoffFunction    = BackoffExponential

	// DefaultCircuitFailures is how many failed attempts in a row, of any
	// records, open a delivery subscription's circuit.
	DefaultCircuitFailures = 5
)

// SNS's bounds on an HTTP/S delivery policy, kept so that a policy SNS
// accepts is accepted here and the other way round.
const (
	MaxNumRetries         = 100  // healthyRetryPolicy.numRetries
	MaxDelayTargetSeconds = 3600 // maxDelayTarget
	MaxTotalPolicySeconds = 3600 // the sum of all retry delays
)

// Backoff functions of the backoff phase (SNS's backoffFunction values).
const (
	BackoffLinear      = "linear"
	BackoffArithmetic  = "arithmetic"
	BackoffGeometric   = "geometric"
	BackoffExponential = "exponential"
)

// DeliveryPolicy is SNS's HTTP/S delivery policy for one subscription: how
// often and how far apart a failed delivery is retried, and how fast the
// endpoint may be called. The field names are SNS's, so a policy written for
// SNS can be pasted as JSON (YAML accepts JSON):
//
//	{"healthyRetryPolicy": {"numRetries": 65, "numNoDelayRetries": 3,
//	  "minDelayTarget": 1, "maxDelayTarget": 60, "numMinDelayRetries": 2,
//	  "numMaxDelayRetries": 50, "backoffFunction": "exponential"},
//	 "throttlePolicy": {"maxReceivesPerSecond": 10},
//	 "requestPolicy": {"headerContentType": "application/json"}}
//
// A retry n (1-based) falls in one of four phases, in order: immediate
// (numNoDelayRetries, no delay), pre-backoff (numMinDelayRetries,
// minDelayTarget apart), backoff (the retries left over, from
// minDelayTarget to maxDelayTarget along backoffFunction) and post-backoff
// (numMaxDelayRetries, maxDelayTarget apart); see [DeliveryPolicy.Delay].
//
// Use [NewDeliveryPolicy] for the defaults; a zero field of a policy read
// from a file is SNS's zero, not the default, except as [DeliveryPolicy.WithDefaults] says.
type DeliveryPolicy struct {
	HealthyRetryPolicy HealthyRetryPolicy `yaml:"healthyRetryPolicy" json:"healthyRetryPolicy"`
	ThrottlePolicy     ThrottlePolicy     `yaml:"throttlePolicy" json:"throttlePolicy"`
	RequestPolicy      RequestPolicy      `yaml:"requestPolicy" json:"requestPolicy"`

	// Second is how long one policy second lasts. Zero means time.Second.
	// Tests shorten it to run a policy in milliseconds; it cannot be set
	// from a configuration file.
	Second time.Duration `yaml:"-" json:"-"`
}

// HealthyRetryPolicy is SNS's retry schedule. Delays are whole seconds, as
// in SNS.
type HealthyRetryPolicy struct {
	NumRetries         int    `yaml:"numRetries" json:"numRetries"`
	NumNoDelayRetries  int    `yaml:"numNoDelayRetries" json:"numNoDelayRetries"`
	MinDelayTarget     int    `yaml:"minDelayTarget" json:"minDelayTarget"`
	MaxDelayTarget     int    `yaml:"maxDelayTarget" json:"maxDelayTarget"`
	NumMinDelayRetries int    `yaml:"numMinDelayRetries" json:"numMinDelayRetries"`
	NumMaxDelayRetries int    `yaml:"numMaxDelayRetries" json:"numMaxDelayRetries"`
	BackoffFunction    string `yaml:"backoffFunction" json:"backoffFunction"`
}

// ThrottlePolicy bounds the deliveries per second to the endpoint. Zero
// means no throttling, as in SNS.
type ThrottlePolicy struct {
	MaxReceivesPerSecond int `yaml:"maxReceivesPerSecond" json:"maxReceivesPerSecond"`
}

// RequestPolicy is SNS's request policy: the Content-Type of the request.
// Empty means application/json.
type RequestPolicy struct {
	HeaderContentType string `yaml:"headerContentType" json:"headerContentType"`
}

// NewDeliveryPolicy returns the default policy (the Default… constants),
// without throttling.
func NewDeliveryPolicy() *DeliveryPolicy {
	return &DeliveryPolicy{HealthyRetryPolicy: HealthyRetryPolicy{
		NumRetries:         DefaultNumRetries,
		NumNoDelayRetries:  DefaultNumNoDelayRetries,
		MinDelayTarget:     DefaultMinDelayTarget,
		MaxDelayTarget:     DefaultMaxDelayTarget,
		NumMinDelayRetries: DefaultNumMinDelayRetries,
		NumMaxDelayRetries: DefaultNumMaxDelayRetries,
		BackoffFunction:    DefaultBackoffFunction,
	}}
}

// WithDefaults returns a copy of p in which a healthyRetryPolicy left out
// entirely (all zero) is the default one, and, as in SNS, a missing
// minDelayTarget or maxDelayTarget is 20 seconds (capped by the other) and
// a missing backoffFunction is linear.
func (p DeliveryPolicy) WithDefaults() DeliveryPolicy {
	h := &p.HealthyRetryPolicy
	if *h == (HealthyRetryPolicy{}) {
		p.HealthyRetryPolicy = NewDeliveryPolicy().HealthyRetryPolicy
		return p
	}
	const snsDefaultDelay = 20
	switch {
	case h.MinDelayTarget == 0 && h.MaxDelayTarget == 0:
		h.MinDelayTarget, h.MaxDelayTarget = snsDefaultDelay, snsDefaultDelay
	case h.MinDelayTarget == 0:
		h.MinDelayTarget = min(snsDefaultDelay, h.MaxDelayTarget)
	case h.MaxDelayTarget == 0:
		h.MaxDelayTarget = max(snsDefaultDelay, h.MinDelayTarget)
	}
	if h.BackoffFunction == "" {
		h.BackoffFunction = BackoffLinear
	}
	return p
}

// Validate reports the first setting outside SNS's bounds as an EINVALID
// error whose field is the SNS path, such as
// "healthyRetryPolicy.numRetries", and whose message names the value and
// the limit. Call it on the policy after [DeliveryPolicy.WithDefaults].
func (p *DeliveryPolicy) Validate() error {
	h := &p.HealthyRetryPolicy
	field := func(name string) string { return "healthyRetryPolicy." + name }
	switch {
	case h.NumRetries < 0 || h.NumRetries > MaxNumRetries:
		return doctales.FieldErrorf(doctales.EINVALID, field("numRetries"),
			"numRetries %d is outside 0..%d.", h.NumRetries, MaxNumRetries)
	case h.NumNoDelayRetries < 0:
		return doctales.FieldErrorf(doctales.EINVALID, field("numNoDelayRetries"),
			"numNoDelayRetries %d is negative.", h.NumNoDelayRetries)
	case h.NumMinDelayRetries < 0:
		return doctales.FieldErrorf(doctales.EINVALID, field("numMinDelayRetries"),
			"numMinDelayRetries %d is negative.", h.NumMinDelayRetries)
	case h.NumMaxDelayRetries < 0:
		return doctales.FieldErrorf(doctales.EINVALID, field("numMaxDelayRetries"),
			"numMaxDelayRetries %d is negative.", h.NumMaxDelayRetries)
	case h.NumNoDelayRetries+h.NumMinDelayRetries+h.NumMaxDelayRetries > h.NumRetries:
		return doctales.FieldErrorf(doctales.EINVALID, field("numRetries"),
			"numRetries %d is less than numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries = %d.",
			h.NumRetries, h.NumNoDelayRetries+h.NumMinDelayRetries+h.NumMaxDelayRetries)
	case h.MinDelayTarget < 1:
		return doctales.FieldErrorf(doctales.EINVALID, field("minDelayTarget"),
			"minDelayTarget %d is less than 1 second.", h.MinDelayTarget)
	case h.MaxDelayTarget > MaxDelayTargetSeconds:
		return doctales.FieldErrorf(doctales.EINVALID, field("maxDelayTarget"),
			"maxDelayTarget %d is more than %d seconds.", h.MaxDelayTarget, MaxDelayTargetSeconds)
	case h.MaxDelayTarget < h.MinDelayTarget:
		return doctales.FieldErrorf(doctales.EINVALID, field("maxDelayTarget"),
			"maxDelayTarget %d is less than minDelayTarget %d.", h.MaxDelayTarget, h.MinDelayTarget)
	}
	switch strings.ToLower(h.BackoffFunction) {
	case BackoffLinear, BackoffArithmetic, BackoffGeometric, BackoffExponential:
	default:
		return doctales.FieldErrorf(doctales.EINVALID, field("backoffFunction"),
			"backoffFunction %q is not one of linear, arithmetic, geometric, exponential.", h.BackoffFunction)
	}
	if total := p.nominalTotal(); total > MaxTotalPolicySeconds {
		return doctales.FieldErrorf(doctales.EINVALID, field("numRetries"),
			"the retries of this policy take %.0f seconds in all; the limit is %d seconds.", total, MaxTotalPolicySeconds)
	}
	if r := p.ThrottlePolicy.MaxReceivesPerSecond; r < 0 {
		return doctales.FieldErrorf(doctales.EINVALID, "throttlePolicy.maxReceivesPerSecond",
			"maxReceivesPerSecond %d is negative; it must be at least 1, or 0 for no throttling.", r)
	}
	switch ct := p.RequestPolicy.HeaderContentType; {
	case ct == "", strings.HasPrefix(ct, "application/json"), strings.HasPrefix(ct, "text/plain"):
	default:
		return doctales.FieldErrorf(doctales.EINVALID, "requestPolicy.headerContentType",
			"headerContentType %q is not application/json or text/plain: the body is a JSON notification.", ct)
	}
	return nil
}

// Delay returns the wait before retry n (1 for the first retry, after the
// first failed attempt), and false when the policy allows no retry n: the
// record is then dead-lettered. Delay is the nominal schedule; the runtime
// waits between 90% and 100% of it (jitter, as SNS applies, that never
// lengthens the policy).
//
//	immediate     n ≤ I               0
//	pre-backoff   n ≤ I+P             minDelayTarget
//	backoff       n ≤ numRetries−M    min + (max−min)·f(i/B), i = n−I−P, B the backoff retries
//	post-backoff  n ≤ numRetries      maxDelayTarget
//
// with f(x) = x (linear), x² (arithmetic: the delays grow by a constant
// step, slowly at first), √x (geometric: large steps first, then
// flattening), and (r^x−1)/(r−1) with r = max/min (exponential: the
// delays form a geometric progression, min·r^x). Every f goes from f(0) = 0 to
// f(1) = 1, so the backoff phase ends at maxDelayTarget. SNS publishes the
// four curves as a chart, not as formulas; these follow its shapes.
func (p *DeliveryPolicy) Delay(n int) (time.Duration, bool) {
	h := &p.HealthyRetryPolicy
	if n < 1 || n > h.NumRetries {
		return 0, false
	}
	sec := p.Second
	if sec <= 0 {
		sec = time.Second
	}
	minD, maxD := float64(h.MinDelayTarget), float64(h.MaxDelayTarget)
	backoffN := h.NumRetries - h.NumNoDelayRetries - h.NumMinDelayRetries - h.NumMaxDelayRetries
	var d float64
	switch {
	case n <= h.NumNoDelayRetries:
		d = 0
	case n <= h.NumNoDelayRetries+h.NumMinDelayRetries:
		d = minD
	case n <= h.NumNoDelayRetries+h.NumMinDelayRetries+backoffN:
		x := float64(n-h.NumNoDelayRetries-h.NumMinDelayRetries) / float64(backoffN)
		d = minD + (maxD-minD)*backoffCurve(h.BackoffFunction, x, minD, maxD)
	default:
		d = maxD
	}
	return time.Duration(d * float64(sec)), true
}

// backoffCurve maps x in (0, 1] to (0, 1] along the named function.
func backoffCurve(fn string, x, minD, maxD float64) float64 {
	switch strings.ToLower(fn) {
	case BackoffArithmetic:
		return x * x
	case BackoffGeometric:
		return math.Sqrt(x)
	case BackoffExponential:
		r := maxD / minD
		if r <= 1 {
			return x
		}
		return (math.Pow(r, x) - 1) / (r - 1)
	default: // linear
		return x
	}
}

// TotalDelay returns the sum of the nominal delays of every retry: how long
// a record is retried before it is dead-lettered, not counting the time the
// attempts themselves take.
func (p *DeliveryPolicy) TotalDelay() time.Duration {
	var total time.Duration
	for n := 1; ; n++ {
		d, ok := p.Delay(n)
		if !ok {
			return total
		}
		total += d
	}
}

// nominalTotal is TotalDelay in policy seconds, for the SNS limit.
func (p *DeliveryPolicy) nominalTotal() float64 {
	q := *p
	q.Second = time.Second
	return q.TotalDelay().Seconds()
}

// String describes the schedule for logs and errors.
func (p *DeliveryPolicy) String() string {
	h := &p.HealthyRetryPolicy
	return fmt.Sprintf("%d retries (%d immediate, %d at %ds, %d %s backoff to %ds, %d at %ds), about %s",
		h.NumRetries, h.NumNoDelayRetries, h.NumMinDelayRetries, h.MinDelayTarget,
		h.NumRetries-h.NumNoDelayRetries-h.NumMinDelayRetries-h.NumMaxDelayRetries, h.BackoffFunction,
		h.MaxDelayTarget, h.NumMaxDelayRetries, h.MaxDelayTarget, p.TotalDelay().Round(time.Second))
}

// throttle spaces calls evenly at most perSecond a second: each call
// reserves the next free slot. It holds no burst: after an idle period the
// first call goes at once and the next one 1/perSecond later. Not safe for
// concurrent use; the caller locks.
type throttle struct {
	interval time.Duration // 1/perSecond
	next     time.Time     // earliest start of the next call
}

func newThrottle(perSecond int) *throttle {
	if perSecond <= 0 {
		return nil
	}
	return &throttle{interval: time.Second / time.Duration(perSecond)}
}

// reserve books n calls from now and returns how long to wait before
// making them.
func (t *throttle) reserve(now time.Time, n int) time.Duration {
	if t.next.Before(now) {
		t.next = now
	}
	wait := t.next.Sub(now)
	t.next = t.next.Add(time.Duration(n) * t.interval)
	return wait
}
