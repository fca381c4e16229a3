package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/ledgertest"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/notify"
	"github.com/doctales/doctales/sns"
	"github.com/doctales/doctales/sqlite"
)

// crash is the panic the crash hook injects between publish and mark sent.
type crash struct{}

// crashOnce makes f's next publish crash before it is marked sent, once.
func crashOnce(f *notify.Function) {
	var once sync.Once
	notify.SetAfterPublish(f, func(ctx context.Context, m *doctales.Message) {
		once.Do(func() { panic(crash{}) })
	})
}

// handleCrashing runs Handle and expects the injected crash: the handler is
// aborted, as a process or Lambda invocation dying would leave it.
func handleCrashing(t *testing.T, f *notify.Function, ev events.DynamoDBEvent) {
	t.Helper()
	defer func() {
		if r := recover(); r != (crash{}) {
			t.Fatalf("Handle did not crash between publish and mark (recovered %v)", r)
		}
	}()
	_, _ = f.Handle(context.Background(), ev)
}

func oneEscalation(t *testing.T) events.DynamoDBEvent {
	return events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(t, notify.EventInsert, "100", nil, testItem("email-1", "high")),
	}}
}

// TestFunction_ClaimLease is the lease rule on a fake clock: after a crash
// between publish and mark, a retry within the lease is "in flight" and
// fails the record without publishing; the first retry after the lease
// takes the claim over and publishes again with the same MessageID; once
// marked, nothing publishes again.
func TestFunction_ClaimLease(t *testing.T) {
	f, tp, l := newFunction(t)
	f.ClaimWait = -1 // fail at once while in flight
	clock := ledgertest.NewClock(testNow)
	l.Now = clock.Now
	ev := oneEscalation(t)
	id := notify.MessageID("email-1", notify.EscalationUrgencyHigh)

	crashOnce(f)
	handleCrashing(t, f, ev)
	if len(tp.Published) != 1 {
		t.Fatalf("published %d before the crash, want 1", len(tp.Published))
	}

	// Within the lease: in flight, the record fails, nothing published.
	clock.Advance(notify.DefaultClaimLease - time.Millisecond)
	resp, err := f.Handle(context.Background(), ev)
	if err != nil || fmt.Sprint(failures(resp)) != "[100]" {
		t.Fatalf("retry within the lease: %v, %v; want record 100 failed", failures(resp), err)
	}
	if len(tp.Published) != 1 {
		t.Fatalf("published during the lease: %d", len(tp.Published))
	}

	// After the lease: taken over, published again, same id, marked.
	clock.Advance(time.Millisecond)
	if got := failures(MustHandle(t, f, ev)); len(got) != 0 {
		t.Fatalf("retry after the lease: BatchItemFailures = %v", got)
	}
	if len(tp.Published) != 2 || tp.Published[0].MessageID != id || tp.Published[1].MessageID != id {
		t.Fatalf("published %d, want 2 with MessageId %s", len(tp.Published), id)
	}
	if sent, _ := l.Sent(context.Background(), id); !sent {
		t.Fatal("not marked sent after the takeover")
	}
	clock.Advance(time.Hour)
	MustHandle(t, f, ev)
	if len(tp.Published) != 2 {
		t.Fatal("published again after the ledger marked the message sent")
	}
}

// TestFunction_ClaimInFlightError: the in-flight failure wraps ErrInFlight.
func TestFunction_ClaimInFlightError(t *testing.T) {
	f, tp, l := newFunction(t)
	f.ClaimWait = -1
	id := notify.MessageID("email-1", notify.EscalationUrgencyHigh)
	if _, err := l.Claim(context.Background(), id, "email-1", time.Hour); err != nil {
		t.Fatal(err)
	}
	var logged []string
	f.OnDecision = func(_ context.Context, _, kind, detail string) { logged = append(logged, kind) }
	resp := MustHandle(t, f, oneEscalation(t))
	if fmt.Sprint(failures(resp)) != "[100]" || len(tp.Calls) != 0 || len(logged) != 0 {
		t.Fatalf("in flight: failures %v, %d published, decisions %v", failures(resp), len(tp.Calls), logged)
	}
	if !errors.Is(fmt.Errorf("x: %w", notify.ErrInFlight), notify.ErrInFlight) {
		t.Fatal("ErrInFlight does not wrap")
	}
}

