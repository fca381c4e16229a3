package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/doctales/doctales/extract"
)

// TestAlarm forces a dead letter: the dead-letter alarm fires once, and
// clears once after the redrive.
func TestAlarm(t *testing.T) {
	hook := newWebhookReceiver(t)
	fx := &faultyExtractor{next: extract.New()}
	fx.broken.Store(true)
	cfgFile := fastRetriesConfig(t, 10, 1, false, "alarmInterval: 20ms\nalarms:\n  - name: dead-letters\n    metric: dead_letters\n    comparison: \">\"\n    threshold: 0")
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Extractor = fx }, "--config", cfgFile, "--webhook", hook.URL)
	url := m.URL()

	subjects := func() map[string]int {
		out := map[string]int{}
		for _, msg := range hook.Messages() {
			out[msg["Subject"].(string)]++
		}
		return out
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; webhook got %v", what, subjects())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	post(t, url, `{"id":"poison-1","source":"email","body":"POISON"}`)
	waitFor("the alarm", func() bool { return subjects()["ALARM: dead-letters"] == 1 })
	time.Sleep(200 * time.Millisecond) // several evaluations: still one message
	if n := subjects()["ALARM: dead-letters"]; n != 1 {
		t.Fatalf("ALARM sent %d times, want once", n)
	}
	if n := subjects()["OK: dead-letters"]; n != 0 {
		t.Fatalf("OK sent before the redrive")
	}

	fx.broken.Store(false)
	resp, err := http.Post(url+"/dlq/redrive", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor("the alarm to clear", func() bool { return subjects()["OK: dead-letters"] == 1 })
	time.Sleep(200 * time.Millisecond)
	if s := subjects(); s["ALARM: dead-letters"] != 1 || s["OK: dead-letters"] != 1 {
		t.Fatalf("alarm messages %v; want one ALARM and one OK", s)
	}
}
