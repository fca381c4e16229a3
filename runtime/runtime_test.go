package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/pattern"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
)

// MustOpenDB returns an open SQLite database in a temporary directory.
func MustOpenDB(tb testing.TB, dir string) *sqlite.DB {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(dir, "doctales.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// recorder is a handler that records what it saw and fails on demand.
type recorder struct {
	mu      sync.Mutex
	seen    []string // record keys/values in invocation order
	batches int
	fail    func(rec *doctales.LogRecord, attempt int) error
	tries   map[int64]int
}

func (r *recorder) Invoke(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tries == nil {
		r.tries = map[int64]int{}
	}
	r.batches++
	for i, rec := range recs {
		r.tries[rec.Seq]++
		if r.fail != nil {
			if err := r.fail(rec, r.tries[rec.Seq]); err != nil {
				// Whole-batch failure, like a function that throws.
				return -1, err
			}
		}
		_ = i
	}
	for _, rec := range recs {
		r.seen = append(r.seen, string(rec.Data))
	}
	return -1, nil
}

func (r *recorder) Seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func appendRecs(t *testing.T, db *sqlite.DB, source string, kv ...string) {
	t.Helper()
	var recs []*doctales.LogRecord
	for i := 0; i < len(kv); i += 2 {
		recs = append(recs, &doctales.LogRecord{Source: source, Key: kv[i], Data: json.RawMessage(kv[i+1])})
	}
	if err := db.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, rt *runtime.Runtime) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rt.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func openRuntime(t *testing.T, db *sqlite.DB, subs ...runtime.Subscription) *runtime.Runtime {
	t.Helper()
	rt := &runtime.Runtime{Log: db, DeadLetters: db, PollInterval: 20 * time.Millisecond}
	for _, s := range subs {
		if err := rt.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

func TestRuntime_OrderPerKey(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{}
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec, BatchSize: 3, Concurrency: 4})
	var kv []string
	for i := 0; i < 200; i++ {
		key := fmt.Sprintf("k%d", i%7)
		kv = append(kv, key, fmt.Sprintf(`{"key":%q,"n":%d}`, key, i))
	}
	appendRecs(t, db, doctales.SourceS3, kv...)
	appendRecs(t, db, doctales.SourceDynamoDB, "other", `{"n":-1}`) // another source: not delivered
	drain(t, rt)

	seen := rec.Seen()
	if len(seen) != 200 {
		t.Fatalf("delivered %d records, want 200", len(seen))
	}
	last := map[string]int{}
	for _, s := range seen {
		var v struct {
			Key string
			N   int
		}
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		if n, ok := last[v.Key]; ok && v.N < n {
			t.Fatalf("key %s: record %d delivered after %d", v.Key, v.N, n)
		}
		last[v.Key] = v.N
	}
	st := rt.Stats()[0]
	if st.Succeeded != 200 || st.InFlight != 0 || st.DeadLettered != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestRuntime_CheckpointResume(t *testing.T) {
	dir := t.TempDir()
	db := MustOpenDB(t, dir)
	rec := &recorder{}
	sub := runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec}
	rt := openRuntime(t, db, sub)
	appendRecs(t, db, doctales.SourceS3, "a", `{"n":1}`, "b", `{"n":2}`)
	drain(t, rt)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	cp, err := db.Checkpoint(context.Background(), "s")
	if err != nil || cp == 0 {
		t.Fatalf("checkpoint = %d, %v; want > 0", cp, err)
	}

	// A new runtime resumes after the checkpoint: only the new record.
	appendRecs(t, db, doctales.SourceS3, "c", `{"n":3}`)
	rec2 := &recorder{}
	sub.Handler = rec2
	rt2 := openRuntime(t, db, sub)
	drain(t, rt2)
	if got := rec2.Seen(); !slices.Equal(got, []string{`{"n":3}`}) {
		t.Fatalf("after restart delivered %v, want only n=3", got)
	}
}

func TestRuntime_FilterDropsAndCounts(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{}
	rt := openRuntime(t, db, runtime.Subscription{
		Name: "notify", Source: doctales.SourceDynamoDB, Handler: rec,
		Filters: []string{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`},
		// Failing would dead-letter; filtered records must never get there.
		MaxRetryAttempts: -1,
	})
	high := `{"eventName":"INSERT","dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":"high"}}}}}}`
	medium := `{"eventName":"INSERT","dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":"medium"}}}}}}`
	none := `{"eventName":"REMOVE","dynamodb":{"OldImage":{"id":{"S":"x"}}}}`
	appendRecs(t, db, doctales.SourceDynamoDB, "1", high, "2", medium, "3", none)
	drain(t, rt)
	if got := rec.Seen(); !slices.Equal(got, []string{high}) {
		t.Fatalf("delivered %v, want only the high one", got)
	}
	st := rt.Stats()[0]
	if st.Filtered != 2 || st.DeadLettered != 0 {
		t.Fatalf("filtered=%d dead=%d, want 2 and 0", st.Filtered, st.DeadLettered)
	}
}

// TestRuntime_AdmitWidensFilter checks Subscription.Admit: a record that
// matches no filter pattern is delivered when Admit says so (people's
// rules, issue 13), and still dropped and counted when it does not.
func TestRuntime_AdmitWidensFilter(t *testing.T) {
	fromBoss := pattern.MustCompile(`{"dynamodb":{"NewImage":{"sender":{"S":["boss"]}}}}`)
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{}
	rt := openRuntime(t, db, runtime.Subscription{
		Name: "notify", Source: doctales.SourceDynamoDB, Handler: rec,
		Filters:          []string{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`},
		Admit:            func(f *pattern.Flat) bool { return fromBoss.MatchFlat(f) },
		MaxRetryAttempts: -1,
	})
	high := `{"eventName":"INSERT","dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":"high"}}}}}}`
	boss := `{"eventName":"INSERT","dynamodb":{"NewImage":{"sender":{"S":"boss"}}}}`
	other := `{"eventName":"INSERT","dynamodb":{"NewImage":{"sender":{"S":"ann"}}}}`
	appendRecs(t, db, doctales.SourceDynamoDB, "1", high, "2", boss, "3", other)
	drain(t, rt)
	got := rec.Seen()
	slices.Sort(got)
	want := []string{high, boss}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want the high one and the one Admit let through", got)
	}
	if st := rt.Stats()[0]; st.Filtered != 1 {
		t.Fatalf("filtered=%d, want 1", st.Filtered)
	}
}

