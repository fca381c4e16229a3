package nats_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
)

// feeds is the runtime's Feeds on a log's consumers, as cmd/doctales
// wires it (clusterconsumers.go), with a short ack wait and pin.
type feeds struct {
	log         *nats.Log
	redelivered atomic.Int64 // deliveries after the first, of any record
}

func (f *feeds) OpenFeed(ctx context.Context, spec runtime.FeedSpec) (runtime.Feed, error) {
	c, err := f.log.Consumer(ctx, nats.ConsumerOptions{Subscription: spec.Name, Source: spec.Source,
		Index: spec.Partition.Index, Count: spec.Partition.Count, StartAfter: spec.Checkpoint,
		Checkpoint: spec.CheckpointName, AckWait: time.Second, BackOff: nats.DefaultBackOff(time.Second),
		MaxDeliver: nats.MaxDeliverFor(spec.MaxRetryAttempts), MaxAckPending: spec.MaxInFlight, PinnedTTL: time.Second})
	if err != nil {
		return nil, err
	}
	return feed{c, f}, nil
}

type feed struct {
	c  *nats.Consumer
	fs *feeds
}

func (f feed) Fetch(ctx context.Context, max int, each func(runtime.Delivery)) (int, error) {
	return f.c.Fetch(ctx, max, func(d *nats.Delivery) {
		if d.Delivered > 1 {
			f.fs.redelivered.Add(1)
		}
		each(runtime.Delivery{Record: d.Record, Delivered: d.Delivered, Ack: d.Ack, InProgress: d.InProgress})
	})
}
func (f feed) KeepAlive() time.Duration { return f.c.KeepAlive() }
func (f feed) Stats() *runtime.FeedStats {
	info, _ := f.c.Info()
	if info == nil {
		return &runtime.FeedStats{Consumer: f.c.Name()}
	}
	return &runtime.FeedStats{Consumer: f.c.Name(), Pending: int64(info.NumPending), AckPending: int64(info.NumAckPending),
		Redelivered: int64(info.NumRedelivered), AckFloor: int64(info.AckFloor.Stream)}
}
func (f feed) Close() error { return f.c.Close() }

// calls counts a handler's invocations per key and fails as told.
type calls struct {
	mu   sync.Mutex
	n    map[string]int
	fail func(key string, n int) error
}

func (c *calls) Invoke(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range recs {
		c.n[r.Key]++
		if err := c.fail(r.Key, c.n[r.Key]); err != nil {
			return i, err
		}
	}
	return -1, nil
}

