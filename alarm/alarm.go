// Package alarm evaluates alarm rules over the pipeline's metrics, in the
// process, as CloudWatch alarms do for the architecture on AWS: dead letters
// waiting, functions falling behind (iterator age), error rates. When an
// alarm fires or clears, a message goes to the alarms topic, which has the
// same subscribers as the notifications (log, webhooks, live stream).
package alarm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/doctales/doctales"
)

// Metric names a rule can watch. Gauges are compared as they are; counters
// are compared by their increase over the rule's period.
const (
	MetricDeadLetters  = "dead_letters"         // gauge: dead letters waiting in the store
	MetricIteratorAge  = "iterator_age_seconds" // gauge: oldest unfinished record's age, max over subscriptions (or of one)
	MetricInFlight     = "in_flight"            // gauge: records read and not finished
	MetricErrorRate    = "error_rate"           // ratio: increase(errors) / increase(invocations) over the period
	MetricErrors       = "errors"               // counter: failed invocations
	MetricDeadLettered = "dead_lettered"        // counter: records dead-lettered
	MetricInvocations  = "invocations"          // counter: invocations
	MetricCircuitOpen  = "circuit_open"         // gauge: delivery subscriptions whose circuit is open (endpoint down)
)

var gauges = map[string]bool{MetricDeadLetters: true, MetricIteratorAge: true, MetricInFlight: true, MetricCircuitOpen: true}
var counters = map[string]bool{MetricErrors: true, MetricDeadLettered: true, MetricInvocations: true}

// Comparison operators.
var comparisons = map[string]func(v, t float64) bool{
	">":  func(v, t float64) bool { return v > t },
	">=": func(v, t float64) bool { return v >= t },
	"<":  func(v, t float64) bool { return v < t },
	"<=": func(v, t float64) bool { return v <= t },
}

// Rule is one alarm: it is in ALARM while Metric (of Subscription, or of
// all) compared with Threshold holds.
type Rule struct {
	Name         string        `yaml:"name" json:"name"`
	Metric       string        `yaml:"metric" json:"metric"`
	Subscription string        `yaml:"subscription,omitempty" json:"subscription,omitempty"`
	Comparison   string        `yaml:"comparison" json:"comparison"` // >, >=, <, <=; default >
	Threshold    float64       `yaml:"threshold" json:"threshold"`
	Period       time.Duration `yaml:"period" json:"period"` // window of counters and ratios; default 1m
}

// DefaultRules are on unless the configuration replaces them.
func DefaultRules() []Rule {
	return []Rule{
		{Name: "dead-letters", Metric: MetricDeadLetters, Comparison: ">", Threshold: 0, Period: time.Minute},
		{Name: "falling-behind", Metric: MetricIteratorAge, Comparison: ">", Threshold: 60, Period: time.Minute},
		{Name: "error-rate", Metric: MetricErrorRate, Comparison: ">", Threshold: 0.05, Period: 5 * time.Minute},
	}
}

// Validate reports the first invalid field of r.
func (r *Rule) Validate() error {
	if r.Name == "" {
		return doctales.FieldErrorf(doctales.EINVALID, "name", "alarm rule needs a name")
	}
	if !gauges[r.Metric] && !counters[r.Metric] && r.Metric != MetricErrorRate {
		return doctales.FieldErrorf(doctales.EINVALID, "metric", "alarm %q: unknown metric %q; known: dead_letters, iterator_age_seconds, in_flight, error_rate, errors, dead_lettered, invocations", r.Name, r.Metric)
	}
	if r.Comparison == "" {
		r.Comparison = ">"
	}
	if comparisons[r.Comparison] == nil {
		return doctales.FieldErrorf(doctales.EINVALID, "comparison", "alarm %q: comparison %q is not one of >, >=, <, <=", r.Name, r.Comparison)
	}
	if r.Period == 0 {
		r.Period = time.Minute
	}
	if r.Period < time.Second || r.Period > 24*time.Hour {
		return doctales.FieldErrorf(doctales.EINVALID, "period", "alarm %q: period %s is outside 1s..24h", r.Name, r.Period)
	}
	return nil
}

