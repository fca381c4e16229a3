package runtime_test

// The conformance test of issue 16, item 7 ("one semantics"): each scenario
// runs twice, once on the local runtime (real subscriptions over the SQLite
// log, a function that fails chosen records) and once on a model of AWS
// Lambda's documented behaviour built from the AWS… constants of
// awsbehaviour.go, and the outcomes (which records each invocation held, how
// often each record was tried, which were dead-lettered after how many
// attempts and why, the retry delays) must be equal under the default
// semantics. The model is checked against the outcome each scenario states
// by hand, so a wrong model fails too. Under Semantics: local the test asserts
// the opposite for the scenarios the "local vs AWS" table lists as
// different: the switch, and only the switch, makes them diverge.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
	"github.com/doctales/doctales/sqlite"
)

const always = 1 << 20 // a record that fails on every attempt

// fakeClock is the runtime's and the log's clock: the function moves it on
// by the scenario's step after each invocation, so record ages are exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type deadLetter struct {
	Attempts int
	Reason   string
}

// outcome is what a scenario's run shows. Records are numbered from 1 in
// log order.
type outcome struct {
	Invocations  [][]int                 // stream sources: the records of each invocation, in order
	Attempts     map[int]int             // how often the function saw each record
	Delivered    []int                   // records done, sorted
	DeadLettered map[int]deadLetter      // records given up
	RetryDelays  map[int][]time.Duration // S3: the waits before each retry of a record
	// PerInvocation is the most records one invocation held (S3 only).
	PerInvocation int
}

func (o outcome) String() string {
	b, _ := json.Marshal(o)
	return string(b)
}

