package runtime

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Circuit states, as /stats shows them.
const (
	CircuitClosed = "closed" // deliveries flow
	CircuitOpen   = "open"   // the endpoint is down: one record probes, the others wait
)

// CircuitState is the circuit of a delivery subscription, in [Stats].
type CircuitState struct {
	State     string    `json:"state"`               // CircuitClosed or CircuitOpen
	Since     time.Time `json:"since"`               // when it entered State (or the runtime opened)
	Failures  int       `json:"consecutiveFailures"` // failed attempts in a row
	Opened    int64     `json:"opened"`              // times it opened since the runtime opened
	LastError string    `json:"lastError,omitempty"` // the error of the last failed attempt
}

// PermanentError is implemented by errors that retrying cannot fix, such
// as a webhook's 400 answer. The runtime dead-letters a record whose
// handler fails with an error whose Permanent method reports true (found
// with errors.As) at once, without retrying it, and goes on with the
// records behind it.
type PermanentError interface {
	error
	Permanent() bool
}

// isPermanent reports whether err, or an error it wraps, is permanent.
func isPermanent(err error) bool {
	var p PermanentError
	return errors.As(err, &p) && p.Permanent()
}

// circuit pauses a delivery subscription whose endpoint keeps failing.
//
// Closed, every worker delivers. After threshold failed attempts in a row
// it opens: from then on only one invocation at a time may run (the probe),
// and not before the retry delay of the last failure has passed, so the
// endpoint is called at the policy's pace while the records behind the
// probe wait unattempted, keeping their attempts and their order. The first
// answer from the endpoint (a success, or a permanent error, which is an
// answer too) closes it. Opening and closing are logged once each.
type circuit struct {
	threshold int // 0: no circuit

	mu        sync.Mutex
	open      bool
	probing   bool          // an invocation is running while open
	nextProbe time.Time     // no probe before this while open
	changed   chan struct{} // closed and replaced when a waiter may proceed
	failures  int
	since     time.Time
	opened    int64
	lastErr   string
}

func (c *circuit) init(now time.Time, threshold int) {
	c.threshold = threshold
	c.since = now
	c.changed = make(chan struct{})
}

// notify wakes the waiters; c.mu is held.
func (c *circuit) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// enter waits until an invocation may run and returns the function to call
// when it has returned. It returns ctx's error if ctx ends first.
func (c *circuit) enter(ctx context.Context, now func() time.Time) (exit func(), err error) {
	if c.threshold <= 0 {
		return func() {}, nil
	}
	for {
		c.mu.Lock()
		if !c.open {
			c.mu.Unlock()
			return func() {}, nil
		}
		wait := c.nextProbe.Sub(now())
		if !c.probing && wait <= 0 {
			c.probing = true
			c.mu.Unlock()
			return func() {
				c.mu.Lock()
				c.probing = false
				c.notify()
				c.mu.Unlock()
			}, nil
		}
		ch, probing := c.changed, c.probing
		c.mu.Unlock()
		// Wait for the probe to return, the circuit to close, or the next
		// probe time.
		var t *time.Timer
		var timer <-chan time.Time
		if !probing && wait > 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-ch:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if err != nil {
			return nil, err
		}
	}
}

// answered records that the endpoint answered; it reports whether that
// closed the circuit and, if so, how long it was open.
func (c *circuit) answered(now time.Time) (closed bool, openFor time.Duration) {
	if c.threshold <= 0 {
		return false, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = 0
	if !c.open {
		return false, 0
	}
	c.open = false
	openFor = now.Sub(c.since)
	c.since = now
	c.notify()
	return true, openFor
}

// failed records a failed attempt to be retried after delay; it reports
// whether that opened the circuit.
func (c *circuit) failed(now time.Time, err error, delay time.Duration) (opened bool) {
	if c.threshold <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures++
	c.lastErr = err.Error()
	c.nextProbe = now.Add(delay)
	if c.open || c.failures < c.threshold {
		return false
	}
	c.open = true
	c.since = now
	c.opened++
	return true
}

// isOpen reports whether the circuit is open.
func (c *circuit) isOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open
}

// state returns the circuit for Stats, nil without a circuit.
func (c *circuit) state() *CircuitState {
	if c.threshold <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &CircuitState{State: CircuitClosed, Since: c.since, Failures: c.failures, Opened: c.opened, LastError: c.lastErr}
	if c.open {
		st.State = CircuitOpen
	}
	return st
}
