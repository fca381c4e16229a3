package runtime

import (
	"context"
	"time"

	"github.com/doctales/doctales"
)

// Record outcomes reported to an Observer.
const (
	OutcomeFiltered     = "filtered"      // matched no filter pattern; dropped
	OutcomeDelivered    = "delivered"     // the function succeeded on it
	OutcomeRetry        = "retry"         // the function failed on it; it will be retried
	OutcomeDeadLettered = "dead_lettered" // given up: retries exhausted or too old
)

// Outcome is what happened to one record in one subscription.
type Outcome struct {
	Kind     string        // one of the Outcome constants
	Attempt  int           // the attempt that ended so (1 for the first)
	Duration time.Duration // the invocation's duration (0 for filtered)
	Err      error         // the function's error, for retry and dead_lettered
	Reason   string        // for dead_lettered: "retries exhausted" or "record too old"
}

// Invocation describes one handler call.
type Invocation struct {
	Subscription string
	Source       string
	Records      []*doctales.LogRecord
	Attempt      int // 1 for the first attempt of the first record
}

// Observer watches deliveries for metrics, traces and the flow history. Its
// methods are called from the runtime's workers: they must be safe for
// concurrent use and must not block.
type Observer interface {
	// StartInvocation is called before a handler runs. The context it
	// returns is passed to the handler (a tracer puts its span there), and
	// end is called with the handler's outcome: the index of the first
	// failed record and the error, or (-1, nil).
	StartInvocation(ctx context.Context, inv *Invocation) (_ context.Context, end func(failed int, err error))
	// RecordOutcome is called for every record each time its fate in a
	// subscription is decided.
	RecordOutcome(subscription string, rec *doctales.LogRecord, o Outcome)
}

// Observers fans out to several observers in order.
type Observers []Observer

// StartInvocation calls every observer's StartInvocation, threading the
// context through them.
func (os Observers) StartInvocation(ctx context.Context, inv *Invocation) (context.Context, func(int, error)) {
	ends := make([]func(int, error), 0, len(os))
	for _, o := range os {
		var end func(int, error)
		ctx, end = o.StartInvocation(ctx, inv)
		ends = append(ends, end)
	}
	return ctx, func(failed int, err error) {
		for i := len(ends) - 1; i >= 0; i-- {
			ends[i](failed, err)
		}
	}
}

// RecordOutcome calls every observer's RecordOutcome.
func (os Observers) RecordOutcome(sub string, rec *doctales.LogRecord, o Outcome) {
	for _, ob := range os {
		ob.RecordOutcome(sub, rec, o)
	}
}

// nopObserver observes nothing.
type nopObserver struct{}

func (nopObserver) StartInvocation(ctx context.Context, _ *Invocation) (context.Context, func(int, error)) {
	return ctx, func(int, error) {}
}
func (nopObserver) RecordOutcome(string, *doctales.LogRecord, Outcome) {}