type scenario struct {
	name   string
	source string // SourceDynamoDB: a stream event source mapping; SourceS3: asynchronous invocations
	n      int    // records
	// settings are the subscription's (Name, Source, Handler, Semantics
	// and Concurrency are the test's).
	settings runtime.Subscription
	fails    map[int]int   // record → how many of its first attempts fail
	hangs    map[int]int   // record → how many of its first attempts run past the timeout
	partial  bool          // the function reports batch item failures (ReportBatchItemFailures) instead of failing
	step     time.Duration // the clock moves this much per invocation
	downtime time.Duration // between the records' creation and the runtime's start
	sameKey  bool          // S3: every record on one key, so one worker
	// stopAt, if set, ends the run once these records are delivered
	// (records waiting for a retry are not waited for).
	stopAt []int
	// want is the documented outcome; the AWS model must give it.
	want outcome
	// localDiffers: under Semantics: local this scenario's outcome differs
	// (a row of runtime.SemanticsTable). localSkip: not run locally (it
	// would not end).
	localDiffers, localSkip bool
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func attempts(kv ...int) map[int]int {
	m := map[int]int{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func dls(reason string, tries int, recs ...int) map[int]deadLetter {
	m := map[int]deadLetter{}
	for _, r := range recs {
		m[r] = deadLetter{tries, reason}
	}
	return m
}

const (
	exhausted = "retries exhausted"
	tooOld    = "record too old"
)

var fast = runtime.Subscription{RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond}

func with(s runtime.Subscription, f func(*runtime.Subscription)) runtime.Subscription {
	f(&s)
	return s
}

func scenarios() []scenario {
	return []scenario{{
		name: "stream: MaximumRetryAttempts -1 retries until the record is too old", source: doctales.SourceDynamoDB, n: 2,
		settings: with(fast, func(s *runtime.Subscription) {
			s.MaxRetryAttempts = runtime.RetryUntilExpired
			s.MaxRecordAge = 60 * time.Second
		}),
		fails: map[int]int{1: always}, step: 25 * time.Second,
		want: outcome{Invocations: [][]int{{1, 2}, {1, 2}, {1, 2}}, Attempts: attempts(1, 3, 2, 3),
			DeadLettered: dls(tooOld, 3, 1, 2)},
		localDiffers: true, // locally -1 meant no retries
	}, {
		name: "stream: the default retries until the record is too old", source: doctales.SourceDynamoDB, n: 1,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRecordAge = 300 * time.Second }),
		fails:    map[int]int{1: always}, step: 50 * time.Second,
		want: outcome{Invocations: [][]int{{1}, {1}, {1}, {1}, {1}, {1}, {1}}, Attempts: attempts(1, 7),
			DeadLettered: dls(tooOld, 7, 1)},
		localDiffers: true, // local default: 3 retries
	}, {
		name: "stream: MaximumRetryAttempts 2", source: doctales.SourceDynamoDB, n: 3,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = 2 }),
		fails:    map[int]int{2: always}, step: time.Second,
		want: outcome{Invocations: [][]int{{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}, Attempts: attempts(1, 3, 2, 3, 3, 3),
			DeadLettered: dls(exhausted, 3, 1, 2, 3)},
	}, {
		name: "stream: MaximumRetryAttempts 0", source: doctales.SourceDynamoDB, n: 2,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = runtime.NoRetries }),
		fails:    map[int]int{1: always}, step: time.Second,
		want: outcome{Invocations: [][]int{{1, 2}}, Attempts: attempts(1, 1, 2, 1),
			DeadLettered: dls(exhausted, 1, 1, 2)},
	}, {
		name: "stream: a partial batch response is retried from the lowest failed record, the ones after it included", source: doctales.SourceDynamoDB, n: 5,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = 5 }),
		fails:    map[int]int{3: 2, 4: 1}, partial: true, step: time.Second,
		want: outcome{Invocations: [][]int{{1, 2, 3, 4, 5}, {3, 4, 5}, {3, 4, 5}}, Attempts: attempts(1, 1, 2, 1, 3, 3, 4, 3, 5, 3),
			Delivered: seq(1, 5)},
	}, {
		name: "stream: a partial batch response with bisect splits at the failed record and retries the rest whole", source: doctales.SourceDynamoDB, n: 6,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = 1; s.BisectOnError = true }),
		fails:    map[int]int{3: always}, partial: true, step: time.Second,
		want: outcome{Invocations: [][]int{{1, 2, 3, 4, 5, 6}, {3, 4, 5, 6}}, Attempts: attempts(1, 1, 2, 1, 3, 2, 4, 2, 5, 2, 6, 2),
			Delivered: []int{1, 2}, DeadLettered: dls(exhausted, 2, 3, 4, 5, 6)},
		localDiffers: true, // locally the rest was halved again
	}, {
		name: "stream: bisect on a function error isolates the failing record", source: doctales.SourceDynamoDB, n: 4,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = 1; s.BisectOnError = true }),
		fails:    map[int]int{3: always}, step: time.Second,
		want: outcome{Invocations: [][]int{{1, 2, 3, 4}, {1, 2}, {3, 4}, {3}, {3}, {4}}, Attempts: attempts(1, 2, 2, 2, 3, 4, 4, 3),
			Delivered: []int{1, 2, 4}, DeadLettered: dls(exhausted, 2, 3)},
	}, {
		name: "stream: records older than the maximum age are dead-lettered without a try", source: doctales.SourceDynamoDB, n: 2,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = 10; s.MaxRecordAge = 60 * time.Second }),
		fails:    map[int]int{1: always}, step: 40 * time.Second,
		want: outcome{Invocations: [][]int{{1, 2}, {1, 2}}, Attempts: attempts(1, 2, 2, 2),
			DeadLettered: dls(tooOld, 2, 1, 2)},
	}, {
		name: "stream: the runtime's downtime does not count against the maximum age", source: doctales.SourceDynamoDB, n: 2,
		settings:     with(fast, func(s *runtime.Subscription) { s.MaxRecordAge = 60 * time.Second }),
		downtime:     2 * time.Hour,
		want:         outcome{Invocations: [][]int{{1, 2}}, Attempts: attempts(1, 1, 2, 1), Delivered: []int{1, 2}},
		localDiffers: true, // locally they were dead-lettered unprocessed
	}, {
		name: "stream: an invocation past the function timeout fails and is retried", source: doctales.SourceDynamoDB, n: 2,
		settings: with(fast, func(s *runtime.Subscription) { s.MaxRetryAttempts = 3; s.Timeout = 50 * time.Millisecond }),
		hangs:    map[int]int{1: 1}, partial: true, step: time.Second,
		want: outcome{Invocations: [][]int{{1, 2}, {1, 2}}, Attempts: attempts(1, 2, 2, 2), Delivered: []int{1, 2}},
	}, {
		name: "S3: one event per invocation, retried twice one and two (scaled) minutes apart, then dead-lettered", source: doctales.SourceS3, n: 3,
		settings: runtime.Subscription{RetryBaseDelay: 10 * time.Millisecond, BatchSize: 10}, // 10 ms stands for the first minute
		fails:    map[int]int{2: always},
		want: outcome{Attempts: attempts(1, 1, 2, 3, 3, 1), Delivered: []int{1, 3}, DeadLettered: dls(exhausted, 3, 2), PerInvocation: 1,
			RetryDelays: map[int][]time.Duration{2: {10 * time.Millisecond, 20 * time.Millisecond}}},
		localDiffers: true, // locally 3 retries, exponential backoff with jitter
	}, {
		name: "S3: a failing event does not hold up the events behind it", source: doctales.SourceS3, n: 4, sameKey: true,
		settings: runtime.Subscription{RetryBaseDelay: time.Hour},
		fails:    map[int]int{1: always}, stopAt: []int{2, 3, 4},
		want: outcome{Attempts: attempts(1, 1, 2, 1, 3, 1, 4, 1), Delivered: []int{2, 3, 4}, PerInvocation: 1,
			RetryDelays: map[int][]time.Duration{1: {time.Hour}}},
		localSkip: true, // locally the others wait behind it, in order
	}, {
		name: "S3: an invocation past the function timeout is a function error", source: doctales.SourceS3, n: 2,
		settings: runtime.Subscription{RetryBaseDelay: 5 * time.Millisecond, Timeout: 50 * time.Millisecond},
		hangs:    map[int]int{1: 1},
		want: outcome{Attempts: attempts(1, 2, 2, 1), Delivered: []int{1, 2}, PerInvocation: 1,
			RetryDelays: map[int][]time.Duration{1: {5 * time.Millisecond}}},
		localDiffers: true, // locally backoff from 5ms with jitter, not the asynchronous schedule
	}}
}