func (c *calls) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// openDLQ opens a SQLite database in tb's temporary directory, closed
// at its end: the dead-letter store (and, for the benchmarks, the SQLite
// log) of the tests.
func openDLQ(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(tb.TempDir(), "dlq.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func waitFor(t *testing.T, timeout time.Duration, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// The runtime on a durable consumer keeps its function semantics: a
// filtered record is acknowledged unprocessed, a failing one is retried
// in the process with its backoff, longer than the ack wait, without
// JetStream delivering it again (the runtime keeps it in progress), and
// one that exhausts its retries is dead-lettered by the runtime and
// acknowledged, so that JetStream does not give it up too.
func TestRuntime_OnConsumer(t *testing.T) {
	srv := testutil.StartNATS(t)
	l := MustOpenLog(t, srv, nats.Options{})
	dlq := openDLQ(t)
	h := &calls{n: map[string]int{}, fail: func(key string, n int) error {
		switch {
		case key == "flaky" && n <= 2:
			return fmt.Errorf("flaky attempt %d", n)
		case key == "poison":
			return errors.New("poison")
		}
		return nil
	}}
	fs := &feeds{log: l}
	rt := &runtime.Runtime{Log: l, DeadLetters: dlq, Feeds: fs}
	if err := rt.Add(runtime.Subscription{Name: "extraction", Source: doctales.SourceS3, Handler: h,
		Semantics: runtime.SemanticsLocal, MaxRetryAttempts: 2, RetryBaseDelay: 1500 * time.Millisecond, RetryMaxDelay: 1500 * time.Millisecond,
		Filters: []string{`{"drop":[{"exists":false}]}`}, Concurrency: 2, BatchSize: 1}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	for _, r := range []*doctales.LogRecord{rec(doctales.SourceS3, "ok", `{}`), rec(doctales.SourceS3, "dropped", `{"drop":true}`),
		rec(doctales.SourceS3, "flaky", `{}`), rec(doctales.SourceS3, "poison", `{}`)} {
		if err := l.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	var dls []*doctales.DeadLetter
	waitFor(t, 30*time.Second, func() string {
		return fmt.Sprintf("ok %d, flaky %d, poison %d calls; %d dead letters; %+v", h.get("ok"), h.get("flaky"), h.get("poison"), len(dls), rt.Stats())
	}, func() bool {
		dls, _ = dlq.DeadLetters(context.Background(), "", 10)
		st := rt.Stats()[0]
		return h.get("flaky") == 3 && len(dls) == 1 && st.InFlight == 0 && st.Feed != nil && st.Feed.AckPending == 0
	})
	st := rt.Stats()[0]
	if h.get("ok") != 1 || h.get("dropped") != 0 || h.get("poison") != 3 || st.Filtered != 1 || st.Retried != 4 {
		t.Fatalf("calls ok %d dropped %d poison %d; stats %+v", h.get("ok"), h.get("dropped"), h.get("poison"), st)
	}
	if fs.redelivered.Load() != 0 || st.Feed.Consumer != "extraction" || st.Checkpoint != 4 {
		t.Fatalf("feed %+v, checkpoint %d, %d redelivered; want none (kept in progress), every record acknowledged", st.Feed, st.Checkpoint, fs.redelivered.Load())
	}
	if dl := dls[0]; dl.Key != "poison" || dl.Reason != "retries exhausted" || dl.Attempts != 3 {
		t.Fatalf("dead letter %+v", dl)
	}
	// The checkpoint follows the consumer's ack floor.
	waitFor(t, 10*time.Second, func() string { return "checkpoint not written" }, func() bool {
		cp, _ := l.Checkpoint(context.Background(), "extraction")
		return cp == 4
	})
}

// A record held by a process that stops without finishing it (a crash)
// is delivered to the next with its delivery count, and its attempts go
// on from there: dead-lettered after the retries left.
func TestRuntime_OnConsumerRedeliveryCountsAttempts(t *testing.T) {
	srv := testutil.StartNATS(t)
	dlq := openDLQ(t)
	start := func(h runtime.Handler) (*runtime.Runtime, *nats.Log) {
		l := MustOpenLog(t, srv, nats.Options{})
		rt := &runtime.Runtime{Log: l, DeadLetters: dlq, Feeds: &feeds{log: l}}
		if err := rt.Add(runtime.Subscription{Name: "notification", Source: doctales.SourceDynamoDB, Handler: h,
			Semantics: runtime.SemanticsLocal, MaxRetryAttempts: 2, RetryBaseDelay: 10 * time.Millisecond, RetryMaxDelay: 10 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if err := rt.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rt.Close() })
		return rt, l
	}
	entered := make(chan struct{}, 1)
	first, l := start(runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-ctx.Done() // the process dies in the middle
		return -1, ctx.Err()
	}))
	if err := l.Append(context.Background(), rec(doctales.SourceDynamoDB, "k", `{}`)); err != nil {
		t.Fatal(err)
	}
	<-entered
	_ = first.Close()
	h := &calls{n: map[string]int{}, fail: func(string, int) error { return errors.New("still failing") }}
	start(h)
	var dls []*doctales.DeadLetter
	waitFor(t, 30*time.Second, func() string { return fmt.Sprintf("%d calls, dead letters %+v", h.get("k"), dls) }, func() bool {
		dls, _ = dlq.DeadLetters(context.Background(), "", 10)
		return len(dls) == 1
	})
	if dls[0].Attempts != 3 || h.get("k") != 2 {
		t.Fatalf("dead letter after %d attempts, %d of them in the second process; want 3 and 2 (the first delivery counted)", dls[0].Attempts, h.get("k"))
	}
}