// TestFunction_ClaimLeaseDeadline: under a deadline (a Lambda invocation)
// the lease runs to the deadline plus ClaimSkew; without one it is
// ClaimLease, or DefaultClaimLease.
func TestFunction_ClaimLeaseDeadline(t *testing.T) {
	f, _, l := newFunction(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(30*time.Second))
	defer cancel()
	f.Now = time.Now
	if _, err := f.Handle(ctx, oneEscalation(t)); err != nil {
		t.Fatal(err)
	}
	if got := l.Leases[0]; got <= 30*time.Second || got > 30*time.Second+notify.ClaimSkew {
		t.Errorf("lease under a 30 s deadline = %s, want just under 31 s", got)
	}

	f, _, l = newFunction(t)
	MustHandle(t, f, oneEscalation(t))
	f.ClaimLease = time.Minute
	MustHandle(t, f, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(t, notify.EventInsert, "200", nil, testItem("email-2", "high")),
	}})
	if l.Leases[0] != notify.DefaultClaimLease || l.Leases[1] != time.Minute {
		t.Errorf("leases without a deadline = %v, want [%s 1m0s]", l.Leases, notify.DefaultClaimLease)
	}
}

// TestFunction_CrashLocal is the crash injection on the local path: the
// SQLite ledger and the local topic. The handler dies between publish and
// mark; the record's redelivery after the lease takes the claim over and
// publishes the same MessageId again, which the local topic drops: one
// delivery (one SNS record in the log).
func TestFunction_CrashLocal(t *testing.T) {
	ctx := context.Background()
	clock := ledgertest.NewClock(testNow)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Now = clock.Now
	db.Logger = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	f := &notify.Function{Topic: db.Topic("notifications"), Ledger: db, Logger: slog.New(slog.DiscardHandler), Now: clock.Now}
	ev := oneEscalation(t)
	id := notify.MessageID("email-1", notify.EscalationUrgencyHigh)

	crashOnce(f)
	handleCrashing(t, f, ev)
	// The restarted process gets the record at once, within the lease:
	// it waits for the lease (the clock moves as it sleeps), takes the
	// claim over and publishes again.
	var waited time.Duration
	notify.SetSleep(f, func(ctx context.Context, d time.Duration) error {
		waited += d
		clock.Advance(d)
		return nil
	})
	if resp := MustHandle(t, f, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery after the restart: failures %v", failures(resp))
	}
	if waited != notify.DefaultClaimLease {
		t.Errorf("waited %s for the lease, want %s", waited, notify.DefaultClaimLease)
	}
	MustHandle(t, f, ev) // and once more: sent, skipped

	recs, err := db.ReadLog(ctx, doctales.SourceSNS, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Key != id {
		t.Fatalf("the topic logged %d deliveries, want 1 of %s", len(recs), id)
	}
	if sent, err := db.Sent(ctx, id); err != nil || !sent {
		t.Fatalf("Sent = %v, %v", sent, err)
	}
}

// fakeSNS answers Publish like an SNS standard topic: every request is
// accepted and delivered, a repeated messageId attribute included.
type fakeSNS struct {
	mu       sync.Mutex
	requests []url.Values
}

func (s *fakeSNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, r.PostForm)
	n := len(s.requests)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-%d</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`, n)
}

// messageIDAttr returns the messageId message attribute of a Publish.
func messageIDAttr(v url.Values) string {
	for i := 1; ; i++ {
		name := v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i))
		if name == "" {
			return ""
		}
		if name == sns.AttrMessageID {
			return v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Value.StringValue", i))
		}
	}
}

// TestFunction_CrashSNS is the crash injection on the SNS path: the SNS
// adapter against a standard topic, which does not dedupe. The documented
// outcome: after the lease the notification is published a second time,
// both Publish requests carry the same messageId attribute, and a
// subscriber that drops a messageId it has seen delivers it once.
func TestFunction_CrashSNS(t *testing.T) {
	fake := &fakeSNS{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := testutil.AWSConfig(srv.URL)
	cfg.RetryMaxAttempts = 1
	f, _, l := newFunction(t)
	f.ClaimWait = -1
	f.Topic = sns.NewTopic(awssns.NewFromConfig(cfg), testTopicArn)
	clock := ledgertest.NewClock(testNow)
	l.Now = clock.Now
	ev := oneEscalation(t)
	id := notify.MessageID("email-1", notify.EscalationUrgencyHigh)

	crashOnce(f)
	handleCrashing(t, f, ev)
	MustHandle(t, f, ev) // in flight
	clock.Advance(notify.DefaultClaimLease)
	MustHandle(t, f, ev) // taken over: published again
	MustHandle(t, f, ev) // sent: skipped

	if len(fake.requests) != 2 {
		t.Fatalf("SNS got %d Publish requests, want 2 (the crashed one and the resend)", len(fake.requests))
	}
	seen := map[string]int{}
	for _, r := range fake.requests {
		seen[messageIDAttr(r)]++
	}
	if seen[id] != 2 || len(seen) != 1 {
		t.Fatalf("messageId attributes = %v, want %s twice", seen, id)
	}
	// The subscriber's side of the rule: drop a messageId already seen.
	if delivered := len(seen); delivered != 1 {
		t.Fatalf("a deduping subscriber delivers %d, want 1", delivered)
	}
}

// TestFunction_ClaimReleasedOnPublishError: a publish that fails releases
// the claim, so the record's retry publishes at once instead of waiting
// for the lease.
func TestFunction_ClaimReleasedOnPublishError(t *testing.T) {
	f, tp, l := newFunction(t)
	clock := ledgertest.NewClock(testNow)
	l.Now = clock.Now
	tp.Err = errors.New("topic down")
	ev := oneEscalation(t)
	if got := failures(MustHandle(t, f, ev)); fmt.Sprint(got) != "[100]" {
		t.Fatalf("topic down: failures %v, want [100]", got)
	}
	tp.Err = nil
	if got := failures(MustHandle(t, f, ev)); len(got) != 0 {
		t.Fatalf("retry at once: failures %v, want none (the claim was released)", got)
	}
	if len(tp.Published) != 1 {
		t.Fatalf("delivered %d, want 1", len(tp.Published))
	}
}

// TestFunction_ClaimWaitDeadline: under a context deadline the wait for a
// claim in flight stops before the deadline, and the record fails.
func TestFunction_ClaimWaitDeadline(t *testing.T) {
	f, tp, l := newFunction(t)
	id := notify.MessageID("email-1", notify.EscalationUrgencyHigh)
	if _, err := l.Claim(context.Background(), id, "email-1", time.Hour); err != nil {
		t.Fatal(err)
	}
	slept := 0
	notify.SetSleep(f, func(ctx context.Context, d time.Duration) error { slept++; return nil })
	ctx, cancel := context.WithTimeout(context.Background(), notify.ClaimSkew+notify.ClaimPoll/2)
	defer cancel()
	resp, err := f.Handle(ctx, oneEscalation(t))
	if err != nil || fmt.Sprint(failures(resp)) != "[100]" || len(tp.Calls) != 0 {
		t.Fatalf("in flight near the deadline: failures %v, %v, %d published", failures(resp), err, len(tp.Calls))
	}
	if slept != 0 {
		t.Errorf("slept %d times with less than a poll left before the deadline", slept)
	}
}
