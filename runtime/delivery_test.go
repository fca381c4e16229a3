package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// endpoint is a delivery handler like runtime.SNSHandler over a webhook: it
// delivers the records one by one, in order, and reports the first that
// fails; the ones after it are not attempted.
type endpoint struct {
	mu        sync.Mutex
	attempts  map[int64]int // per seq
	order     []int64       // seqs in attempt order
	delivered []int64       // seqs delivered, in order
	answer    func(rec *doctales.LogRecord, attempt int) error
}

func (e *endpoint) Invoke(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.attempts == nil {
		e.attempts = map[int64]int{}
	}
	for i, rec := range recs {
		e.attempts[rec.Seq]++
		e.order = append(e.order, rec.Seq)
		if e.answer != nil {
			if err := e.answer(rec, e.attempts[rec.Seq]); err != nil {
				return i, err
			}
		}
		e.delivered = append(e.delivered, rec.Seq)
	}
	return -1, nil
}

func (e *endpoint) snapshot() (attempts map[int64]int, delivered []int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	attempts = make(map[int64]int, len(e.attempts))
	for k, v := range e.attempts {
		attempts[k] = v
	}
	return attempts, append([]int64(nil), e.delivered...)
}

// permanentErr is an error retrying cannot fix, such as a 400 answer.
type permanentErr struct{ status int }

func (e *permanentErr) Error() string   { return fmt.Sprintf("status %d", e.status) }
func (e *permanentErr) Permanent() bool { return true }

// fastPolicy is a delivery policy whose "second" is a millisecond.
func fastPolicy(retries, noDelay, minDelay, maxDelay int) *runtime.DeliveryPolicy {
	return &runtime.DeliveryPolicy{
		HealthyRetryPolicy: runtime.HealthyRetryPolicy{NumRetries: retries, NumNoDelayRetries: noDelay,
			MinDelayTarget: minDelay, MaxDelayTarget: maxDelay, BackoffFunction: runtime.BackoffLinear},
		Second: time.Millisecond,
	}
}

// openDeliveryRuntime opens a runtime with one delivery subscription over
// the SNS source and returns it with its log lines.
func openDeliveryRuntime(t *testing.T, s runtime.Subscription) (*runtime.Runtime, *syncBuffer, func(n int)) {
	t.Helper()
	db := MustOpenDB(t, t.TempDir())
	logs := &syncBuffer{}
	rt := &runtime.Runtime{Log: db, DeadLetters: db, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	s.Name, s.Source = "topic/webhook-1", doctales.SourceSNS
	if err := rt.Add(s); err != nil {
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	publish := func(n int) {
		var kv []string
		for i := 0; i < n; i++ {
			kv = append(kv, fmt.Sprintf("m%d", i), fmt.Sprintf(`{"n":%d}`, i))
		}
		appendRecs(t, db, doctales.SourceSNS, kv...)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("runtime log:\n%s", logs.String())
		}
	})
	return rt, logs, publish
}

