package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
)

// keyRecorder records, per key, the n of every record delivered, in
// delivery order.
type keyRecorder struct {
	mu    sync.Mutex
	byKey map[string][]int
}

func (r *keyRecorder) Invoke(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey = map[string][]int{}
	}
	for _, rec := range recs {
		var v struct{ N int }
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			return -1, err
		}
		r.byKey[rec.Key] = append(r.byKey[rec.Key], v.N)
	}
	return -1, nil
}

func (r *keyRecorder) snapshot() map[string][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]int{}
	for k, v := range r.byKey {
		out[k] = append([]int(nil), v...)
	}
	return out
}

// appendKeyed appends records n = from..to-1 on keys k0..k(keys-1) and
// returns, per key, the n appended.
func appendKeyed(t *testing.T, log doctales.EventLog, from, to, keys int) map[string][]int {
	t.Helper()
	want := map[string][]int{}
	var recs []*doctales.LogRecord
	for n := from; n < to; n++ {
		key := fmt.Sprintf("k%d", n%keys)
		want[key] = append(want[key], n)
		recs = append(recs, &doctales.LogRecord{Source: doctales.SourceS3, Key: key, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))})
	}
	if err := log.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestSubscription_ValidatePartition(t *testing.T) {
	h := &recorder{}
	for _, tt := range []struct {
		name  string
		p     runtime.Partition
		field string
		msg   string
	}{
		{"index equals count", runtime.Partition{Index: 2, Count: 2}, "Partition.Index", "partition index 2 is outside 0..1"},
		{"negative index", runtime.Partition{Index: -1, Count: 2}, "Partition.Index", "partition index -1 is outside 0..1"},
		{"negative count", runtime.Partition{Count: -1}, "Partition.Count", "partition count -1 is outside 1..1024"},
		{"too many", runtime.Partition{Count: runtime.MaxPartitions + 1}, "Partition.Count", "partition count 1025 is outside 1..1024"},
		{"index without count", runtime.Partition{Index: 1}, "Partition.Index", "partition count is 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := runtime.Subscription{Name: "n", Source: "s", Handler: h, Partition: tt.p}
			err := s.Validate()
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tt.field ||
				!strings.Contains(doctales.ErrorMessage(err), tt.msg) || !strings.Contains(doctales.ErrorMessage(err), `subscription "n"`) {
				t.Fatalf("Validate() = %v (field %q); want EINVALID on %s saying %q", err, doctales.ErrorField(err), tt.field, tt.msg)
			}
		})
	}
	for _, p := range []runtime.Partition{{}, {Count: 1}, {Index: 0, Count: 2}, {Index: 1023, Count: 1024}} {
		s := runtime.Subscription{Name: "n", Source: "s", Handler: h, Partition: p}
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v; want nil", p, err)
		}
	}
}

func TestPartition_CheckpointName(t *testing.T) {
	for p, want := range map[runtime.Partition]string{
		{}: "s", {Count: 1}: "s", {Index: 0, Count: 2}: "s/part-0-of-2", {Index: 3, Count: 4}: "s/part-3-of-4",
	} {
		if got := p.CheckpointName("s"); got != want {
			t.Errorf("%+v.CheckpointName(s) = %q, want %q", p, got, want)
		}
	}
}