// fails reports whether the function fails record r on its attempt n, and
// whether by hanging past the timeout.
func (sc *scenario) failsOn(r, n int) (fail, hang bool) {
	hang = n <= sc.hangs[r]
	return hang || n <= sc.fails[r], hang
}

// awsModel is the documented AWS behaviour of sc, computed from the AWS…
// constants and the rules cited in awsbehaviour.go.
func awsModel(sc scenario) outcome {
	if sc.source == doctales.SourceS3 {
		return awsAsyncModel(sc)
	}
	return awsStreamModel(sc)
}

// awsStreamModel: a DynamoDB stream event source mapping on one shard.
// Assumptions where AWS's documentation is silent: the halves of a bisected
// batch are retried without counting a retry (only an unsplit failed batch
// counts one), and a batch retried after a partial failure holds the failed
// record and those after it, no new ones.
func awsStreamModel(sc scenario) outcome {
	s := sc.settings
	batch := s.BatchSize
	if batch == 0 {
		batch = runtime.AWSStreamDefaultBatchSize
	}
	retries := s.MaxRetryAttempts
	switch retries {
	case 0:
		retries = runtime.AWSStreamDefaultRetryAttempts
	case runtime.NoRetries:
		retries = 0
	}
	maxAge := s.MaxRecordAge
	if maxAge == 0 {
		maxAge = runtime.AWSStreamDefaultRecordAge
	}
	out := outcome{Attempts: map[int]int{}, DeadLettered: map[int]deadLetter{}}
	tries := map[int]int{} // retries of each record's batch so far
	// On AWS nothing is down: a record's age runs from when the mapping
	// could first read it, so sc.downtime does not count.
	var now time.Duration
	next := 1
	var pending [][]int
	for next <= sc.n || len(pending) > 0 {
		var b []int
		if len(pending) > 0 {
			b, pending = pending[0], pending[1:]
		} else {
			b = seq(next, min(next+batch-1, sc.n))
			next += len(b)
		}
		if maxAge >= 0 && now > maxAge {
			for _, r := range b {
				out.DeadLettered[r] = deadLetter{tries[r], tooOld}
			}
			continue
		}
		out.Invocations = append(out.Invocations, b)
		firstFail, whole := -1, !sc.partial
		for i, r := range b {
			out.Attempts[r]++
			fail, hang := sc.failsOn(r, out.Attempts[r])
			if fail && firstFail < 0 {
				firstFail = i
			}
			if hang {
				whole = true // a timeout fails the invocation: no response
			}
		}
		now += sc.step
		if firstFail < 0 {
			out.Delivered = append(out.Delivered, b...)
			continue
		}
		rest, splittable := b, true
		if !whole {
			// ReportBatchItemFailures: checkpoint before the lowest
			// failed record; it and all after it are retried. With
			// bisect, the batch is "bisected at the returned sequence
			// number": that is this split, and the rest is retried.
			out.Delivered = append(out.Delivered, b[:firstFail]...)
			rest, splittable = b[firstFail:], false
		}
		if s.BisectOnError && splittable && len(rest) > 1 {
			h := len(rest) / 2
			pending = append([][]int{rest[:h], rest[h:]}, pending...)
			continue
		}
		for _, r := range rest {
			tries[r]++
		}
		if retries >= 0 && tries[rest[0]] > retries {
			for _, r := range rest {
				out.DeadLettered[r] = deadLetter{tries[r], exhausted}
			}
			continue
		}
		pending = append([][]int{rest}, pending...)
	}
	slices.Sort(out.Delivered)
	return out
}