// syncBuffer is a bytes.Buffer safe for the runtime's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestDelivery_CircuitOpensProbesAndCloses(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			var down atomic.Bool
			down.Store(true)
			ep := &endpoint{answer: func(*doctales.LogRecord, int) error {
				if down.Load() {
					return errors.New("connection refused")
				}
				return nil
			}}
			// 100 retries of 5 "seconds" (5ms): the head record could
			// retry for half a second, far longer than the outage.
			rt, logs, publish := openDeliveryRuntime(t, runtime.Subscription{
				Handler: ep, Delivery: fastPolicy(100, 2, 5, 5), BatchSize: 1, Concurrency: conc, CircuitFailures: 4,
			})
			publish(30)

			// The circuit opens after 4 failures and stays open.
			waitFor(t, "the circuit to open", func() bool { return rt.Stats()[0].Circuit.State == runtime.CircuitOpen })
			countAttempts := func() int {
				attempts, _ := ep.snapshot()
				total := 0
				for _, n := range attempts {
					total += n
				}
				return total
			}
			before := countAttempts()
			time.Sleep(100 * time.Millisecond)
			probes := countAttempts() - before
			st := rt.Stats()[0]
			if c := st.Circuit; c.State != runtime.CircuitOpen || c.Opened != 1 || c.LastError != "connection refused" || c.Since.IsZero() {
				t.Fatalf("circuit while down = %+v", c)
			}
			// Only the records at the workers' heads were attempted; the
			// others wait with no attempt charged; nothing dead-lettered.
			attempts, delivered := ep.snapshot()
			if len(attempts) > conc || len(delivered) != 0 || st.DeadLettered != 0 {
				t.Fatalf("while open: %d records attempted (want at most %d), %d delivered, %d dead-lettered",
					len(attempts), conc, len(delivered), st.DeadLettered)
			}
			// Probes go one at a time at the policy's pace, one per 5ms:
			// about 20 in 100ms, whatever the number of workers.
			t.Logf("%d probes in 100ms while open", probes)
			if probes > 30 {
				t.Fatalf("%d attempts in 100ms while open; the policy allows one per 5ms", probes)
			}

			// Drain does not wait for an endpoint that is down: the
			// records wait in the log, undelivered and not dead-lettered.
			drain(t, rt)
			if _, delivered := ep.snapshot(); len(delivered) != 0 || rt.Stats()[0].DeadLettered != 0 {
				t.Fatalf("drain while open: %d delivered, %d dead-lettered; want 0 and 0", len(delivered), rt.Stats()[0].DeadLettered)
			}

			// The endpoint comes back: everything is delivered once, in
			// order per key, and the circuit closes.
			down.Store(false)
			waitFor(t, "the circuit to close", func() bool { return rt.Stats()[0].Circuit.State == runtime.CircuitClosed })
			drain(t, rt)
			attempts, delivered = ep.snapshot()
			if len(delivered) != 30 {
				t.Fatalf("delivered %d of 30", len(delivered))
			}
			seen := map[int64]bool{}
			for _, seq := range delivered {
				if seen[seq] {
					t.Fatalf("seq %d delivered twice", seq)
				}
				seen[seq] = true
			}
			if conc == 1 {
				for i := 1; i < len(delivered); i++ {
					if delivered[i] < delivered[i-1] {
						t.Fatalf("delivered out of order: %v", delivered)
					}
				}
			}
			// Every record was attempted, and only those at the workers'
			// heads while the circuit was open more than once: the others
			// were charged no failed attempt.
			retried := 0
			for _, n := range attempts {
				if n > 1 {
					retried++
				}
			}
			if len(attempts) != 30 || retried > conc {
				t.Fatalf("after recovery: %d records attempted (want 30), %d more than once (want at most %d): %v",
					len(attempts), retried, conc, attempts)
			}
			st = rt.Stats()[0]
			if c := st.Circuit; c.State != runtime.CircuitClosed || c.Failures != 0 || st.DeadLettered != 0 || st.Succeeded != 30 {
				t.Fatalf("after recovery: circuit %+v, stats %+v", c, st)
			}
			// Logged once each, not per record.
			out := logs.String()
			if n := strings.Count(out, "circuit open"); n != 1 {
				t.Fatalf("%d 'circuit open' lines, want 1:\n%s", n, out)
			}
			if n := strings.Count(out, "circuit closed"); n != 1 {
				t.Fatalf("%d 'circuit closed' lines, want 1:\n%s", n, out)
			}
			if n := strings.Count(out, "delivery failed; retrying"); n > 4 {
				t.Fatalf("%d retry warnings; the open circuit should silence them:\n%s", n, out)
			}
		})
	}
}

