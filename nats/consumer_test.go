package nats_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/nats"
)

// mustConsumer makes the consumer of o on l, closed at the test's end.
func mustConsumer(t *testing.T, l *nats.Log, o nats.ConsumerOptions) *nats.Consumer {
	t.Helper()
	c, err := l.Consumer(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fetch fetches once from c and returns the deliveries.
func fetch(t *testing.T, c *nats.Consumer, max int) []*nats.Delivery {
	t.Helper()
	var ds []*nats.Delivery
	if _, err := c.Fetch(context.Background(), max, func(d *nats.Delivery) { ds = append(ds, d) }); err != nil {
		t.Fatal(err)
	}
	return ds
}

// fetchUntil fetches from c until cond holds on what it got, or fails
// after timeout.
func fetchUntil(t *testing.T, c *nats.Consumer, timeout time.Duration, cond func([]*nats.Delivery) bool) []*nats.Delivery {
	t.Helper()
	var got []*nats.Delivery
	deadline := time.Now().Add(timeout)
	for !cond(got) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s, got %s", timeout, describe(got))
		}
		got = append(got, fetch(t, c, 100)...)
	}
	return got
}

func describe(ds []*nats.Delivery) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "seq %d (delivery %d) ", d.Record.Seq, d.Delivered)
	}
	return "[" + b.String() + "]"
}

func appendN(t *testing.T, l *nats.Log, n int, source string) {
	t.Helper()
	for i := range n {
		if err := l.Append(context.Background(), rec(source, fmt.Sprintf("k%d", i), fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
}

func ackAll(t *testing.T, ds []*nats.Delivery) {
	t.Helper()
	for _, d := range ds {
		if err := d.Ack(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// waitInfo waits until the consumer's refreshed state satisfies cond.
func waitInfo(t *testing.T, c *nats.Consumer, what string, cond func(pending, ackPending, redelivered int) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		info, _ := c.Info()
		if info != nil && cond(int(info.NumPending), info.NumAckPending, info.NumRedelivered) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s: %s not reached: %+v", c.Name(), what, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConsumerName(t *testing.T) {
	for _, tc := range []struct {
		name         string
		index, count int
		want         string
	}{
		{"extraction", 0, 0, "extraction"},
		{"extraction", 1, 2, "extraction-1of2"},
		{"topic/webhook-1", 0, 0, "topic_webhook-1-"},
		{"analytics/aggregates", 3, 4, "analytics_aggregates-"},
	} {
		got := nats.ConsumerName(tc.name, tc.index, tc.count)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("ConsumerName(%q, %d, %d) = %q, want %q…", tc.name, tc.index, tc.count, got, tc.want)
		}
		if strings.ContainsAny(got, "./*> ") {
			t.Errorf("ConsumerName(%q) = %q: not a valid consumer name", tc.name, got)
		}
	}
	if a, b := nats.ConsumerName("a/b", 0, 0), nats.ConsumerName("a_b", 0, 0); a == b {
		t.Errorf("a/b and a_b share the consumer %q", a)
	}
}

func TestConsumerOptions_Validate(t *testing.T) {
	for _, tc := range []struct {
		o     nats.ConsumerOptions
		field string
	}{
		{nats.ConsumerOptions{}, "Subscription"},
		{nats.ConsumerOptions{Subscription: "s", Index: 2, Count: 2}, "Index"},
		{nats.ConsumerOptions{Subscription: "s", AckWait: time.Millisecond}, "AckWait"},
		{nats.ConsumerOptions{Subscription: "s", MaxDeliver: 1}, "MaxDeliver"},
		{nats.ConsumerOptions{Subscription: "s", AckWait: 10 * time.Second, BackOff: []time.Duration{time.Second}}, "BackOff"},
		{nats.ConsumerOptions{Subscription: "s", StartAfter: -1}, "StartAfter"},
	} {
		err := tc.o.Validate()
		if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tc.field {
			t.Errorf("%+v: %v (field %q), want EINVALID naming %s", tc.o, err, doctales.ErrorField(err), tc.field)
		}
	}
}

// Acknowledged deliveries are not delivered again; the consumer starts
// after the checkpoint it is given.
func TestConsumer_AckedNotRedelivered(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	appendN(t, l, 5, doctales.SourceS3)
	appendN(t, l, 3, doctales.SourceSNS) // another source: not delivered
	c := mustConsumer(t, l, nats.ConsumerOptions{Subscription: "extraction", Source: doctales.SourceS3,
		StartAfter: 2, AckWait: time.Second})
	got := fetchUntil(t, c, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 3 })
	if len(got) != 3 || got[0].Record.Seq != 3 || got[2].Record.Seq != 5 || got[0].Delivered != 1 {
		t.Fatalf("got %s, want seqs 3, 4, 5 (after the checkpoint 2), delivered once", describe(got))
	}
	ackAll(t, got)
	waitInfo(t, c, "every delivery acknowledged", func(p, ap, r int) bool { return ap == 0 })
	// Past the ack wait, only a new record comes.
	time.Sleep(1500 * time.Millisecond) // the ack wait must pass for a redelivery to be possible
	appendN(t, l, 1, doctales.SourceS3)
	got = fetchUntil(t, c, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 1 })
	if len(got) != 1 || got[0].Record.Seq != 9 {
		t.Fatalf("after acks, got %s, want the new record 9 alone", describe(got))
	}
	// A consumer made again keeps its position: StartAfter is for a new one.
	c2 := mustConsumer(t, l, nats.ConsumerOptions{Subscription: "extraction", Source: doctales.SourceS3, AckWait: time.Second})
	ackAll(t, got)
	appendN(t, l, 1, doctales.SourceS3)
	got = fetchUntil(t, c2, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 1 })
	if got[0].Record.Seq != 10 {
		t.Fatalf("consumer updated: got %s, want 10 (its position kept)", describe(got))
	}
}

// A delivery not acknowledged goes to another client after the ack
// wait, with its delivery count; InProgress holds it back meanwhile.
func TestConsumer_RedeliveredAfterAckWait(t *testing.T) {
	srv := testutil.StartNATS(t)
	a := MustOpenLog(t, srv, nats.Options{})
	b := MustOpenLog(t, srv, nats.Options{})
	appendN(t, a, 3, doctales.SourceS3)
	o := nats.ConsumerOptions{Subscription: "extraction", Source: doctales.SourceS3, AckWait: time.Second, Unpinned: true}
	ca, cb := mustConsumer(t, a, o), mustConsumer(t, b, o)
	held := fetchUntil(t, ca, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 3 })
	ackAll(t, held[:1])
	// Kept in progress for three ack waits: not redelivered.
	stop := time.Now().Add(3 * time.Second)
	for time.Now().Before(stop) {
		for _, d := range held[1:] {
			if err := d.InProgress(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if ds := fetch(t, cb, 10); len(ds) > 0 {
			t.Fatalf("redelivered while in progress: %s", describe(ds))
		}
	}
	// Then left: B gets both, delivered a second time.
	got := fetchUntil(t, cb, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 2 })
	if len(got) != 2 || got[0].Record.Seq != 2 || got[1].Record.Seq != 3 || got[0].Delivered != 2 || got[1].Delivered != 2 {
		t.Fatalf("got %s, want seqs 2 and 3, each delivered the 2nd time", describe(got))
	}
	ackAll(t, got)
}

// MaxAckPending bounds what the consumer's clients hold unacknowledged.
func TestConsumer_MaxAckPending(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	appendN(t, l, 10, doctales.SourceS3)
	c := mustConsumer(t, l, nats.ConsumerOptions{Subscription: "extraction", Source: doctales.SourceS3, MaxAckPending: 4})
	got := fetchUntil(t, c, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 4 })
	if more := fetch(t, c, 10); len(more) > 0 || len(got) != 4 {
		t.Fatalf("held %d and got %s more: the bound is 4", len(got), describe(more))
	}
	ackAll(t, got[:2])
	more := fetchUntil(t, c, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 2 })
	if len(more) != 2 || more[0].Record.Seq != 5 {
		t.Fatalf("after 2 acks got %s, want seqs 5 and 6", describe(more))
	}
	if extra := fetch(t, c, 10); len(extra) > 0 {
		t.Fatalf("got %s beyond the bound", describe(extra))
	}
}