// awsAsyncModel: S3 invoking a function asynchronously, one event per
// invocation, each retried on its own: AWSAsyncDefaultRetries retries,
// AWSAsyncFirstRetryDelay then AWSAsyncSecondRetryDelay apart, the test's
// RetryBaseDelay standing for the first.
func awsAsyncModel(sc scenario) outcome {
	s := sc.settings
	retries := s.MaxRetryAttempts
	switch retries {
	case 0:
		retries = runtime.AWSAsyncDefaultRetries
	case runtime.NoRetries:
		retries = 0
	}
	unit := s.RetryBaseDelay
	if unit == 0 {
		unit = runtime.AWSAsyncFirstRetryDelay
	}
	scale := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(unit) / float64(runtime.AWSAsyncFirstRetryDelay))
	}
	delays := []time.Duration{scale(runtime.AWSAsyncFirstRetryDelay), scale(runtime.AWSAsyncSecondRetryDelay)}
	out := outcome{Attempts: map[int]int{}, DeadLettered: map[int]deadLetter{}, RetryDelays: map[int][]time.Duration{},
		PerInvocation: runtime.AWSAsyncBatchSize}
	for r := 1; r <= sc.n; r++ {
		for attempt := 1; ; attempt++ {
			out.Attempts[r]++
			if fail, _ := sc.failsOn(r, attempt); !fail {
				out.Delivered = append(out.Delivered, r)
				break
			}
			if attempt > retries {
				out.DeadLettered[r] = deadLetter{attempt, exhausted}
				break
			}
			out.RetryDelays[r] = append(out.RetryDelays[r], delays[attempt-1])
			if sc.stopAt != nil {
				break // the run ends before this retry
			}
		}
	}
	return out
}