// Two runtimes share one subscription on one SQLite log, partitions 0/2
// and 1/2: every record is delivered once, each key to one of them in
// order, each partition keeps its own checkpoint, and a restarted
// partition resumes from it.
func TestRuntime_Partitions(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	ctx := context.Background()
	sub := func(i int, h runtime.Handler) runtime.Subscription {
		return runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: h, BatchSize: 4, Concurrency: 2,
			Partition: runtime.Partition{Index: i, Count: 2}}
	}
	recs := []*keyRecorder{{}, {}}
	rt0 := openRuntime(t, db, sub(0, recs[0]))
	rt1 := openRuntime(t, db, sub(1, recs[1]))
	want := appendKeyed(t, db, 0, 300, 20)
	drain(t, rt0)
	drain(t, rt1)
	got := checkPartitioned(t, want, recs[0].snapshot(), recs[1].snapshot())
	if len(got[0]) == 0 || len(got[1]) == 0 {
		t.Fatalf("keys per partition: %d and %d; want both used", len(got[0]), len(got[1]))
	}
	for i, rt := range []*runtime.Runtime{rt0, rt1} {
		st := rt.Stats()[0]
		if st.Partition != fmt.Sprintf("%d/2", i) || st.Read != 300 || st.Succeeded+st.OtherPartitions != 300 {
			t.Errorf("partition %d stats = %+v; want 300 read, succeeded+otherPartitions 300", i, st)
		}
	}

	// Partition 1 stops; more records come; partition 1 restarts from its
	// own checkpoint and gets only the new records of its keys.
	if err := rt1.Close(); err != nil {
		t.Fatal(err)
	}
	cp1, err := db.Checkpoint(ctx, "s/part-1-of-2")
	if err != nil || cp1 != 300 {
		t.Fatalf("checkpoint s/part-1-of-2 = %d, %v; want 300", cp1, err)
	}
	more := appendKeyed(t, db, 300, 400, 20)
	drain(t, rt0)
	again := &keyRecorder{}
	rt1b := openRuntime(t, db, sub(1, again))
	drain(t, rt1b)
	checkPartitioned(t, more, subtract(recs[0].snapshot(), want), again.snapshot())
	// Close saves each partition's checkpoint: both reached the end.
	for _, rt := range []*runtime.Runtime{rt0, rt1b} {
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"s/part-0-of-2", "s/part-1-of-2"} {
		if cp, err := db.Checkpoint(ctx, name); err != nil || cp != 400 {
			t.Errorf("checkpoint %s = %d, %v; want 400", name, cp, err)
		}
	}
}

// A partition with no checkpoint of its own starts where the
// unpartitioned subscription was, so partitioning it replays nothing.
func TestRuntime_PartitionStartsFromSubscriptionCheckpoint(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	appendKeyed(t, db, 0, 50, 5)
	if err := db.SetCheckpoint(context.Background(), "s", 30); err != nil {
		t.Fatal(err)
	}
	rec := &keyRecorder{}
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec,
		Partition: runtime.Partition{Index: 0, Count: 1}})
	drain(t, rt)
	n := 0
	for _, ns := range rec.snapshot() {
		for _, v := range ns {
			if v < 30 {
				t.Fatalf("record n=%d delivered; the checkpoint was 30", v)
			}
			n++
		}
	}
	if n != 20 {
		t.Fatalf("delivered %d records, want the 20 after the checkpoint", n)
	}
	rec2 := &keyRecorder{}
	rt2 := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec2,
		Partition: runtime.Partition{Index: 1, Count: 3}})
	drain(t, rt2)
	for k, ns := range rec2.snapshot() {
		if doctales.KeyPartition(k, 3) != 1 {
			t.Fatalf("key %s (partition %d) delivered to partition 1/3", k, doctales.KeyPartition(k, 3))
		}
		for _, v := range ns {
			if v < 30 {
				t.Fatalf("partition 1/3: record n=%d delivered; the subscription's checkpoint was 30", v)
			}
		}
	}
}