func TestDelivery_PermanentFailureDoesNotBlock(t *testing.T) {
	ep := &endpoint{answer: func(rec *doctales.LogRecord, _ int) error {
		if strings.Contains(string(rec.Data), `"n":3}`) {
			return &permanentErr{400}
		}
		return nil
	}}
	db := MustOpenDB(t, t.TempDir())
	rt := &runtime.Runtime{Log: db, DeadLetters: db, PollInterval: 10 * time.Millisecond}
	if err := rt.Add(runtime.Subscription{Name: "topic/webhook-1", Source: doctales.SourceSNS, Handler: ep,
		Delivery: fastPolicy(3, 0, 1000, 1000), BatchSize: 10, Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	var kv []string
	for i := 0; i < 8; i++ {
		kv = append(kv, "k", fmt.Sprintf(`{"n":%d}`, i))
	}
	appendRecs(t, db, doctales.SourceSNS, kv...)
	start := time.Now()
	drain(t, rt)
	// A retry would wait 1000 "seconds" (1s): a permanent failure is not
	// retried, and the records behind it are not held.
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Fatalf("took %s: the permanent failure was retried", took)
	}
	attempts, delivered := ep.snapshot()
	if len(delivered) != 7 {
		t.Fatalf("delivered %d, want the 7 good ones", len(delivered))
	}
	for seq, n := range attempts {
		if n != 1 {
			t.Fatalf("seq %d attempted %d times, want 1", seq, n)
		}
	}
	dls, err := db.DeadLetters(context.Background(), "topic/webhook-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || dls[0].Reason != "permanent failure" || dls[0].Attempts != 1 || dls[0].Error != "status 400" {
		t.Fatalf("dead letters %+v, want the one 400", dls)
	}
	if st := rt.Stats()[0]; st.Circuit.Failures != 0 || st.Circuit.State != runtime.CircuitClosed {
		t.Fatalf("a 400 is an answer, yet the circuit counts it: %+v", st.Circuit)
	}
}

func TestDelivery_BatchItemFailureChargesOnlyTheFailedRecord(t *testing.T) {
	// Records are delivered in a batch of 10; the 5th fails twice. The 4
	// before it are delivered once, and the 5 after it were never attempted
	// while it failed: they are delivered once too, after it.
	ep := &endpoint{answer: func(rec *doctales.LogRecord, attempt int) error {
		if strings.Contains(string(rec.Data), `"n":4}`) && attempt <= 2 {
			return errors.New("status 503")
		}
		return nil
	}}
	rt, _, publish := openDeliveryRuntime(t, runtime.Subscription{
		Handler: ep, Delivery: fastPolicy(3, 0, 1, 1), BatchSize: 10, Concurrency: 1,
	})
	publish(10)
	drain(t, rt)
	attempts, delivered := ep.snapshot()
	if len(delivered) != 10 {
		t.Fatalf("delivered %d of 10", len(delivered))
	}
	for i := 1; i < len(delivered); i++ {
		if delivered[i] <= delivered[i-1] {
			t.Fatalf("out of order: %v", delivered)
		}
	}
	for seq, n := range attempts {
		want := 1
		if seq == delivered[4] {
			want = 3
		}
		if n != want {
			t.Fatalf("seq %d attempted %d times, want %d (attempts %v)", seq, n, want, attempts)
		}
	}
	if st := rt.Stats()[0]; st.Retried != 2 || st.DeadLettered != 0 {
		t.Fatalf("stats %+v, want 2 retries and no dead letter", st)
	}
}

func TestDelivery_PolicyExhausted(t *testing.T) {
	// An endpoint that always fails: each record gets the whole policy (1
	// attempt + 2 retries), one after the other, then is dead-lettered; a
	// record is never charged while another one is being retried. With a
	// circuit, the same: the open circuit holds the records behind the
	// probe, it does not shorten the probe's policy or skip records.
	for _, circuitFailures := range []int{-1, 2} {
		t.Run(fmt.Sprintf("circuit failures %d", circuitFailures), func(t *testing.T) {
			ep := &endpoint{answer: func(*doctales.LogRecord, int) error { return errors.New("status 503") }}
			rt, logs, publish := openDeliveryRuntime(t, runtime.Subscription{
				Handler: ep, Delivery: fastPolicy(2, 1, 1, 1), BatchSize: 5, Concurrency: 1, CircuitFailures: circuitFailures,
			})
			publish(3)
			if circuitFailures > 0 {
				// Drain does not wait for a subscription whose circuit is
				// open: wait for the policy to run out on all three.
				// (The count moves before its log line is written: wait
				// for both.)
				waitFor(t, "3 dead letters", func() bool {
					return rt.Stats()[0].DeadLettered == 3 && strings.Count(logs.String(), "delivery policy exhausted") == 3
				})
			} else {
				drain(t, rt)
			}
			ep.mu.Lock()
			order := append([]int64(nil), ep.order...)
			ep.mu.Unlock()
			if len(order) != 9 {
				t.Fatalf("%d attempts %v, want 3 records × 3", len(order), order)
			}
			for i := 0; i < 9; i++ {
				if order[i] != order[i/3*3] {
					t.Fatalf("attempt order %v: records interleaved", order)
				}
			}
			st := rt.Stats()[0]
			if st.DeadLettered != 3 {
				t.Fatalf("stats %+v, want 3 dead letters", st)
			}
			if circuitFailures < 0 && st.Circuit != nil {
				t.Fatalf("circuit %+v with CircuitFailures -1", st.Circuit)
			}
			if circuitFailures > 0 {
				if c := st.Circuit; c.State != runtime.CircuitOpen || c.Opened != 1 || c.Failures != 9 {
					t.Fatalf("circuit %+v, want open once with 9 failures", c)
				}
				if n := strings.Count(logs.String(), "delivery policy exhausted"); n != 3 {
					t.Fatalf("%d dead-letter lines, want 3:\n%s", n, logs.String())
				}
			}
		})
	}
}

func TestDelivery_Throttle(t *testing.T) {
	ep := &endpoint{}
	p := fastPolicy(1, 0, 1, 1)
	p.ThrottlePolicy.MaxReceivesPerSecond = 50 // 20ms apart
	rt, _, publish := openDeliveryRuntime(t, runtime.Subscription{Handler: ep, Delivery: p, BatchSize: 1, Concurrency: 2})
	publish(21)
	start := time.Now()
	drain(t, rt)
	took := time.Since(start)
	// 21 receives at 50/s: the last starts 400ms after the first.
	if took < 380*time.Millisecond {
		t.Fatalf("21 receives took %s; at 50/s they need at least 400ms", took)
	}
	if took > 2*time.Second {
		t.Fatalf("21 receives took %s; at 50/s they need about 400ms", took)
	}
	if _, d := ep.snapshot(); len(d) != 21 {
		t.Fatalf("delivered %d of 21", len(d))
	}
	t.Logf("21 receives at maxReceivesPerSecond 50 took %s (%.1f/s)", took, 20/took.Seconds())
}