// runLocal runs sc on the local runtime under semantics.
func runLocal(t *testing.T, sc scenario, semantics string) outcome {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "doctales.db"))
	db.Now = clk.Now // before Open: the database's timer loop reads it
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	var recs []*doctales.LogRecord
	for i := 1; i <= sc.n; i++ {
		var data, key string
		if sc.source == doctales.SourceS3 {
			key = fmt.Sprintf("k%d", i)
			data = fmt.Sprintf(`{"eventName":"ObjectCreated:Put","s3":{"object":{"key":%q}}}`, key)
			if sc.sameKey {
				key = "k"
			}
		} else {
			key = "item"
			data = fmt.Sprintf(`{"eventID":"e%d","eventName":"MODIFY","dynamodb":{"SequenceNumber":"%d"}}`, i, i)
		}
		recs = append(recs, &doctales.LogRecord{Source: sc.source, Key: key, Data: json.RawMessage(data)})
	}
	if err := db.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
	index := map[int64]int{}
	for i, r := range recs {
		index[r.Seq] = i + 1
	}
	clk.Add(sc.downtime)

	var mu sync.Mutex
	got := outcome{Attempts: map[int]int{}, DeadLettered: map[int]deadLetter{}, RetryDelays: map[int][]time.Duration{}}
	// try counts one attempt of record r and tells how it goes.
	try := func(r int) (fail, hang bool) {
		mu.Lock()
		defer mu.Unlock()
		got.Attempts[r]++
		return sc.failsOn(r, got.Attempts[r])
	}
	var handler runtime.Handler
	if sc.source == doctales.SourceS3 {
		s3 := runtime.S3Handler(func(ctx context.Context, ev events.S3Event) error {
			defer clk.Add(sc.step)
			r, _ := strconv.Atoi(strings.TrimPrefix(ev.Records[0].S3.Object.Key, "k"))
			fail, hang := try(r)
			if hang {
				<-ctx.Done()
				return ctx.Err()
			}
			if fail {
				return errors.New("function error")
			}
			return nil
		})
		handler = runtime.HandlerFunc(func(ctx context.Context, recs []*doctales.LogRecord) (int, error) {
			mu.Lock()
			got.PerInvocation = max(got.PerInvocation, len(recs))
			mu.Unlock()
			return s3.Invoke(ctx, recs)
		})
	} else {
		handler = runtime.DynamoDBHandler(func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			defer clk.Add(sc.step)
			var resp events.DynamoDBEventResponse
			var inv []int
			anyHang := false
			for _, rec := range ev.Records {
				r, _ := strconv.Atoi(rec.Change.SequenceNumber)
				inv = append(inv, r)
				fail, hang := try(r)
				anyHang = anyHang || hang
				if fail {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
				}
			}
			mu.Lock()
			got.Invocations = append(got.Invocations, inv)
			mu.Unlock()
			switch {
			case anyHang:
				<-ctx.Done()
				return events.DynamoDBEventResponse{}, ctx.Err()
			case len(resp.BatchItemFailures) > 0 && !sc.partial:
				return events.DynamoDBEventResponse{}, errors.New("function error")
			}
			return resp, nil
		})
	}

	logs := &syncBuffer{}
	rt := &runtime.Runtime{Log: db, DeadLetters: db, PollInterval: 10 * time.Millisecond, Now: clk.Now,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	sub := sc.settings
	sub.Name, sub.Source, sub.Handler, sub.Semantics, sub.Concurrency = "s", sc.source, handler, semantics, 1
	// A stream's first batch holds every record, as AWS's first batch of a
	// shard would (the model's batch size is at least n): the window lets
	// the worker wait for them all, and a full batch goes at once.
	if sc.source == doctales.SourceDynamoDB {
		sub.BatchWindow = 5 * time.Second
		if sub.BatchSize == 0 {
			sub.BatchSize = sc.n
		}
	}
	if err := rt.Add(sub); err != nil {
		t.Fatal(err)
	}
	if err := rt.Open(); err != nil {
		t.Fatal(err)
	}
	if sc.stopAt != nil {
		waitFor(t, fmt.Sprintf("records %v delivered", sc.stopAt), func() bool {
			return rt.Stats()[0].Succeeded >= int64(len(sc.stopAt))
		})
	} else {
		drain(t, rt)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	// Dead letters from the store, deliveries from the function's answers.
	dl, err := db.DeadLetters(context.Background(), "s", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dl {
		got.DeadLettered[index[d.Seq]] = deadLetter{d.Attempts, d.Reason}
	}
	for r, n := range got.Attempts {
		if _, dead := got.DeadLettered[r]; dead {
			continue
		}
		if fail, _ := sc.failsOn(r, n); !fail {
			got.Delivered = append(got.Delivered, r)
		}
	}
	slices.Sort(got.Delivered)
	// The retry delays the runtime used, from its log.
	sc2 := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc2.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			Seq     int64  `json:"seq"`
			RetryIn int64  `json:"retry_in"`
		}
		if json.Unmarshal(sc2.Bytes(), &line) == nil && line.Msg == "invocation failed; retrying" {
			r := index[line.Seq]
			got.RetryDelays[r] = append(got.RetryDelays[r], time.Duration(line.RetryIn))
		}
	}
	return normalize(got)
}

