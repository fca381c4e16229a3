package runtime_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// delays returns the schedule of p: the delay of every retry it allows.
func delays(p *runtime.DeliveryPolicy) []time.Duration {
	var out []time.Duration
	for n := 1; ; n++ {
		d, ok := p.Delay(n)
		if !ok {
			return out
		}
		out = append(out, d)
	}
}

func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// near reports whether a and b are within a millisecond.
func near(a, b time.Duration) bool { return (a - b).Abs() <= time.Millisecond }

func TestDeliveryPolicy_DefaultSchedule(t *testing.T) {
	p := runtime.NewDeliveryPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	got := delays(p)
	if len(got) != runtime.DefaultNumRetries {
		t.Fatalf("%d retries, want %d", len(got), runtime.DefaultNumRetries)
	}
	// Immediate phase: retries 1-3 at once.
	for n := 1; n <= 3; n++ {
		if got[n-1] != 0 {
			t.Errorf("immediate retry %d waits %s, want 0", n, got[n-1])
		}
	}
	// Pre-backoff: retries 4-5 at minDelayTarget.
	for n := 4; n <= 5; n++ {
		if got[n-1] != time.Second {
			t.Errorf("pre-backoff retry %d waits %s, want 1s", n, got[n-1])
		}
	}
	// Backoff: retries 6-15, exponential from 1s to 60s: 60^(i/10) seconds.
	for i := 1; i <= 10; i++ {
		want := secs(math.Pow(60, float64(i)/10))
		if d := got[5+i-1]; !near(d, want) {
			t.Errorf("backoff retry %d waits %s, want %s", 5+i, d, want)
		}
	}
	// Post-backoff: retries 16-65 at maxDelayTarget.
	for n := 16; n <= 65; n++ {
		if got[n-1] != time.Minute {
			t.Errorf("post-backoff retry %d waits %s, want 1m", n, got[n-1])
		}
	}
	// About 53 minutes in all, within SNS's hour.
	total := p.TotalDelay()
	if total < 50*time.Minute || total > time.Hour {
		t.Fatalf("default policy retries for %s, want 50m to 1h", total)
	}
	t.Logf("default policy: %s", p)
}

func TestDeliveryPolicy_SNSHTTPDefault(t *testing.T) {
	// SNS's documented HTTP default: 3 retries, 20 seconds apart. An SNS
	// policy with only numRetries gets SNS's 20-second delays.
	p := runtime.DeliveryPolicy{HealthyRetryPolicy: runtime.HealthyRetryPolicy{NumRetries: 3}}.WithDefaults()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	got := delays(&p)
	want := []time.Duration{20 * time.Second, 20 * time.Second, 20 * time.Second}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("schedule %v, want %v", got, want)
	}
	if p.HealthyRetryPolicy.BackoffFunction != runtime.BackoffLinear {
		t.Fatalf("backoff function %q, want SNS's default linear", p.HealthyRetryPolicy.BackoffFunction)
	}
}

func TestDeliveryPolicy_BackoffFunctions(t *testing.T) {
	// Four backoff retries from 10s to 50s (no other phase): x = 1/4 … 4/4.
	for _, tc := range []struct {
		fn   string
		want []float64 // seconds
	}{
		{runtime.BackoffLinear, []float64{20, 30, 40, 50}},
		{runtime.BackoffArithmetic, []float64{10 + 40*0.0625, 10 + 40*0.25, 10 + 40*0.5625, 50}},
		{runtime.BackoffGeometric, []float64{10 + 40*0.5, 10 + 40*math.Sqrt(0.5), 10 + 40*math.Sqrt(0.75), 50}},
		{runtime.BackoffExponential, []float64{10 * math.Pow(5, 0.25), 10 * math.Pow(5, 0.5), 10 * math.Pow(5, 0.75), 50}},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			p := &runtime.DeliveryPolicy{HealthyRetryPolicy: runtime.HealthyRetryPolicy{
				NumRetries: 4, MinDelayTarget: 10, MaxDelayTarget: 50, BackoffFunction: tc.fn}}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			got := delays(p)
			if len(got) != 4 {
				t.Fatalf("schedule %v, want 4 retries", got)
			}
			for i, w := range tc.want {
				if !near(got[i], secs(w)) {
					t.Errorf("retry %d waits %s, want %s", i+1, got[i], secs(w))
				}
			}
			// Every curve rises.
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Errorf("retry %d waits less than retry %d: %v", i+1, i, got)
				}
			}
		})
	}
}

func TestDeliveryPolicy_Phases(t *testing.T) {
	// 1 immediate, 2 at min, 2 backoff (linear 2s→10s), 3 at max.
	p := &runtime.DeliveryPolicy{
		HealthyRetryPolicy: runtime.HealthyRetryPolicy{NumRetries: 8, NumNoDelayRetries: 1, NumMinDelayRetries: 2,
			NumMaxDelayRetries: 3, MinDelayTarget: 2, MaxDelayTarget: 10, BackoffFunction: "LINEAR"},
		Second: time.Millisecond,
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{0, 2, 2, 6, 10, 10, 10, 10}
	got := delays(p)
	if len(got) != len(want) {
		t.Fatalf("schedule %v, want %v ms", got, want)
	}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("schedule %v, want %v ms (Second = 1ms)", got, want)
		}
	}
	if _, ok := p.Delay(0); ok {
		t.Fatal("Delay(0) allowed")
	}
}

