// Package ledgertest is the shared contract test of [doctales.Ledger]: the
// claim → publish → mark-sent protocol that keeps a notification to one
// Publish. Each implementation (package sqlite's DB, package dynamodb's
// Ledger against the emulator, the notify tests' in-memory ledger) runs it.
package ledgertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
)

// Lease is the claim lease the contract uses.
const Lease = time.Minute

// Clock is a fake clock for a ledger under test: set the ledger's Now to
// c.Now and move it with Advance. Safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Run runs the contract on fresh ledgers from newLedger, each with a clock
// that the test advances; the ledger must read its time from that clock.
// The subtests do not run in parallel.
func Run(t *testing.T, newLedger func(t *testing.T, c *Clock) doctales.Ledger) {
	ctx := context.Background()
	start := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)

	claim := func(t *testing.T, l doctales.Ledger, id string, want doctales.ClaimState) {
		t.Helper()
		got, err := l.Claim(ctx, id, "email-1", Lease)
		if err != nil {
			t.Fatalf("Claim(%q): %v", id, err)
		}
		if got != want {
			t.Fatalf("Claim(%q) = %v, want %v", id, got, want)
		}
	}
	sent := func(t *testing.T, l doctales.Ledger, id string, want bool) {
		t.Helper()
		got, err := l.Sent(ctx, id)
		if err != nil {
			t.Fatalf("Sent(%q): %v", id, err)
		}
		if got != want {
			t.Fatalf("Sent(%q) = %v, want %v", id, got, want)
		}
	}

	t.Run("ClaimPublishMark", func(t *testing.T) {
		c := NewClock(start)
		l := newLedger(t, c)
		claim(t, l, "m1", doctales.ClaimAcquired)
		sent(t, l, "m1", false) // a claim is not sent
		if err := l.MarkSent(ctx, "m1", "email-1"); err != nil {
			t.Fatal(err)
		}
		sent(t, l, "m1", true)
		claim(t, l, "m1", doctales.ClaimSent)
		c.Advance(10 * Lease)
		claim(t, l, "m1", doctales.ClaimSent) // sent is for ever
		if err := l.MarkSent(ctx, "m1", "email-1"); err != nil {
			t.Errorf("marking twice: %v", err)
		}
		sent(t, l, "m2", false)
	})

	t.Run("InFlightThenTakeOver", func(t *testing.T) {
		// A claimer crashed between publish and mark: within the lease
		// the next claimer is told "in flight", at the lease's end it
		// takes over, and its own lease then runs.
		c := NewClock(start)
		l := newLedger(t, c)
		claim(t, l, "m1", doctales.ClaimAcquired)
		claim(t, l, "m1", doctales.ClaimInFlight)
		c.Advance(Lease - time.Millisecond)
		claim(t, l, "m1", doctales.ClaimInFlight)
		c.Advance(time.Millisecond)
		claim(t, l, "m1", doctales.ClaimTakenOver)
		claim(t, l, "m1", doctales.ClaimInFlight) // the new holder's lease
		c.Advance(Lease)
		claim(t, l, "m1", doctales.ClaimTakenOver)
		if err := l.MarkSent(ctx, "m1", "email-1"); err != nil {
			t.Fatal(err)
		}
		claim(t, l, "m1", doctales.ClaimSent)
		sent(t, l, "m1", true)
	})

	t.Run("Release", func(t *testing.T) {
		// A holder whose publish failed releases the claim: the next
		// claim takes over at once. Releasing a sent or unknown id
		// changes nothing.
		c := NewClock(start)
		l := newLedger(t, c)
		claim(t, l, "m1", doctales.ClaimAcquired)
		if err := l.Release(ctx, "m1"); err != nil {
			t.Fatal(err)
		}
		claim(t, l, "m1", doctales.ClaimTakenOver)
		claim(t, l, "m1", doctales.ClaimInFlight)
		if err := l.MarkSent(ctx, "m1", "email-1"); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(ctx, "m1"); err != nil {
			t.Fatal(err)
		}
		claim(t, l, "m1", doctales.ClaimSent)
		if err := l.Release(ctx, "m2"); err != nil {
			t.Fatal(err)
		}
		claim(t, l, "m2", doctales.ClaimAcquired)
		if err := l.Release(ctx, ""); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("Release with an empty id: %v", err)
		}
	})

	t.Run("MarkUnclaimed", func(t *testing.T) {
		// MarkSent without a claim (a sender that does not claim) is
		// sent all the same.
		l := newLedger(t, NewClock(start))
		if err := l.MarkSent(ctx, "m1", "email-1"); err != nil {
			t.Fatal(err)
		}
		sent(t, l, "m1", true)
		claim(t, l, "m1", doctales.ClaimSent)
	})

	t.Run("Invalid", func(t *testing.T) {
		l := newLedger(t, NewClock(start))
		if _, err := l.Claim(ctx, "", "email-1", Lease); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("Claim with an empty id: %v", err)
		}
		if _, err := l.Claim(ctx, "m1", "email-1", 0); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("Claim with no lease: %v", err)
		}
		if err := l.MarkSent(ctx, "", "email-1"); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("MarkSent with an empty id: %v", err)
		}
	})
}