// One process of a partition is pinned; the other stands by and takes
// over when the first dies, its unacknowledged records with it.
func TestConsumer_PinnedFailover(t *testing.T) {
	srv := testutil.StartNATS(t)
	a := MustOpenLog(t, srv, nats.Options{})
	b := MustOpenLog(t, srv, nats.Options{})
	o := nats.ConsumerOptions{Subscription: "notification", Source: doctales.SourceDynamoDB, Index: 1, Count: 2,
		AckWait: time.Second, PinnedTTL: time.Second}
	ca, cb := mustConsumer(t, a, o), mustConsumer(t, b, o)
	if ca.Name() != "notification-1of2" {
		t.Fatalf("consumer name %q", ca.Name())
	}
	// Partition 1 of 2's records only.
	var mine []int64
	for i := range 40 {
		r := rec(doctales.SourceDynamoDB, fmt.Sprintf("key-%d", i), `{}`)
		if err := a.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if doctales.KeyPartition(r.Key, 2) == 1 {
			mine = append(mine, r.Seq)
		}
	}
	got := fetchUntil(t, ca, 10*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= len(mine) })
	for i, d := range got {
		if i >= len(mine) || d.Record.Seq != mine[i] {
			t.Fatalf("A got %s, want partition 1's seqs %v", describe(got), mine)
		}
	}
	ackAll(t, got[:len(got)-2]) // the last two stay held
	// A keeps asking (it stays pinned): B gets nothing, even past the ack
	// wait of A's held records, which A keeps in progress.
	var wg sync.WaitGroup
	stopA := make(chan struct{})
	var aGot []*nats.Delivery
	var aMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stopA:
				return
			default:
			}
			aMu.Lock()
			for _, d := range append(got[len(got)-2:len(got):len(got)], aGot...) {
				_ = d.InProgress(context.Background())
			}
			aMu.Unlock()
			_, _ = ca.Fetch(context.Background(), 10, func(d *nats.Delivery) {
				aMu.Lock()
				aGot = append(aGot, d)
				aMu.Unlock()
			})
		}
	}()
	r := rec(doctales.SourceDynamoDB, "", `{}`)
	for i := 0; ; i++ { // a key of partition 1
		r.Key = fmt.Sprintf("later-%d", i)
		if doctales.KeyPartition(r.Key, 2) == 1 {
			break
		}
	}
	if err := a.Append(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	stop := time.Now().Add(3 * time.Second)
	for time.Now().Before(stop) {
		if ds := fetch(t, cb, 10); len(ds) > 0 {
			t.Fatalf("the standby got %s while A is pinned", describe(ds))
		}
	}
	aMu.Lock()
	if len(aGot) != 1 || aGot[0].Record.Seq != r.Seq {
		t.Fatalf("pinned A got %s, want the later record %d", describe(aGot), r.Seq)
	}
	aMu.Unlock()
	if info, pinned := ca.Info(); !pinned {
		t.Errorf("A not reported pinned: %+v", info.PriorityGroups)
	}
	// A dies with two records held and one unacknowledged.
	close(stopA)
	wg.Wait()
	_ = a.Close()
	took := time.Now()
	got = fetchUntil(t, cb, 20*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 3 })
	t.Logf("B took over %s after A closed", time.Since(took).Round(10*time.Millisecond))
	seqs := []int64{}
	for _, d := range got {
		seqs = append(seqs, d.Record.Seq)
		if d.Delivered != 2 {
			t.Errorf("seq %d delivered %d times, want 2 (A had it)", d.Record.Seq, d.Delivered)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	want := []int64{mine[len(mine)-2], mine[len(mine)-1], r.Seq}
	if fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Fatalf("B got %v, want A's held %v", seqs, want)
	}
}