// TestRuntime_SharedFlattening: three subscriptions with filters on the
// same source flatten each record once between them (one miss, two hits
// in the runtime's FlatCache), and each still delivers only what its own
// filter, or its Admit, takes. A subscription without filters reads
// nothing.
func TestRuntime_SharedFlattening(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	high, insert, boss := &recorder{}, &recorder{}, &recorder{}
	all := &recorder{}
	fromBoss := pattern.MustCompile(`{"dynamodb":{"NewImage":{"sender":{"S":["boss"]}}}}`)
	rt := openRuntime(t, db,
		runtime.Subscription{Name: "high", Source: doctales.SourceDynamoDB, Handler: high, MaxRetryAttempts: -1,
			Filters: []string{`{"dynamodb":{"NewImage":{"metadata":{"M":{"urgency":{"S":["high"]}}}}}}`}},
		runtime.Subscription{Name: "insert", Source: doctales.SourceDynamoDB, Handler: insert, MaxRetryAttempts: -1,
			Filters: []string{`{"eventName":["INSERT"]}`}},
		runtime.Subscription{Name: "boss", Source: doctales.SourceDynamoDB, Handler: boss, MaxRetryAttempts: -1,
			Filters: []string{`{"eventName":["NONE"]}`},
			Admit:   func(f *pattern.Flat) bool { return fromBoss.MatchFlat(f) }},
		runtime.Subscription{Name: "all", Source: doctales.SourceDynamoDB, Handler: all, MaxRetryAttempts: -1},
	)
	const n = 60
	var kv []string
	want := map[string][]string{}
	for i := range n {
		urgency, name, sender := []string{"high", "low", "medium"}[i%3], []string{"INSERT", "MODIFY"}[i%2], []string{"ann", "boss"}[i%5/4]
		data := fmt.Sprintf(`{"eventName":%q,"n":%d,"dynamodb":{"NewImage":{"sender":{"S":%q},"metadata":{"M":{"urgency":{"S":%q}}}}}}`, name, i, sender, urgency)
		kv = append(kv, fmt.Sprint(i), data)
		if urgency == "high" {
			want["high"] = append(want["high"], data)
		}
		if name == "INSERT" {
			want["insert"] = append(want["insert"], data)
		}
		if sender == "boss" {
			want["boss"] = append(want["boss"], data)
		}
		want["all"] = append(want["all"], data)
	}
	appendRecs(t, db, doctales.SourceDynamoDB, kv...)
	drain(t, rt)
	for name, r := range map[string]*recorder{"high": high, "insert": insert, "boss": boss, "all": all} {
		got, w := r.Seen(), want[name]
		slices.Sort(got)
		slices.Sort(w)
		if !slices.Equal(got, w) || len(w) == 0 {
			t.Errorf("%s delivered %d records, want %d", name, len(got), len(w))
		}
	}
	if st := rt.Flats.Stats(); st.Misses != n || st.Hits != 2*n {
		t.Errorf("flat cache %+v, want %d misses and %d hits: one flattening per record for three filtered subscriptions", st, n, 2*n)
	}
}

