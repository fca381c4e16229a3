package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// TestConfig_Semantics: the Semantics switch, what -1 and 0 retries become
// under each semantics, and the function timeout (issue 16, item 7).
func TestConfig_Semantics(t *testing.T) {
	handler := func(string) (runtime.Handler, error) {
		return runtime.HandlerFunc(func(ctx context.Context, _ []*doctales.LogRecord) (int, error) { return -1, nil }), nil
	}
	one := func(t *testing.T, src string) (runtime.Subscription, error) {
		t.Helper()
		var fc FunctionConfig
		if err := yaml.Unmarshal([]byte(src), &fc); err != nil {
			t.Fatal(err)
		}
		subs, err := fc.subscriptions("notification", handler)
		if err != nil {
			return runtime.Subscription{}, err
		}
		if len(subs) != 1 {
			t.Fatalf("%d subscriptions", len(subs))
		}
		return subs[0], nil
	}
	event := func(props string) string {
		return "Events:\n  S:\n    Type: DynamoDB\n    Properties:\n" + props
	}
	for _, tc := range []struct {
		name, props string
		retries     int
		semantics   string
	}{
		{"-1 is AWS's until-expired by default", "      MaximumRetryAttempts: -1\n", runtime.RetryUntilExpired, ""},
		{"-1 is no retries with Semantics: local", "      MaximumRetryAttempts: -1\n      Semantics: local\n", runtime.NoRetries, runtime.SemanticsLocal},
		{"0 is no retries", "      MaximumRetryAttempts: 0\n", runtime.NoRetries, ""},
		{"0 is no retries locally too", "      MaximumRetryAttempts: 0\n      Semantics: local\n", runtime.NoRetries, runtime.SemanticsLocal},
		{"absent is the default", "      BatchSize: 10\n", 0, ""},
	} {
		s, err := one(t, event(tc.props))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if s.MaxRetryAttempts != tc.retries || s.Semantics != tc.semantics {
			t.Errorf("%s: MaxRetryAttempts %d, Semantics %q; want %d, %q", tc.name, s.MaxRetryAttempts, s.Semantics, tc.retries, tc.semantics)
		}
	}
	if _, err := one(t, event("      Semantics: lambda\n")); !errors.As(err, new(*ConfigError)) {
		t.Errorf("an unknown Semantics was accepted: %v", err)
	}
	s, err := one(t, "Timeout: 45\n"+event("      BatchSize: 10\n"))
	if err != nil || s.Timeout != 45*time.Second {
		t.Errorf("Timeout: 45 gave %s, %v", s.Timeout, err)
	}
	if _, err := one(t, "Timeout: 901\n"+event("      BatchSize: 10\n")); !errors.As(err, new(*ConfigError)) {
		t.Errorf("Timeout 901 was accepted: %v", err)
	}
	// Without a file, the template's timeouts.
	cfg := DefaultConfig()
	for name, want := range map[string]int{FuncExtraction: ExtractionTimeoutSeconds, FuncNotification: NotificationTimeoutSeconds} {
		if tm := cfg.Functions[name].Timeout; tm == nil || *tm != want {
			t.Errorf("default %s timeout %v, want %d", name, tm, want)
		}
	}
}