func TestDeliveryPolicy_Validate(t *testing.T) {
	base := func() *runtime.DeliveryPolicy { return runtime.NewDeliveryPolicy() }
	for _, tc := range []struct {
		name   string
		edit   func(p *runtime.DeliveryPolicy)
		field  string
		inText string
	}{
		{"too many retries", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.NumRetries = 101 },
			"healthyRetryPolicy.numRetries", "101 is outside 0..100"},
		{"negative retries", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.NumRetries = -1 },
			"healthyRetryPolicy.numRetries", "-1 is outside 0..100"},
		{"negative immediate", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.NumNoDelayRetries = -2 },
			"healthyRetryPolicy.numNoDelayRetries", "-2 is negative"},
		{"negative pre-backoff", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.NumMinDelayRetries = -1 },
			"healthyRetryPolicy.numMinDelayRetries", "negative"},
		{"negative post-backoff", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.NumMaxDelayRetries = -1 },
			"healthyRetryPolicy.numMaxDelayRetries", "negative"},
		{"phases exceed total", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.NumRetries = 10 },
			"healthyRetryPolicy.numRetries", "10 is less than numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries = 55"},
		{"min delay zero", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.MinDelayTarget = 0 },
			"healthyRetryPolicy.minDelayTarget", "0 is less than 1 second"},
		{"max delay over an hour", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.MaxDelayTarget = 3601 },
			"healthyRetryPolicy.maxDelayTarget", "3601 is more than 3600 seconds"},
		{"max below min", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.MinDelayTarget = 90 },
			"healthyRetryPolicy.maxDelayTarget", "60 is less than minDelayTarget 90"},
		{"unknown backoff", func(p *runtime.DeliveryPolicy) { p.HealthyRetryPolicy.BackoffFunction = "cubic" },
			"healthyRetryPolicy.backoffFunction", `"cubic" is not one of linear, arithmetic, geometric, exponential`},
		{"over SNS's hour", func(p *runtime.DeliveryPolicy) {
			p.HealthyRetryPolicy.NumMaxDelayRetries = 60
			p.HealthyRetryPolicy.NumRetries = 75
		},
			"healthyRetryPolicy.numRetries", "; the limit is 3600 seconds"},
		{"negative throttle", func(p *runtime.DeliveryPolicy) { p.ThrottlePolicy.MaxReceivesPerSecond = -5 },
			"throttlePolicy.maxReceivesPerSecond", "-5 is negative"},
		{"content type", func(p *runtime.DeliveryPolicy) { p.RequestPolicy.HeaderContentType = "text/html" },
			"requestPolicy.headerContentType", `"text/html"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			tc.edit(p)
			err := p.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			if f := doctales.ErrorField(err); f != tc.field {
				t.Errorf("field %q, want %q (%v)", f, tc.field, err)
			}
			if doctales.ErrorCode(err) != doctales.EINVALID || !strings.Contains(err.Error(), tc.inText) {
				t.Errorf("error %q (code %s), want EINVALID containing %q", err, doctales.ErrorCode(err), tc.inText)
			}
		})
	}

	// A subscription names the policy in the field.
	s := runtime.Subscription{Name: "topic/webhook-1", Source: doctales.SourceSNS, Handler: runtime.HandlerFunc(nil),
		Delivery: &runtime.DeliveryPolicy{HealthyRetryPolicy: runtime.HealthyRetryPolicy{NumRetries: 200, MinDelayTarget: 1, MaxDelayTarget: 1, BackoffFunction: "linear"}}}
	err := s.Validate()
	if f := doctales.ErrorField(err); f != "DeliveryPolicy.healthyRetryPolicy.numRetries" || !strings.Contains(err.Error(), "topic/webhook-1") {
		t.Fatalf("subscription error %v (field %q)", err, f)
	}
}

func TestDeliveryPolicy_WithDefaults(t *testing.T) {
	// Left out entirely: the local default.
	p := runtime.DeliveryPolicy{ThrottlePolicy: runtime.ThrottlePolicy{MaxReceivesPerSecond: 5}}.WithDefaults()
	if p.HealthyRetryPolicy != runtime.NewDeliveryPolicy().HealthyRetryPolicy || p.ThrottlePolicy.MaxReceivesPerSecond != 5 {
		t.Fatalf("WithDefaults = %+v", p)
	}
	// A max delay below SNS's 20s default min: min follows it.
	p = runtime.DeliveryPolicy{HealthyRetryPolicy: runtime.HealthyRetryPolicy{NumRetries: 2, MaxDelayTarget: 5}}.WithDefaults()
	if h := p.HealthyRetryPolicy; h.MinDelayTarget != 5 || h.MaxDelayTarget != 5 {
		t.Fatalf("WithDefaults = %+v", h)
	}
}