func TestRuntime_BisectAndDeadLetter(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{fail: func(r *doctales.LogRecord, _ int) error {
		if strings.Contains(string(r.Data), "poison") {
			return errors.New("cannot handle poison")
		}
		return nil
	}}
	rt := openRuntime(t, db, runtime.Subscription{
		Name: "s", Source: doctales.SourceS3, Handler: rec, BatchSize: 10, Concurrency: 1,
		BisectOnError: true, MaxRetryAttempts: 2, RetryBaseDelay: time.Millisecond,
	})
	var kv []string
	for i := 0; i < 10; i++ {
		data := fmt.Sprintf(`{"n":%d}`, i)
		if i == 6 {
			data = `{"n":6,"poison":true}`
		}
		kv = append(kv, fmt.Sprintf("k%d", i), data)
	}
	appendRecs(t, db, doctales.SourceS3, kv...)
	drain(t, rt)

	if got := len(rec.Seen()); got != 9 {
		t.Fatalf("delivered %d records, want the 9 good ones", got)
	}
	dls, err := db.DeadLetters(context.Background(), "s", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	dl := dls[0]
	if !strings.Contains(string(dl.Record), "poison") || dl.Error != "cannot handle poison" || dl.Attempts != 3 ||
		dl.Reason != "retries exhausted" || dl.FirstAttempt.IsZero() || dl.LastAttempt.Before(dl.FirstAttempt) {
		t.Fatalf("dead letter = %+v", dl)
	}
	if st := rt.Stats()[0]; st.DeadLettered != 1 || st.Retried != 2 {
		t.Fatalf("stats = %+v; want 1 dead-lettered, 2 retries", st)
	}
}

func TestRuntime_RetryThenSucceed(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{fail: func(r *doctales.LogRecord, attempt int) error {
		if attempt < 3 {
			return errors.New("transient")
		}
		return nil
	}}
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec, RetryBaseDelay: time.Millisecond})
	appendRecs(t, db, doctales.SourceS3, "a", `{"n":1}`)
	drain(t, rt)
	if got := rec.Seen(); len(got) != 1 {
		t.Fatalf("delivered %v, want one record after retries", got)
	}
	if st := rt.Stats()[0]; st.Retried != 2 || st.DeadLettered != 0 || st.Errors != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

// TestRuntime_NoSpaceIsNotCharged: a handler that fails because the disk
// is full (ENOSPACE) more often than the retry attempts allow is retried
// without charging attempts, so nothing is dead-lettered while the disk is
// full and the record is delivered once space returns.
func TestRuntime_NoSpaceIsNotCharged(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{fail: func(r *doctales.LogRecord, attempt int) error {
		if attempt <= 5 {
			return fmt.Errorf("put object: %w", doctales.Errorf(doctales.ENOSPACE, "The data folder has no space left."))
		}
		return nil
	}}
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec,
		MaxRetryAttempts: 1, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond})
	appendRecs(t, db, doctales.SourceS3, "a", `{"n":1}`)
	drain(t, rt)
	if got := rec.Seen(); len(got) != 1 {
		t.Fatalf("delivered %v, want the record once space returned", got)
	}
	if st := rt.Stats()[0]; st.DeadLettered != 0 || st.Retried != 5 {
		t.Fatalf("stats = %+v; want 0 dead-lettered, 5 retries", st)
	}
}

