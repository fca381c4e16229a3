package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestStatusAndReadyz(t *testing.T) {
	m := MustRunMain(t, nil)
	post(t, m.URL(), calmEmail)
	waitIdle(t, m.URL(), 10*time.Second)

	var ready map[string]any
	if code := getJSON(t, m.URL()+"/readyz", &ready); code != 200 || ready["status"] != "ready" {
		t.Fatalf("readyz = %d %v", code, ready)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"status", "--url", m.URL(), "--interval", "50ms"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{": ready", "extraction", "notification", "topic/log", "dead letters waiting: 0", "alarm dead-letters"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("status output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"status", "--url", "http://127.0.0.1:1"}, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "is the server running") {
		t.Fatalf("status against no server: %v", err)
	}
}

// TestStatusJSON checks status --json: one JSON object with the server's
// readiness, every subscription with its rates, the dead letters (0) and
// the alarms, lists never null; and a URL without a scheme.
func TestStatusJSON(t *testing.T) {
	m := MustRunMain(t, nil)
	var out bytes.Buffer
	url := strings.TrimPrefix(m.URL(), "http://")
	if err := run(context.Background(), []string{"status", "--json", "--url", url, "--interval", "50ms"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep StatusReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("status --json printed %q: %v", out.String(), err)
	}
	if rep.Ready["status"] != "ready" || rep.DeadLetters != 0 || rep.Alarms == nil || rep.URL != m.URL() {
		t.Fatalf("status --json = %+v", rep)
	}
	names := map[string]bool{}
	for _, s := range rep.Subscriptions {
		names[s.Name] = true
	}
	for _, want := range []string{"extraction", "notification", "topic/log"} {
		if !names[want] {
			t.Errorf("status --json lacks subscription %q: %s", want, out.String())
		}
	}
	if !strings.Contains(out.String(), `"readPerSecond"`) {
		t.Errorf("status --json lacks the rates: %s", out.String())
	}
}
