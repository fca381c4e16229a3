package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestStateLive runs the real server: a PATCH to done reaches an open
// live stream as a "communication" event carrying the new state (the
// MODIFY record's image), a short snooze comes back by itself after its
// time as another event, and the search finds a word of the body (issue
// 12).
func TestStateLive(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	code, body := doKey(t, "POST", srv.url+"/communications", "", urgentEmail, "application/json")
	if code != 202 {
		t.Fatalf("post: %d %s", code, body)
	}
	var res struct{ ID string }
	_ = json.Unmarshal([]byte(body), &res)
	waitIdle(t, srv.url, 20*time.Second)
	live := sseEvents(t, srv.url, "", "?events=communication")

	// next waits for the communication event of res.ID that satisfies ok.
	next := func(what string, ok func(item map[string]any) bool) map[string]any {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case ev := <-live:
				name, data, _ := strings.Cut(ev, "\t")
				var item map[string]any
				if name == "communication" && json.Unmarshal([]byte(data), &item) == nil && item["id"] == res.ID && ok(item) {
					return item
				}
			case <-deadline:
				t.Fatalf("no live event %s in 20s; logs:\n%s", what, srv.Logs())
			}
		}
	}
	code, body = doKey(t, "PATCH", srv.url+"/communications/"+res.ID, "", `{"state":"done"}`, "application/json")
	if code != 200 {
		t.Fatalf("PATCH done: %d %s", code, body)
	}
	next("with state done", func(it map[string]any) bool { return it["state"] == "done" })

	until := time.Now().Add(1500 * time.Millisecond)
	code, body = doKey(t, "PATCH", srv.url+"/communications/"+res.ID, "", `{"state":"snoozed","until":"`+until.UTC().Format(time.RFC3339Nano)+`"}`, "application/json")
	if code != 200 {
		t.Fatalf("PATCH snoozed: %d %s", code, body)
	}
	next("with state snoozed", func(it map[string]any) bool { return it["state"] == "snoozed" })
	next("of the wake-up", func(it map[string]any) bool { return it["state"] == nil })
	if time.Now().Before(until) {
		t.Fatalf("the snooze ended before its time")
	}

	code, body = doKey(t, "GET", srv.url+"/communications?q=approve+wire", "", "", "")
	if code != 200 || !strings.Contains(body, res.ID) {
		t.Fatalf("search: %d %s", code, body)
	}
}