func TestRuntime_MaxRecordAge(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	rec := &recorder{}
	rt := &runtime.Runtime{Log: db, DeadLetters: db, PollInterval: 20 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	if err := rt.Add(runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: rec, MaxRecordAge: time.Hour,
		Semantics: runtime.SemanticsLocal}); err != nil { // a clock ahead is downtime, which counts only locally
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	appendRecs(t, db, doctales.SourceS3, "a", `{"n":1}`)
	drain(t, rt)
	if len(rec.Seen()) != 0 {
		t.Fatal("an expired record was delivered")
	}
	dls, _ := db.DeadLetters(context.Background(), "s", 10)
	if len(dls) != 1 || dls[0].Reason != "record too old" || dls[0].Attempts != 0 {
		t.Fatalf("dead letters = %+v", dls)
	}
}

func TestRuntime_RedriveTargetsOneSubscription(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	broken := true
	var mu sync.Mutex
	a := &recorder{fail: func(*doctales.LogRecord, int) error {
		mu.Lock()
		defer mu.Unlock()
		if broken {
			return errors.New("broken")
		}
		return nil
	}}
	b := &recorder{}
	rt := openRuntime(t, db,
		runtime.Subscription{Name: "a", Source: doctales.SourceS3, Handler: a, MaxRetryAttempts: runtime.NoRetries},
		runtime.Subscription{Name: "b", Source: doctales.SourceS3, Handler: b},
	)
	appendRecs(t, db, doctales.SourceS3, "k", `{"n":1}`)
	drain(t, rt)
	dls, _ := db.DeadLetters(context.Background(), "a", 10)
	if len(dls) != 1 || len(b.Seen()) != 1 {
		t.Fatalf("dead letters %d (want 1), b saw %d (want 1)", len(dls), len(b.Seen()))
	}
	mu.Lock()
	broken = false
	mu.Unlock()
	if _, err := db.Redrive(context.Background(), dls[0].ID); err != nil {
		t.Fatal(err)
	}
	drain(t, rt)
	if len(a.Seen()) != 1 {
		t.Fatalf("a saw %d records after redrive, want 1", len(a.Seen()))
	}
	if len(b.Seen()) != 1 {
		t.Fatalf("b saw %d records, want still 1: the redrive is for a only", len(b.Seen()))
	}
	if dls, _ := db.DeadLetters(context.Background(), "", 10); len(dls) != 0 {
		t.Fatalf("%d dead letters left after a successful redrive", len(dls))
	}
}

func TestRuntime_FailingKeyDoesNotBlockOthers(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	release := make(chan struct{})
	rec := &recorder{}
	slow := runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		for _, r := range recs {
			if r.Key == "stuck" {
				select {
				case <-release:
				case <-ctx.Done():
					return -1, ctx.Err()
				}
				return 0, errors.New("still failing")
			}
		}
		return rec.Invoke(ctx, recs)
	})
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: slow,
		Concurrency: 4, BatchSize: 1, MaxRetryAttempts: -1, Semantics: runtime.SemanticsLocal})
	appendRecs(t, db, doctales.SourceS3, "stuck", `{"n":0}`)
	var kv []string
	for i := 1; i <= 50; i++ {
		kv = append(kv, fmt.Sprintf("other%d", i), fmt.Sprintf(`{"n":%d}`, i))
	}
	appendRecs(t, db, doctales.SourceS3, kv...)
	deadline := time.Now().Add(10 * time.Second)
	// Records on other workers flow while "stuck" is held. Some keys share
	// its worker and wait; at least the others must get through.
	for len(rec.Seen()) < 25 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(rec.Seen()); n < 25 {
		t.Fatalf("only %d other records delivered while one key was stuck", n)
	}
	close(release)
	drain(t, rt)
	if n := len(rec.Seen()); n != 50 {
		t.Fatalf("%d records delivered, want 50", n)
	}
}

func TestRuntime_DynamoDBBatchItemFailures(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	var mu sync.Mutex
	var got []string
	fn := func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		var resp events.DynamoDBEventResponse
		for _, r := range ev.Records {
			if r.Change.NewImage["bad"].String() == "yes" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
				return resp, nil
			}
			got = append(got, r.Change.SequenceNumber)
		}
		return resp, nil
	}
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceDynamoDB,
		Handler: runtime.DynamoDBHandler(fn), Concurrency: 1, BatchWindow: 100 * time.Millisecond, MaxRetryAttempts: 1, RetryBaseDelay: time.Millisecond})
	rec := func(seq, bad string) string {
		return fmt.Sprintf(`{"eventName":"INSERT","dynamodb":{"SequenceNumber":%q,"NewImage":{"bad":{"S":%q}}}}`, seq, bad)
	}
	appendRecs(t, db, doctales.SourceDynamoDB, "k", rec("1", "no"), "k", rec("2", "yes"), "k", rec("3", "no"))
	drain(t, rt)
	mu.Lock()
	defer mu.Unlock()
	// 1 succeeds once; 2 fails twice and is dead-lettered with 3 (whole rest
	// of the batch without bisect), as AWS does.
	if !slices.Equal(got, []string{"1"}) {
		t.Fatalf("succeeded %v, want [1]", got)
	}
	dls, _ := db.DeadLetters(context.Background(), "s", 10)
	if len(dls) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dls))
	}
}