// normalize makes empty maps and slices nil, so outcomes compare by content.
func normalize(o outcome) outcome {
	if len(o.Attempts) == 0 {
		o.Attempts = nil
	}
	if len(o.DeadLettered) == 0 {
		o.DeadLettered = nil
	}
	if len(o.RetryDelays) == 0 {
		o.RetryDelays = nil
	}
	if len(o.Delivered) == 0 {
		o.Delivered = nil
	}
	if len(o.Invocations) == 0 {
		o.Invocations = nil
	}
	return o
}

func TestConformance_LocalRuntimeBehavesAsAWS(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			model := normalize(awsModel(sc))
			if want := normalize(sc.want); !reflect.DeepEqual(model, want) {
				t.Fatalf("the AWS model disagrees with the documented outcome\nmodel %v\nwant  %v", model, want)
			}
			if got := runLocal(t, sc, ""); !reflect.DeepEqual(got, model) {
				t.Errorf("the local runtime (default semantics) diverges from AWS\nlocal %v\naws   %v", got, model)
			}
		})
	}
}

func TestConformance_LocalSemanticsDivergesOnlyWhereDocumented(t *testing.T) {
	for _, sc := range scenarios() {
		if sc.localSkip {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			model := normalize(awsModel(sc))
			got := runLocal(t, sc, runtime.SemanticsLocal)
			if differs := !reflect.DeepEqual(got, model); differs != sc.localDiffers {
				t.Errorf("under Semantics: local, differs from AWS = %v, want %v\nlocal %v\naws   %v", differs, sc.localDiffers, got, model)
			}
		})
	}
}