// checkPartitioned checks that the two partitions' deliveries are,
// together, exactly want: every record once, each key in one partition
// (the one doctales.KeyPartition names), in order. It returns the keys
// each partition got.
func checkPartitioned(t *testing.T, want map[string][]int, got ...map[string][]int) [2][]string {
	t.Helper()
	var keys [2][]string
	for k, ns := range want {
		owner := -1
		for i, g := range got {
			if _, ok := g[k]; ok {
				if owner >= 0 {
					t.Fatalf("key %s delivered to partitions %d and %d", k, owner, i)
				}
				owner = i
			}
		}
		if owner < 0 {
			t.Fatalf("key %s never delivered", k)
		}
		if p := doctales.KeyPartition(k, 2); p != owner {
			t.Fatalf("key %s delivered to partition %d; KeyPartition says %d", k, owner, p)
		}
		keys[owner] = append(keys[owner], k)
		if fmt.Sprint(got[owner][k]) != fmt.Sprint(ns) {
			t.Fatalf("key %s: delivered %v, want %v (every record once, in order)", k, got[owner][k], ns)
		}
	}
	for i, g := range got {
		for k := range g {
			if _, ok := want[k]; !ok {
				t.Fatalf("partition %d got unexpected key %s", i, k)
			}
		}
	}
	return keys
}

// subtract returns got without the leading records of each key that were
// already in before.
func subtract(got, before map[string][]int) map[string][]int {
	out := map[string][]int{}
	for k, ns := range got {
		if rest := ns[min(len(before[k]), len(ns)):]; len(rest) > 0 {
			out[k] = rest
		}
	}
	return out
}

// partitionLog is the SQLite log with a ReadPartition that selects a
// partition's records itself, for counts up to 4 (a log that serves some
// partitionings only), counting its calls.
type partitionLog struct {
	*sqlite.DB
	served, refused atomic.Int64
}

func (l *partitionLog) ReadPartition(ctx context.Context, source string, index, count int, after int64, limit int) ([]*doctales.LogRecord, bool, error) {
	if count > 4 {
		l.refused.Add(1)
		return nil, false, nil
	}
	l.served.Add(1)
	for {
		page, err := l.ReadLog(ctx, source, after, limit)
		if err != nil || len(page) == 0 {
			return nil, true, err
		}
		var out []*doctales.LogRecord
		for _, r := range page {
			if doctales.KeyPartition(r.Key, count) == index {
				out = append(out, r)
			}
		}
		if len(out) > 0 {
			return out, true, nil
		}
		after = page[len(page)-1].Seq
	}
}

// The runtime reads through a PartitionReader when it serves the
// partitioning (the other partition's records never reach it) and reads
// everything when it refuses.
func TestRuntime_PartitionReader(t *testing.T) {
	for _, count := range []int{2, 8} {
		t.Run(fmt.Sprintf("count %d", count), func(t *testing.T) {
			log := &partitionLog{DB: MustOpenDB(t, t.TempDir())}
			want := appendKeyed(t, log, 0, 200, 16)
			rec := &keyRecorder{}
			rt := &runtime.Runtime{Log: log, DeadLetters: log, PollInterval: 20 * time.Millisecond}
			if err := rt.Add(runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec,
				Partition: runtime.Partition{Index: 1, Count: count}}); err != nil {
				t.Fatal(err)
			}
			if err := rt.Open(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rt.Close() })
			drain(t, rt)
			got := rec.snapshot()
			for k, ns := range want {
				if doctales.KeyPartition(k, count) != 1 {
					if _, ok := got[k]; ok {
						t.Fatalf("key %s of another partition delivered", k)
					}
					continue
				}
				if fmt.Sprint(got[k]) != fmt.Sprint(ns) {
					t.Fatalf("key %s: delivered %v, want %v", k, got[k], ns)
				}
			}
			st := rt.Stats()[0]
			if served := count <= 4; served != (log.served.Load() > 0 && log.refused.Load() == 0) {
				t.Fatalf("ReadPartition served %d, refused %d reads; want served: %v", log.served.Load(), log.refused.Load(), served)
			} else if served && st.OtherPartitions != 0 {
				t.Fatalf("served by the log, yet %d records of other partitions reached the runtime", st.OtherPartitions)
			} else if !served && st.OtherPartitions == 0 {
				t.Fatal("refused by the log, yet the runtime skipped no other partition's records")
			}
		})
	}
}