// Sample is one reading of every subscription's counters and gauges, and
// the store's dead letters.
type Sample struct {
	Time          time.Time
	DeadLetters   float64
	Subscriptions map[string]SubscriptionSample
}

// SubscriptionSample is one subscription's reading.
type SubscriptionSample struct {
	IteratorAge  time.Duration
	InFlight     int64
	Errors       int64
	DeadLettered int64
	Invocations  int64
	CircuitOpen  bool // a delivery subscription's endpoint is down
}

// State is an alarm's current state.
type State struct {
	Rule    Rule      `json:"rule"`
	Alarm   bool      `json:"alarm"`
	Value   float64   `json:"value"`
	Since   time.Time `json:"since"`
	Changes int       `json:"changes"` // transitions so far
}

// Evaluator samples the pipeline every Interval and publishes a message to
// Topic when an alarm changes state. Set the fields, then Open; Close stops.
type Evaluator struct {
	Rules []Rule
	// Sample reads the pipeline. Required.
	Sample func(ctx context.Context) (Sample, error)
	// Topic receives ALARM and OK messages. Required.
	Topic doctales.Topic
	// TopicArn is set on the messages.
	TopicArn string
	// Interval between evaluations. Default 5s.
	Interval time.Duration
	Logger   *slog.Logger
	Now      func() time.Time

	mu      sync.Mutex
	states  []State
	history []Sample // oldest first, kept for the longest period
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Open validates the rules and starts evaluating.
func (e *Evaluator) Open() error {
	if e.Sample == nil || e.Topic == nil {
		return errors.New("alarm evaluator: sample and topic required")
	}
	if e.Interval == 0 {
		e.Interval = 5 * time.Second
	}
	if e.Logger == nil {
		e.Logger = slog.Default()
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	seen := map[string]bool{}
	e.states = make([]State, len(e.Rules))
	for i := range e.Rules {
		if err := e.Rules[i].Validate(); err != nil {
			return fmt.Errorf("alarms[%d]: %w", i, err)
		}
		if seen[e.Rules[i].Name] {
			return doctales.FieldErrorf(doctales.EINVALID, "name", "alarms[%d]: alarm %q is defined twice", i, e.Rules[i].Name)
		}
		seen[e.Rules[i].Name] = true
		e.states[i] = State{Rule: e.Rules[i], Since: e.Now()}
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(e.Interval)
		defer t.Stop()
		for {
			if err := e.Evaluate(ctx); err != nil && ctx.Err() == nil {
				e.Logger.Warn("evaluate alarms", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// Close stops the evaluation. It tolerates a second call.
func (e *Evaluator) Close() error {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	return nil
}

// States returns every alarm's state.
func (e *Evaluator) States() []State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]State(nil), e.states...)
}

// Evaluate takes a sample, updates every alarm and publishes the changes.
func (e *Evaluator) Evaluate(ctx context.Context) error {
	s, err := e.Sample(ctx)
	if err != nil {
		return err
	}
	if s.Time.IsZero() {
		s.Time = e.Now()
	}
	e.mu.Lock()
	e.history = append(e.history, s)
	var longest time.Duration
	for _, r := range e.Rules {
		longest = max(longest, r.Period)
	}
	for len(e.history) > 2 && s.Time.Sub(e.history[1].Time) > longest {
		e.history = e.history[1:]
	}
	var changed []State
	for i := range e.states {
		st := &e.states[i]
		v := e.value(st.Rule, s)
		alarm := comparisons[st.Rule.Comparison](v, st.Rule.Threshold)
		st.Value = v
		if alarm != st.Alarm {
			st.Alarm, st.Since = alarm, s.Time
			st.Changes++
			changed = append(changed, *st)
		}
	}
	e.mu.Unlock()

	var errs []error
	for _, st := range changed {
		m := e.message(st)
		if err := e.Topic.Publish(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("publish alarm %q: %w", st.Rule.Name, err))
			continue
		}
		level := slog.LevelWarn
		if !st.Alarm {
			level = slog.LevelInfo
		}
		e.Logger.Log(ctx, level, "alarm state changed", "alarm", st.Rule.Name, "state", stateName(st.Alarm), "value", st.Value, "threshold", st.Rule.Threshold)
	}
	return errors.Join(errs...)
}

// value computes a rule's metric from the latest sample and the one a
// period before it.
func (e *Evaluator) value(r Rule, s Sample) float64 {
	if r.Metric == MetricDeadLetters {
		return s.DeadLetters
	}
	var base Sample
	if len(e.history) > 0 {
		base = e.history[0]
		for _, h := range e.history {
			if s.Time.Sub(h.Time) >= r.Period {
				base = h
			}
		}
	}
	sum := func(smp Sample, f func(SubscriptionSample) float64) float64 {
		var total float64
		for name, ss := range smp.Subscriptions {
			if r.Subscription == "" || r.Subscription == name {
				total += f(ss)
			}
		}
		return total
	}
	switch r.Metric {
	case MetricIteratorAge:
		var m float64
		for name, ss := range s.Subscriptions {
			if r.Subscription == "" || r.Subscription == name {
				m = max(m, ss.IteratorAge.Seconds())
			}
		}
		return m
	case MetricInFlight:
		return sum(s, func(ss SubscriptionSample) float64 { return float64(ss.InFlight) })
	case MetricCircuitOpen:
		return sum(s, func(ss SubscriptionSample) float64 {
			if ss.CircuitOpen {
				return 1
			}
			return 0
		})
	case MetricErrors:
		f := func(ss SubscriptionSample) float64 { return float64(ss.Errors) }
		return sum(s, f) - sum(base, f)
	case MetricDeadLettered:
		f := func(ss SubscriptionSample) float64 { return float64(ss.DeadLettered) }
		return sum(s, f) - sum(base, f)
	case MetricInvocations:
		f := func(ss SubscriptionSample) float64 { return float64(ss.Invocations) }
		return sum(s, f) - sum(base, f)
	case MetricErrorRate:
		errs := sum(s, func(ss SubscriptionSample) float64 { return float64(ss.Errors) }) -
			sum(base, func(ss SubscriptionSample) float64 { return float64(ss.Errors) })
		inv := sum(s, func(ss SubscriptionSample) float64 { return float64(ss.Invocations) }) -
			sum(base, func(ss SubscriptionSample) float64 { return float64(ss.Invocations) })
		if inv <= 0 {
			return 0
		}
		return errs / inv
	}
	return 0
}

func stateName(alarm bool) string {
	if alarm {
		return "ALARM"
	}
	return "OK"
}

// message is the SNS-shaped message of a state change. Its MessageId is
// fixed per alarm and transition, so a retried publish is dropped.
func (e *Evaluator) message(st State) *doctales.Message {
	name := stateName(st.Alarm)
	id := uuid.NewSHA1(alarmNamespace, []byte(fmt.Sprintf("%s|%d|%s", st.Rule.Name, st.Changes, st.Since.UTC().Format(time.RFC3339Nano)))).String()
	scope := "all subscriptions"
	if st.Rule.Subscription != "" {
		scope = "subscription " + st.Rule.Subscription
	}
	return &doctales.Message{
		MessageID: id,
		TopicArn:  e.TopicArn,
		Subject:   fmt.Sprintf("%s: %s", name, st.Rule.Name),
		Message: fmt.Sprintf("Alarm %q is now %s: %s of %s is %g (threshold %s %g, period %s).",
			st.Rule.Name, name, st.Rule.Metric, scope, st.Value, st.Rule.Comparison, st.Rule.Threshold, st.Rule.Period),
		Timestamp: st.Since.UTC(),
		MessageAttributes: map[string]doctales.MessageAttribute{
			"alarm": {DataType: "String", StringValue: st.Rule.Name},
			"state": {DataType: "String", StringValue: name},
		},
	}
}

var alarmNamespace = uuid.MustParse("8d7a3c1e-5b1f-4f0e-9a53-7a0c2b9e4d61")

// SortStates orders states alarms first, then by name.
func SortStates(ss []State) {
	sort.Slice(ss, func(i, j int) bool {
		if ss[i].Alarm != ss[j].Alarm {
			return ss[i].Alarm
		}
		return ss[i].Rule.Name < ss[j].Rule.Name
	})
}