// TestConformance_Defaults compares the settings a bare subscription runs
// with to the AWS table, and under Semantics: local to the local one.
func TestConformance_Defaults(t *testing.T) {
	h := runtime.HandlerFunc(func(context.Context, []*doctales.LogRecord) (int, error) { return -1, nil })
	stream := runtime.Subscription{Name: "s", Source: doctales.SourceDynamoDB, Handler: h}.Effective()
	if stream.BatchSize != runtime.AWSStreamDefaultBatchSize || stream.MaxRetryAttempts != runtime.AWSStreamDefaultRetryAttempts ||
		stream.MaxRecordAge != runtime.AWSStreamDefaultRecordAge || stream.BisectOnError != runtime.AWSStreamDefaultBisect ||
		stream.Concurrency != runtime.AWSStreamDefaultParallelization || stream.Timeout != runtime.AWSFunctionDefaultTimeout {
		t.Errorf("stream defaults %+v are not AWS's", stream)
	}
	s3 := runtime.Subscription{Name: "s", Source: doctales.SourceS3, Handler: h}
	eff := s3.Effective()
	if eff.MaxRetryAttempts != runtime.AWSAsyncDefaultRetries ||
		eff.MaxRecordAge != runtime.AWSAsyncDefaultMaxEventAge || eff.Timeout != runtime.AWSFunctionDefaultTimeout ||
		s3.RetryDelay(1) != runtime.AWSAsyncFirstRetryDelay || s3.RetryDelay(2) != runtime.AWSAsyncSecondRetryDelay {
		t.Errorf("S3 defaults %+v (delays %s, %s) are not AWS's", eff, s3.RetryDelay(1), s3.RetryDelay(2))
	}
	for _, src := range []string{doctales.SourceDynamoDB, doctales.SourceS3} {
		l := runtime.Subscription{Name: "s", Source: src, Handler: h, Semantics: runtime.SemanticsLocal}.Effective()
		if l.BatchSize != runtime.LocalDefaultBatchSize || l.MaxRetryAttempts != runtime.LocalDefaultRetryAttempts ||
			l.MaxRecordAge != runtime.LocalDefaultRecordAge || l.Concurrency != runtime.LocalDefaultConcurrency || l.Timeout != runtime.LocalDefaultTimeout {
			t.Errorf("%s: local defaults %+v", src, l)
		}
	}
	// -1 under each semantics.
	if n := (runtime.Subscription{Source: doctales.SourceDynamoDB, MaxRetryAttempts: -1}).Effective().MaxRetryAttempts; n != -1 {
		t.Errorf("-1 retries became %d under AWS semantics; want -1, until the record expires", n)
	}
	if n := (runtime.Subscription{Source: doctales.SourceDynamoDB, MaxRetryAttempts: -1, Semantics: runtime.SemanticsLocal}).Effective().MaxRetryAttempts; n != 0 {
		t.Errorf("-1 retries became %d under local semantics; want 0", n)
	}
	// Topic subscribers are not event source mappings: unaffected.
	if sns := (runtime.Subscription{Source: doctales.SourceSNS}).Effective(); sns.MaxRetryAttempts != runtime.DefaultMaxRetryAttempts || sns.Timeout != 0 {
		t.Errorf("an SNS subscription took AWS Lambda's semantics: %+v", sns)
	}
}

// TestConformance_Limits: AWS's limits are enforced under AWS semantics
// only.
func TestConformance_Limits(t *testing.T) {
	h := runtime.HandlerFunc(func(context.Context, []*doctales.LogRecord) (int, error) { return -1, nil })
	for _, tc := range []struct {
		name  string
		sub   runtime.Subscription
		field string
	}{
		{"stream age under 60 s", runtime.Subscription{Source: doctales.SourceDynamoDB, MaxRecordAge: 59 * time.Second}, "MaxRecordAge"},
		{"stream age over 7 days", runtime.Subscription{Source: doctales.SourceDynamoDB, MaxRecordAge: runtime.AWSStreamMaxRecordAge + time.Second}, "MaxRecordAge"},
		{"stream parallelization over 10", runtime.Subscription{Source: doctales.SourceDynamoDB, Concurrency: 11}, "Concurrency"},
		{"S3 three retries", runtime.Subscription{Source: doctales.SourceS3, MaxRetryAttempts: 3}, "MaxRetryAttempts"},
		{"S3 retry until expired", runtime.Subscription{Source: doctales.SourceS3, MaxRetryAttempts: -1}, "MaxRetryAttempts"},
		{"S3 event age over 6 h", runtime.Subscription{Source: doctales.SourceS3, MaxRecordAge: 7 * time.Hour}, "MaxRecordAge"},
		{"timeout over 900 s", runtime.Subscription{Source: doctales.SourceS3, Timeout: 901 * time.Second}, "Timeout"},
		{"unknown semantics", runtime.Subscription{Source: doctales.SourceS3, Semantics: "gcp"}, "Semantics"},
	} {
		s := tc.sub
		s.Name, s.Handler = "s", h
		err := s.Validate()
		if doctales.ErrorField(err) != tc.field {
			t.Errorf("%s: error %v, want one on %s", tc.name, err, tc.field)
		}
		if tc.field == "Timeout" || tc.field == "Semantics" {
			continue
		}
		s.Semantics = runtime.SemanticsLocal
		if err := s.Validate(); err != nil {
			t.Errorf("%s: refused under local semantics: %v", tc.name, err)
		}
	}
}
