package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/sqlite"
)

// sseEvents opens GET /notifications/stream with key and sends each
// event's "event: data" line pair, joined by a tab, on the channel.
func sseEvents(t *testing.T, url, key, query string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/notifications/stream"+query, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	out := make(chan string, 100)
	go func() {
		defer resp.Body.Close()
		r := bufio.NewReader(resp.Body)
		var event string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				out <- event + "\t" + strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

// doKey sends a request with a bearer key and returns the status and body.
func doKey(t *testing.T, method, url, key, body, contentType string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// filesNaming returns the files under dir whose path contains s.
func filesNaming(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, s) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestIsolationAndDelete runs the real binary with two users' keys: each
// user's live stream carries only their own notifications; ben cannot
// read or delete ana's communication (404); ana deletes hers, and it is
// gone from the list, the object store and the log's content, while its
// REMOVE record reaches her live stream (issue 17).
func TestIsolationAndDelete(t *testing.T) {
	data := t.TempDir()
	key := func(user, scopes string) string {
		out, stderr, err := runBin(t, "", nil, "keys", "create", "--data", data, "--user", user, "--scope", scopes)
		if err != nil {
			t.Fatalf("keys create: %v\n%s", err, stderr)
		}
		return strings.TrimSpace(out)
	}
	ana, ben := key("ana", "read,ingest"), key("ben", "read,ingest")
	srv := startServer(t, data)
	anaLive := sseEvents(t, srv.url, ana, "?events=notification,removed")
	benLive := sseEvents(t, srv.url, ben, "?events=notification,removed")

	code, body := doKey(t, "POST", srv.url+"/communications", ana, urgentEmail, "application/json")
	if code != 202 {
		t.Fatalf("ana's post: %d %s", code, body)
	}
	var res struct{ ID string }
	_ = json.Unmarshal([]byte(body), &res)
	id := res.ID
	code, body = doKey(t, "POST", srv.url+"/communications", ben, strings.Replace(urgentEmail, "Wire transfer", "Ben's outage", 1), "application/json")
	if code != 202 {
		t.Fatalf("ben's post: %d %s", code, body)
	}
	next := func(ch <-chan string, who string) string {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no live event in 20s; logs:\n%s", who, srv.Logs())
		}
		return ""
	}
	if ev := next(anaLive, "ana"); !strings.HasPrefix(ev, "notification\t") || !strings.Contains(ev, id) {
		t.Fatalf("ana's first live event = %q, want her notification", ev)
	}
	if ev := next(benLive, "ben"); !strings.HasPrefix(ev, "notification\t") || strings.Contains(ev, id) || strings.Contains(ev, "Wire transfer") {
		t.Fatalf("ben's first live event = %q, want his own notification only", ev)
	}
	waitIdle(t, srv.url, 20*time.Second)
	if files := filesNaming(t, filepath.Join(data, "objects"), id); len(files) == 0 {
		t.Fatalf("no object file for %s before the delete", id)
	}

	// Ben can neither read nor delete it; the answers are those for an
	// id that does not exist.
	for _, method := range []string{"GET", "DELETE"} {
		if code, body := doKey(t, method, srv.url+"/communications/"+id, ben, "", ""); code != 404 {
			t.Fatalf("ben %s ana's id = %d %s, want 404", method, code, body)
		}
	}

	if code, body := doKey(t, "DELETE", srv.url+"/communications/"+id, ana, "", ""); code != 200 {
		t.Fatalf("ana's DELETE = %d %s", code, body)
	}
	if ev := next(anaLive, "ana"); ev != "removed\t"+`{"id":"`+id+`"}` {
		t.Fatalf("ana's live event after the delete = %q, want removed %s", ev, id)
	}
	if code, _ := doKey(t, "GET", srv.url+"/communications/"+id, ana, "", ""); code != 404 {
		t.Fatalf("GET after delete = %d, want 404", code)
	}
	_, list := doKey(t, "GET", srv.url+"/communications?limit=1000", ana, "", "")
	if strings.Contains(list, id) {
		t.Fatalf("the list still shows %s: %s", id, list)
	}
	if files := filesNaming(t, filepath.Join(data, "objects"), id); len(files) != 0 {
		t.Fatalf("object files left after the delete: %v", files)
	}
	waitIdle(t, srv.url, 20*time.Second)
	srv.kill()

	// The log keeps the REMOVE record (the stream's promise) but no
	// record holds the subject or the body any more.
	db := sqlite.NewDB(filepath.Join(data, "doctales.db"))
	db.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := db.CommunicationLog(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	removes := 0
	for _, r := range recs {
		if strings.Contains(string(r.Data), `"eventName":"REMOVE"`) {
			removes++
		}
		for _, secret := range []string{"Wire transfer", "approve the wire", "ana@acme.example"} {
			if strings.Contains(string(r.Data), secret) {
				t.Errorf("log record %d (%s) still holds %q: %s", r.Seq, r.Source, secret, r.Data)
			}
		}
	}
	if removes != 1 {
		t.Fatalf("%d REMOVE records about %s in the log, want 1 (records: %d)", removes, id, len(recs))
	}
	if _, err := db.GetItem(context.Background(), id); doctales.ErrorCode(err) != doctales.ENOTFOUND {
		t.Fatalf("row after delete: %v", err)
	}
}

// TestRetentionSweep: with retain: 30d, serve deletes the communications
// dated before 30 days ago, of every user, keeps the newer ones, and
// audits the sweep.
func TestRetentionSweep(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "doctales.yaml")
	if err := os.WriteFile(cfg, []byte("retain: 30d\nretainSweepEvery: 100ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, nil, "--config", cfg)
	old := postJSON(t, m.URL(), map[string]any{"source": "email", "subject": "From 2002", "from": "Old", "body": "An old letter.", "timestamp": "2002-03-01T10:00:00Z"})
	recent := postJSON(t, m.URL(), map[string]any{"source": "email", "subject": "This week", "from": "New", "body": "A new letter.", "timestamp": time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)})
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := m.Pipeline.DB.GetItem(context.Background(), old)
		if doctales.ErrorCode(err) == doctales.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 2002 communication is still there after 20s (err %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := m.Pipeline.DB.GetItem(context.Background(), recent); err != nil {
		t.Fatalf("the recent communication was deleted: %v", err)
	}
	// The sweep writes its audit row once its deletes are done: wait
	// for it, within the same deadline.
	action := doctales.AuditRetention
	for {
		entries, err := m.Pipeline.DB.AuditEntries(context.Background(), doctales.AuditFilter{Action: &action})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 {
			if entries[0].Target != "30d" || entries[0].Detail["deleted"] != float64(1) {
				t.Fatalf("retention audit entries = %+v, want one saying 1 deleted under 30d", entries)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no retention audit entry after the sweep deleted the 2002 communication")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRetainConfigErrors: a malformed or too short retention period is a
// clear error naming the field.
func TestRetainConfigErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"retain: 12x\n", "retain"},
		{"retain: 10m\n", "at least 1h"},
	} {
		cfg := filepath.Join(t.TempDir(), "doctales.yaml")
		if err := os.WriteFile(cfg, []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		m := NewMain()
		m.Stderr = io.Discard
		err := m.ParseFlags([]string{"--data", t.TempDir(), "--config", cfg})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want one mentioning %q", c.yaml, err, c.want)
		}
	}
}
