package nats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/nats"
	"github.com/doctales/doctales/relay"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
)

// The log serves the runtime's partitioned reads and the relay's dedupe.
var (
	_ runtime.PartitionReader = (*nats.Log)(nil)
	_ relay.OriginAppender    = (*nats.Log)(nil)
	_ relay.CopyFinder        = (*nats.Log)(nil)
)

// deliveries records, per key, the n of every record a worker was given,
// in delivery order.
type deliveries struct {
	mu    sync.Mutex
	byKey map[string][]int
	total int
}

func (d *deliveries) Invoke(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
	time.Sleep(time.Millisecond) // a little work, so that Close can land mid-way
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byKey == nil {
		d.byKey = map[string][]int{}
	}
	for _, rec := range recs {
		var v struct{ N int }
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			return -1, err
		}
		d.byKey[rec.Key] = append(d.byKey[rec.Key], v.N)
		d.total++
	}
	return -1, nil
}

func (d *deliveries) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.total
}

func (d *deliveries) snapshot() map[string][]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string][]int{}
	for k, v := range d.byKey {
		out[k] = append([]int(nil), v...)
	}
	return out
}

// worker is one process of the cluster: its own connection to JetStream,
// its own dead-letter store, one partition of the subscription.
type worker struct {
	log *nats.Log
	rt  *runtime.Runtime
	got *deliveries
}

func startWorker(t *testing.T, srv *testutil.NATSServer, opts nats.Options, dlq *sqlite.DB, part int) *worker {
	t.Helper()
	l := MustOpenLog(t, srv, opts)
	w := &worker{log: l, got: &deliveries{}}
	w.rt = &runtime.Runtime{Log: l, DeadLetters: dlq, PollInterval: 50 * time.Millisecond}
	if err := w.rt.Add(runtime.Subscription{
		Name: "extraction", Source: doctales.SourceS3, Handler: w.got, BatchSize: 10, Concurrency: 2,
		Semantics: runtime.SemanticsLocal, Partition: runtime.Partition{Index: part, Count: 2},
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.rt.Close() })
	return w
}

func appendKeyed(t *testing.T, l *nats.Log, from, to, keys int) {
	t.Helper()
	var recs []*doctales.LogRecord
	for n := from; n < to; n++ {
		recs = append(recs, rec(doctales.SourceS3, fmt.Sprintf("email/%d.json", n%keys), fmt.Sprintf(`{"n":%d}`, n)))
	}
	if err := l.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// The runtime end to end on JetStream: two workers share the
// subscription, partitions 0/2 and 1/2. Every record is delivered, each
// key to one worker and in order; one worker closed mid-way and started
// again resumes from its checkpoint and nothing is lost. With the default
// 16 subject partitions each worker reads only its own subjects; with 1,
// each reads everything and skips the other's.
func TestRuntime_PartitionedWorkers(t *testing.T) {
	t.Run("subject partitions", func(t *testing.T) { testPartitionedWorkers(t, nats.Options{}, true) })
	t.Run("whole source", func(t *testing.T) { testPartitionedWorkers(t, nats.Options{SubjectPartitions: 1}, false) })
}

func testPartitionedWorkers(t *testing.T, opts nats.Options, serverSide bool) {
	srv := testutil.StartNATS(t)
	producer := MustOpenLog(t, srv, opts)
	w0 := startWorker(t, srv, opts, openDLQ(t), 0)
	w1 := startWorker(t, srv, opts, openDLQ(t), 1)
	const keys, first, total = 40, 600, 1000
	appendKeyed(t, producer, 0, first, keys)

	// Worker 1 stops mid-way: after some deliveries, before all.
	deadline := time.Now().Add(20 * time.Second)
	for w1.got.count() < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("worker 1 got %d records in 20 s", w1.got.count())
		}
		time.Sleep(time.Millisecond)
	}
	if err := w1.rt.Close(); err != nil {
		t.Fatal(err)
	}
	cp, err := producer.Checkpoint(context.Background(), "extraction/part-1-of-2")
	if err != nil || cp == 0 {
		t.Fatalf("worker 1's checkpoint after Close = %d, %v; want > 0", cp, err)
	}
	stopped := w1.got.count()

	// More records come while it is down; it starts again.
	appendKeyed(t, producer, first, total, keys)
	w1b := startWorker(t, srv, opts, openDLQ(t), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, rt := range []*runtime.Runtime{w0.rt, w1b.rt} {
		if err := rt.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Each key went to one partition, in order within each run; together
	// the runs saw every record.
	runs := []map[string][]int{w0.got.snapshot(), w1.got.snapshot(), w1b.got.snapshot()}
	partOf := []int{0, 1, 1}
	seen := map[int]bool{}
	replayed := 0
	for r, byKey := range runs {
		for key, ns := range byKey {
			if p := doctales.KeyPartition(key, 2); p != partOf[r] {
				t.Fatalf("key %s (partition %d) delivered to worker %d", key, p, partOf[r])
			}
			for i, n := range ns {
				if i > 0 && n <= ns[i-1] {
					t.Fatalf("run %d, key %s: %d delivered after %d", r, key, n, ns[i-1])
				}
				if seen[n] {
					replayed++
				}
				seen[n] = true
			}
		}
	}
	for n := range total {
		if !seen[n] {
			t.Fatalf("record n=%d never delivered (%d of %d seen)", n, len(seen), total)
		}
	}
	// The restart resumed from the checkpoint: at most what was in flight
	// at Close is delivered twice, not worker 1's whole history.
	if replayed > 100 || replayed >= stopped {
		t.Fatalf("%d records delivered twice after the restart; worker 1 had %d before it", replayed, stopped)
	}
	for _, w := range []*worker{w0, w1b} {
		st := w.rt.Stats()[0]
		if st.DeadLettered != 0 || st.InFlight != 0 {
			t.Errorf("worker %s stats = %+v", st.Partition, st)
		}
		if serverSide != (st.OtherPartitions == 0) {
			t.Errorf("worker %s skipped %d records of the other partition; want them selected by the server: %v", st.Partition, st.OtherPartitions, serverSide)
		}
	}
	t.Logf("worker 0: %d records; worker 1: %d before Close, %d after; %d delivered twice",
		w0.got.count(), stopped, w1b.got.count(), replayed)
}

// An append by another process wakes the runtime through Changed (the
// stream's republish), not its poll: with a poll of one hour the record
// is still delivered at once.
func TestRuntime_WokenByAnotherProcess(t *testing.T) {
	srv := testutil.StartNATS(t)
	producer := MustOpenLog(t, srv, nats.Options{})
	consumer := MustOpenLog(t, srv, nats.Options{})
	dlq := openDLQ(t)
	got := make(chan string, 10)
	rt := &runtime.Runtime{Log: consumer, DeadLetters: dlq, PollInterval: time.Hour}
	if err := rt.Add(runtime.Subscription{Name: "s", Source: doctales.SourceS3, Semantics: runtime.SemanticsLocal,
		Handler: runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
			for _, r := range recs {
				got <- string(r.Data)
			}
			return -1, nil
		})}); err != nil {
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	for i := range 3 {
		want := fmt.Sprintf(`{"i":%d}`, i)
		if err := producer.Append(context.Background(), rec(doctales.SourceS3, "k", want)); err != nil {
			t.Fatal(err)
		}
		select {
		case d := <-got:
			if d != want {
				t.Fatalf("delivered %s, want %s", d, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("record %d not delivered within 10 s; the poll is an hour, so Changed did not wake the runtime", i)
		}
	}
}
