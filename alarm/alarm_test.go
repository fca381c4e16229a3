package alarm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/alarm"
)

type topic struct {
	mu   sync.Mutex
	msgs []*doctales.Message
}

func (t *topic) Publish(_ context.Context, m *doctales.Message) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.msgs = append(t.msgs, m)
	return nil
}

func TestEvaluator_ErrorRateOverPeriod(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var sample alarm.Sample
	tp := &topic{}
	e := &alarm.Evaluator{
		Rules:  []alarm.Rule{{Name: "errors", Metric: alarm.MetricErrorRate, Comparison: ">", Threshold: 0.05, Period: time.Minute}},
		Sample: func(context.Context) (alarm.Sample, error) { sample.Time = now; return sample, nil },
		Topic:  tp,
		Now:    func() time.Time { return now },
	}
	if err := e.Rules[0].Validate(); err != nil {
		t.Fatal(err)
	}
	step := func(errs, inv int64) {
		t.Helper()
		sample.Subscriptions = map[string]alarm.SubscriptionSample{"extraction": {Errors: errs, Invocations: inv}}
		if err := e.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		now = now.Add(30 * time.Second)
	}
	// Evaluate needs states: Open would start a loop, so call it and stop.
	if err := e.Open(); err != nil {
		t.Fatal(err)
	}
	e.Close()
	step(0, 0)
	step(1, 100) // 1% over the last minute
	if st := e.States()[0]; st.Alarm {
		t.Fatalf("alarm at %v, below the threshold", st.Value)
	}
	step(20, 200) // 19 errors in 100 more invocations over the minute
	if st := e.States()[0]; !st.Alarm || st.Value < 0.05 {
		t.Fatalf("no alarm at error rate %v", st.Value)
	}
	step(20, 1200)
	step(20, 2200) // no new errors in the last minute
	if st := e.States()[0]; st.Alarm {
		t.Fatalf("alarm did not clear: error rate %v", st.Value)
	}
	if len(tp.msgs) != 2 || tp.msgs[0].Subject != "ALARM: errors" || tp.msgs[1].Subject != "OK: errors" ||
		tp.msgs[0].MessageID == tp.msgs[1].MessageID {
		t.Fatalf("messages %+v", tp.msgs)
	}
}

func TestRule_Validate(t *testing.T) {
	for _, r := range []alarm.Rule{
		{Metric: alarm.MetricDeadLetters},
		{Name: "x", Metric: "cpu"},
		{Name: "x", Metric: alarm.MetricDeadLetters, Comparison: "=="},
		{Name: "x", Metric: alarm.MetricDeadLetters, Period: time.Millisecond},
	} {
		if err := r.Validate(); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("Validate(%+v) = %v, want EINVALID", r, err)
		}
	}
}

func TestEvaluator_CircuitOpen(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var sample alarm.Sample
	tp := &topic{}
	e := &alarm.Evaluator{
		Rules: []alarm.Rule{{Name: "webhook-down", Metric: alarm.MetricCircuitOpen, Comparison: ">=",
			Threshold: 1, Subscription: "topic/webhook-1"}},
		Sample: func(context.Context) (alarm.Sample, error) { sample.Time = now; return sample, nil },
		Topic:  tp,
		Now:    func() time.Time { return now },
	}
	if err := e.Rules[0].Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.Open(); err != nil {
		t.Fatal(err)
	}
	e.Close()
	for _, tc := range []struct {
		open, other bool
		alarm       bool
	}{{false, true, false}, {true, false, true}, {false, false, false}} {
		sample.Subscriptions = map[string]alarm.SubscriptionSample{
			"topic/webhook-1": {CircuitOpen: tc.open}, "topic/webhook-2": {CircuitOpen: tc.other}}
		if err := e.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := e.States()[0]; st.Alarm != tc.alarm {
			t.Fatalf("circuit open %v (other %v): alarm %v, want %v", tc.open, tc.other, st.Alarm, tc.alarm)
		}
		now = now.Add(time.Minute)
	}
}
