package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/extract"
)

// TestTrace follows a notified, a filtered and a dead-lettered
// communication through GET /communications/{id}/events and doctales trace.
func TestTrace(t *testing.T) {
	fx := &faultyExtractor{next: extract.New()}
	fx.broken.Store(true)
	cfgFile := fastRetriesConfig(t, 10, 1, false, "")
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Extractor = fx }, "--config", cfgFile)
	url := m.URL()
	_, urgent := post(t, url, strings.Replace(urgentEmail, `{`, `{"id":"urgent-1",`, 1))
	_, calm := post(t, url, strings.Replace(calmEmail, `{`, `{"id":"calm-1",`, 1))
	post(t, url, `{"id":"poison-1","source":"email","body":"POISON"}`)
	waitIdle(t, url, 20*time.Second)

	cases := []struct {
		id      string
		verdict string
		steps   []string
	}{
		{urgent["id"].(string), "notified: message ", []string{"extraction", "notification", "topic/log"}},
		{calm["id"].(string), "not notified: dropped by filter: urgency was low", []string{"extraction", "notification"}},
		{"poison-1", "not notified: extraction was dead-lettered", []string{"extraction"}},
	}
	// The journal writes in the background: wait until every trace has
	// its verdict (the checks below say what is missing after 10 s).
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		done := true
		for _, c := range cases {
			var tr struct{ Verdict string }
			done = done && getJSON(t, url+"/communications/"+c.id+"/events", &tr) == 200 && strings.HasPrefix(tr.Verdict, c.verdict)
		}
		if done {
			break
		}
	}

	var samples strings.Builder
	for _, c := range cases {
		var tr struct {
			Verdict string
			Events  []struct{ Step, Kind, Detail string }
		}
		if code := getJSON(t, url+"/communications/"+c.id+"/events", &tr); code != 200 {
			t.Fatalf("GET events of %s = %d", c.id, code)
		}
		if !strings.HasPrefix(tr.Verdict, c.verdict) {
			t.Errorf("%s: verdict %q, want it to start with %q", c.id, tr.Verdict, c.verdict)
		}
		for _, step := range c.steps {
			found := false
			for _, ev := range tr.Events {
				found = found || ev.Step == step
			}
			if !found {
				t.Errorf("%s: no %s step in %+v", c.id, step, tr.Events)
			}
		}

		var out bytes.Buffer
		if err := run(context.Background(), []string{"trace", c.id, "--data", m.Config.Data, "--log-level", "error"}, nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "verdict: "+c.verdict) {
			t.Errorf("doctales trace %s printed:\n%s", c.id, out.String())
		}
		samples.WriteString("$ doctales trace " + c.id + "\n" + out.String() + "\n")

		// Flags first, the id last: the same answer.
		var again bytes.Buffer
		if err := run(context.Background(), []string{"trace", "--data", m.Config.Data, "--log-level", "error", c.id}, nil, &again, io.Discard); err != nil || !strings.Contains(again.String(), "verdict: "+c.verdict) {
			t.Errorf("doctales trace --data DIR %s: %v\n%s", c.id, err, again.String())
		}
	}
	// DOCTALES_TRACE_SAMPLES=file writes the outputs for docs/operations.md.
	if path := os.Getenv("DOCTALES_TRACE_SAMPLES"); path != "" {
		if err := os.WriteFile(path, []byte(samples.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code := getJSON(t, url+"/communications/nope/events", &map[string]any{}); code != 404 {
		t.Errorf("events of a missing communication = %d, want 404", code)
	}
}