// A record delivered MaxDeliver times without an acknowledgement becomes
// exactly one dead letter, with two processes listening for advisories.
func TestMaxDeliveries_OneDeadLetter(t *testing.T) {
	srv := testutil.StartNATS(t)
	a := MustOpenLog(t, srv, nats.Options{})
	b := MustOpenLog(t, srv, nats.Options{})
	dlq := openDLQ(t)
	var mu sync.Mutex
	var seen []*doctales.DeadLetter
	for _, l := range []*nats.Log{a, b} {
		md := &nats.MaxDeliveries{Log: l, DeadLetters: dlq, FetchWait: 200 * time.Millisecond,
			OnDeadLetter: func(dl *doctales.DeadLetter) { mu.Lock(); seen = append(seen, dl); mu.Unlock() }}
		if err := md.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = md.Close() })
	}
	c := mustConsumer(t, a, nats.ConsumerOptions{Subscription: "topic/webhook-1", Source: doctales.SourceSNS,
		AckWait: time.Second, MaxDeliver: 2})
	poison := rec(doctales.SourceSNS, "poison", `{"Message":"kills its worker"}`)
	if err := a.Append(context.Background(), poison); err != nil {
		t.Fatal(err)
	}
	// Delivered twice, never acknowledged (the worker died each time);
	// the worker started again keeps asking, and JetStream gives the
	// record up when a pull comes after its last ack wait.
	got := fetchUntil(t, c, 15*time.Second, func(ds []*nats.Delivery) bool { return len(ds) >= 2 })
	if got[1].Delivered != 2 {
		t.Fatalf("got %s", describe(got))
	}
	var dls []*doctales.DeadLetter
	var err error
	deadline := time.Now().Add(15 * time.Second)
	for len(dls) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no dead letter within 15s of the second delivery")
		}
		if more := fetch(t, c, 10); len(more) > 0 {
			t.Fatalf("delivered a third time: %s", describe(more))
		}
		if dls, err = dlq.DeadLetters(context.Background(), "", 10); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the advisory stream is empty (its advisory was handled
	// and acknowledged), then count.
	waitAdvisoriesHandled(t, srv)
	if dls, err = dlq.DeadLetters(context.Background(), "", 10); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := len(seen)
	mu.Unlock()
	if len(dls) != 1 || n != 1 {
		t.Fatalf("%d dead letters stored, %d reported; want exactly 1", len(dls), n)
	}
	dl := dls[0]
	if dl.Subscription != "topic/webhook-1" || dl.Seq != poison.Seq || dl.Key != "poison" || dl.Source != doctales.SourceSNS ||
		string(dl.Record) != `{"Message":"kills its worker"}` || dl.Attempts != 2 ||
		!strings.Contains(dl.Reason, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.DOCTALES.topic_webhook-1") {
		t.Fatalf("dead letter %+v (record %s)", dl, dl.Record)
	}
}

// waitAdvisoriesHandled waits until the advisory stream holds nothing:
// its work queue drops an advisory once acknowledged.
func waitAdvisoriesHandled(t *testing.T, srv *testutil.NATSServer) {
	t.Helper()
	l := MustOpenLog(t, srv, nats.Options{})
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, err := l.AdvisoriesWaiting(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d advisories still waiting", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
