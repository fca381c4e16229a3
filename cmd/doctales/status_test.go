package main

import (
	"bytes"
	"context"
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