func TestRuntime_CloseDoesNotDeadLetterInFlight(t *testing.T) {
	dir := t.TempDir()
	db := MustOpenDB(t, dir)
	started := make(chan struct{}, 1)
	block := runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return -1, ctx.Err()
	})
	sub := runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: block}
	rt := openRuntime(t, db, sub)
	appendRecs(t, db, doctales.SourceS3, "a", `{"n":1}`)
	<-started
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if dls, _ := db.DeadLetters(context.Background(), "", 10); len(dls) != 0 {
		t.Fatalf("closing dead-lettered %d in-flight records", len(dls))
	}
	// Redelivered after restart.
	rec := &recorder{}
	sub.Handler = rec
	rt2 := openRuntime(t, db, sub)
	drain(t, rt2)
	if len(rec.Seen()) != 1 {
		t.Fatalf("in-flight record not redelivered after restart")
	}
}

func TestSubscription_Validate(t *testing.T) {
	h := &recorder{}
	for _, tt := range []struct {
		name  string
		sub   runtime.Subscription
		field string
	}{
		{"no name", runtime.Subscription{Source: "s", Handler: h}, "Name"},
		{"no source", runtime.Subscription{Name: "n", Handler: h}, "Source"},
		{"no handler", runtime.Subscription{Name: "n", Source: "s"}, "Handler"},
		{"batch too big", runtime.Subscription{Name: "n", Source: "s", Handler: h, BatchSize: runtime.MaxBatchSize + 1}, "BatchSize"},
		{"six filters", runtime.Subscription{Name: "n", Source: "s", Handler: h, Filters: []string{`{}`, `{}`, `{}`, `{}`, `{}`, `{}`}}, "Filters"},
		{"bad pattern", runtime.Subscription{Name: "n", Source: "s", Handler: h, Filters: []string{`{"a":"not-an-array"}`}}, "Filters"},
		{"concurrency", runtime.Subscription{Name: "n", Source: "s", Handler: h, Concurrency: runtime.MaxConcurrency + 1}, "Concurrency"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sub.Validate()
			if doctales.ErrorCode(err) != doctales.EINVALID || doctales.ErrorField(err) != tt.field {
				t.Fatalf("Validate() = %v; want EINVALID on field %s", err, tt.field)
			}
		})
	}
}

func TestRuntime_StartAtLatest(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	appendRecs(t, db, doctales.SourceS3, "old", `{"n":1}`)
	rec := &recorder{}
	rt := openRuntime(t, db, runtime.Subscription{Name: "live", Source: doctales.SourceS3, Handler: rec, StartAtLatest: true})
	appendRecs(t, db, doctales.SourceS3, "new", `{"n":2}`)
	drain(t, rt)
	if got := rec.Seen(); !slices.Equal(got, []string{`{"n":2}`}) {
		t.Fatalf("delivered %v, want only the record appended after open", got)
	}
}

func TestRuntime_Yield(t *testing.T) {
	db := MustOpenDB(t, t.TempDir())
	var mu sync.Mutex
	var sizes []int
	h := runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
		mu.Lock()
		sizes = append(sizes, len(recs))
		mu.Unlock()
		return -1, nil
	})
	var asked atomic.Int64
	rt := openRuntime(t, db, runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: h, Concurrency: 1, BatchSize: 100,
		Semantics: runtime.SemanticsLocal, // S3 under AWS semantics is one record per invocation
		Yield:     func() time.Duration { asked.Add(1); return 100 * time.Millisecond }})
	appendRecs(t, db, doctales.SourceS3, "k", `{"n":0}`)
	// Wait until the worker holds the first record and yields (asked for
	// its pause), then add the rest while it waits.
	for deadline := time.Now().Add(10 * time.Second); asked.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the worker never asked whether to yield")
		}
		time.Sleep(time.Millisecond)
	}
	var kv []string
	for i := 1; i < 20; i++ {
		kv = append(kv, "k", fmt.Sprintf(`{"n":%d}`, i))
	}
	appendRecs(t, db, doctales.SourceS3, kv...)
	drain(t, rt)
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range sizes {
		total += n
	}
	if total != 20 || asked.Load() == 0 || sizes[0] < 2 {
		t.Fatalf("batches %v (asked %d times); want all 20 records and a first batch that grew while yielding", sizes, asked.Load())
	}
}
