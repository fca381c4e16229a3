package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// MustRunMain starts the serve command in this process on a free port and a
// temporary data folder, with extra flags, and closes it at test end.
func MustRunMain(t testing.TB, setup func(*Main), args ...string) *Main {
	t.Helper()
	m := NewMain()
	m.Stderr = io.Discard
	all := append([]string{"--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "error"}, args...)
	if err := m.ParseFlags(all); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(m)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// faultyExtractor fails on communications containing "POISON" while broken
// is set: a fault that an operator fixes, then redrives.
type faultyExtractor struct {
	broken atomic.Bool
	next   doctales.Extractor
}

func (f *faultyExtractor) Extract(ctx context.Context, c *doctales.Communication) (*doctales.Dimensions, error) {
	if f.broken.Load() && strings.Contains(c.Content, "POISON") {
		return nil, errors.New("extractor cannot read this communication")
	}
	return f.next.Extract(ctx, c)
}

func TestDeadLetterAndRedrive(t *testing.T) {
	fx := &faultyExtractor{next: extract.New()}
	fx.broken.Store(true)
	cfgFile := fastRetriesConfig(t, 10, 2, true, "")
	m := MustRunMain(t, func(m *Main) { m.Pipeline.Extractor = fx }, "--config", cfgFile)
	url := m.URL()

	_, bad := post(t, url, `{"id":"poison-1","source":"email","body":"POISON pill"}`)
	var good []string
	for i := 0; i < 5; i++ {
		_, ok := post(t, url, fmt.Sprintf(`{"source":"email","body":"hello %d"}`, i))
		good = append(good, ok["id"].(string))
	}
	waitIdle(t, url, 20*time.Second)

	// The others flowed on.
	for _, id := range good {
		var c map[string]any
		getJSON(t, url+"/communications/"+id, &c)
		if c["status"] != doctales.StatusExtracted {
			t.Fatalf("%s: status %v while another item failed", id, c["status"])
		}
	}
	// The poison one is failed, with its error, and dead-lettered.
	var c map[string]any
	getJSON(t, url+"/communications/"+bad["id"].(string), &c)
	if c["status"] != doctales.StatusFailed || !strings.Contains(fmt.Sprint(c["error"]), "cannot read") {
		t.Fatalf("poison: status %v error %v", c["status"], c["error"])
	}
	var dl struct {
		DeadLetters []doctales.DeadLetter
		Count       int
	}
	getJSON(t, url+"/dlq", &dl)
	if dl.Count != 1 || dl.DeadLetters[0].Attempts != 3 || !strings.Contains(dl.DeadLetters[0].Error, "cannot read") ||
		dl.DeadLetters[0].Subscription != "extraction" || !strings.Contains(dl.DeadLetters[0].Key, "poison-1") {
		t.Fatalf("dead letters = %+v", dl)
	}

	// The CLI sees it too.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"dlq", "list", "--data", m.Config.Data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "poison-1") || !strings.Contains(out.String(), "1 dead letter(s)") {
		t.Fatalf("dlq list printed:\n%s", out.String())
	}

	// Fix the fault, redrive with the CLI: the running server delivers it.
	fx.broken.Store(false)
	out.Reset()
	if err := run(context.Background(), []string{"dlq", "redrive", "--all", "--data", m.Config.Data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 dead letter(s) redriven") {
		t.Fatalf("dlq redrive printed:\n%s", out.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		getJSON(t, url+"/communications/poison-1", &c)
		if c["status"] == doctales.StatusExtracted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after redrive the status is %v", c["status"])
		}
		time.Sleep(50 * time.Millisecond)
	}
	getJSON(t, url+"/dlq", &dl)
	if dl.Count != 0 {
		t.Fatalf("%d dead letters left after redrive", dl.Count)
	}
}

func TestBadInput(t *testing.T) {
	m := MustRunMain(t, nil)
	url := m.URL()
	big := `{"source":"email","body":"` + strings.Repeat("a", 2<<20) + `"}`
	for _, tt := range []struct {
		name, ctype, body string
		status            int
		field             string
	}{
		{"malformed JSON", "application/json", `{"source":"email",`, 400, "body"},
		{"not an object", "application/json", `["a"]`, 400, "body"},
		{"wrong type", "application/json", `{"source":"email","body":"x","to":42}`, 400, "to"},
		{"2 MiB body", "application/json", big, 413, "body"},
		{"invalid UTF-8", "application/json", "{\"source\":\"email\",\"body\":\"caf\xe9\"}", 400, "body"},
		{"unknown urgency", "application/json", `{"source":"email","body":"x","urgency":"urgentest"}`, 400, "urgency"},
		{"traversal in id", "application/json", `{"id":"../x","source":"email","body":"x"}`, 400, "id"},
		{"empty content", "application/json", `{"source":"email","body":"   "}`, 400, "body"},
		{"bad timestamp", "application/json", `{"source":"email","body":"x","timestamp":"yesterday"}`, 400, "timestamp"},
		{"wrong content type", "text/plain", `{"source":"email","body":"x"}`, 415, "Content-Type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(url+"/communications", tt.ctype, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error, Code, Field string }
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || e.Field != tt.field || e.Error == "" {
				t.Fatalf("got %d %+v; want %d on field %q", resp.StatusCode, e, tt.status, tt.field)
			}
		})
	}
	// Nothing stored, nothing emitted.
	var list struct{ Count int }
	getJSON(t, url+"/communications", &list)
	if list.Count != 0 {
		t.Fatalf("%d communications stored from bad input", list.Count)
	}
	recs, err := m.Pipeline.DB.ReadLog(context.Background(), doctales.SourceS3, 0, 10)
	if err != nil || len(recs) != 0 {
		t.Fatalf("%d S3 events emitted from bad input (%v)", len(recs), err)
	}
	if objs, _ := m.Pipeline.Store.List(context.Background(), ""); len(objs) != 0 {
		t.Fatalf("%d objects stored from bad input", len(objs))
	}
}

func TestAPI_NotFoundAndCORS(t *testing.T) {
	m := MustRunMain(t, nil)
	resp, err := http.Get(m.URL() + "/communications/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Same origin only (issue 17): no Access-Control-Allow-Origin, so no
	// other page may read the answer.
	if resp.StatusCode != 404 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("GET missing = %d, CORS %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	req, _ := http.NewRequest(http.MethodOptions, m.URL()+"/communications", nil)
	req.Header.Set("Origin", "http://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Methods") != "" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("OPTIONS from another origin = %d %v", resp.StatusCode, resp.Header)
	}
	var e struct{ Field string }
	getJSON(t, m.URL()+"/communications?urgency=extreme", &e)
	if e.Field != "urgency" {
		t.Fatalf("bad filter error names field %q", e.Field)
	}
}

func TestInvokeEvents(t *testing.T) {
	data := t.TempDir()
	invoke := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		all := append([]string{"invoke"}, args...)
		all = append(all, "--data", data, "--log-level", "error")
		if err := run(context.Background(), all, nil, &out, io.Discard); err != nil {
			t.Fatalf("doctales %v: %v\n%s", all, err, out.String())
		}
		return out.String()
	}
	ev := func(name string) string { return filepath.Join("..", "..", "events", name) }

	out := invoke("ingestion", "--event", ev("api-gateway-post.json"))
	if !strings.Contains(out, `"statusCode":202`) || !strings.Contains(out, `email/2025/06/10/email-123.json`) {
		t.Fatalf("ingestion printed %s", out)
	}
	out = invoke("extraction", "--event", ev("s3-object-created.json"))
	if !strings.Contains(out, `"status":"extracted"`) {
		t.Fatalf("extraction printed %s", out)
	}
	out = invoke("notification", "--event", ev("dynamodb-stream-modify.json"))
	if !strings.Contains(out, `"batchItemFailures":[]`) && !strings.Contains(out, `"batchItemFailures":null`) {
		t.Fatalf("notification printed %s", out)
	}
	out = invoke("delivery", "--event", ev("sns-notification.json"))
	if !strings.Contains(out, `"delivered"`) {
		t.Fatalf("delivery printed %s", out)
	}

	// --follow from the API event reaches the notification, in a fresh
	// data folder.
	data = t.TempDir()
	out = invoke("ingestion", "--event", ev("api-gateway-post.json"), "--follow")
	for _, want := range []string{`"subscription":"extraction"`, `"subscription":"notification"`, `"subscription":"topic/log"`, `High Priority: Meeting Reminder`} {
		if !strings.Contains(out, want) {
			t.Fatalf("--follow output lacks %s:\n%s", want, out)
		}
	}
}

// fastRetriesConfig writes a configuration file whose extraction retries
// quickly (5ms backoff), with the given batch size, retry attempts and
// bisect setting, plus extra top-level YAML, and returns its path. Tests
// use it so that failures reach the dead-letter store in milliseconds,
// not after the production backoff.
func fastRetriesConfig(t testing.TB, batchSize, retries int, bisect bool, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doctales.yaml")
	body := fmt.Sprintf(`%s
functions:
  extraction:
    Events:
      Raw:
        Type: S3
        Properties:
          Events: s3:ObjectCreated:*
          BatchSize: %d
          MaximumRetryAttempts: %d
          BisectBatchOnFunctionError: %v
          RetryBaseDelay: 5ms
`, extra, batchSize, retries, bisect)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
