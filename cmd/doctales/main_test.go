package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
	"github.com/doctales/doctales/sandbox"
)

// binPath is the doctales binary built once for the tests that run the real
// program as a separate process.
var binPath string

func TestMain(m *testing.M) {
	// In-process servers (MustRunMain) start this test binary as the
	// child process of their background damage check: it checks and
	// exits here, instead of running the tests again.
	checkChildMain()
	// In-process servers (MustRunMain) start this test binary as their
	// document parser workers.
	sandbox.Main(ingest.SandboxJobs())
	dir, err := os.MkdirTemp("", "doctales-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "doctales")
	if runtime.GOOS == "windows" {
		binPath += ".exe"
	}
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build doctales: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a free 127.0.0.1 address.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// server is a doctales serve process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	mu   *sync.Mutex
}

// startServer runs `doctales serve` on a free port over dataDir and waits
// until it answers /healthz.
func startServer(t testing.TB, dataDir string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	all := append([]string{"serve", "--data", dataDir, "--addr", addr, "--log-format", "text", "--log-level", "warn"}, args...)
	cmd := exec.Command(binPath, all...)
	logs := &bytes.Buffer{}
	mu := &sync.Mutex{}
	cmd.Stderr = lockedWriter{mu, logs}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, logs: logs, mu: mu}
	t.Cleanup(func() {
		if left := s.kill(); len(left) > 0 {
			t.Errorf("the server's child processes %v still ran %v after it was killed: a child must end when its server does", left, childGrace)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start; logs:\n%s", s.Logs())
	return nil
}

func (s *server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// childGrace is how long a killed server's children (the background
// check, parser workers) may take to end on their own.
const childGrace = 10 * time.Second

// kill sends SIGKILL: no shutdown code runs. It then waits up to
// childGrace for the server's child processes to end (they end when the
// server does: the check child at its stdin's end of file, parser
// workers by Pdeathsig), so that none writes into a data folder the test
// is about to remove; it kills and returns those still running (on
// Linux, where /proc lists them).
func (s *server) kill() []int {
	if s.cmd.ProcessState != nil {
		return nil
	}
	// Stopped first, it starts no child between the listing and the kill.
	_ = s.cmd.Process.Signal(stopSignal)
	kids := childPIDs(s.cmd.Process.Pid)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	var left []int
	deadline := time.Now().Add(childGrace)
	for _, pid := range kids {
		for processRunning(pid) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if processRunning(pid) {
			left = append(left, pid)
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
	}
	return left
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// webhookReceiver collects the notifications POSTed to it.
type webhookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	msgs []map[string]any
}

func newWebhookReceiver(t testing.TB) *webhookReceiver {
	w := &webhookReceiver{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(rw, err.Error(), 400)
			return
		}
		w.mu.Lock()
		w.msgs = append(w.msgs, m)
		w.mu.Unlock()
		rw.WriteHeader(204)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhookReceiver) Messages() []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]map[string]any(nil), w.msgs...)
}

// communicationID returns the communicationId attribute of an SNS HTTP
// notification.
func communicationID(m map[string]any) string {
	attrs, _ := m["MessageAttributes"].(map[string]any)
	a, _ := attrs["communicationId"].(map[string]any)
	v, _ := a["Value"].(string)
	return v
}

func post(t testing.TB, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url+"/communications", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

// waitIdle waits until every subscription of the server has nothing in
// flight and has read the whole log twice in a row.
func waitIdle(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	stable := 0
	for time.Now().Before(deadline) {
		var st struct {
			Subscriptions []struct {
				Name     string
				Read     int64
				InFlight int64
			}
		}
		getJSON(t, url+"/stats", &st)
		busy := false
		for _, s := range st.Subscriptions {
			if s.InFlight > 0 {
				busy = true
			}
		}
		b, _ := json.Marshal(st)
		if !busy && string(b) == last {
			stable++
			if stable >= 3 {
				return
			}
		} else {
			stable = 0
		}
		last = string(b)
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pipeline not idle after %s", timeout)
}

const urgentEmail = `{"source":"email","subject":"Wire transfer","from":"Ana Ruiz","from_email":"ana@acme.example","to":["me@example.com"],"body":"URGENT: please approve the wire before 5pm today.","project":"finance"}`
const calmEmail = `{"source":"email","subject":"Weekend photos","from":"Bo Lind","from_email":"bo@family.example","to":["me@example.com"],"body":"Hi, just sharing the photos from the weekend. Have a nice week.","project":"finance"}`

func TestEndToEnd(t *testing.T) {
	hook := newWebhookReceiver(t)
	srv := startServer(t, t.TempDir(), "--webhook", hook.URL)

	// A browser's live stream.
	sse := make(chan string, 16)
	req, _ := http.NewRequest("GET", srv.url+"/notifications/stream?events=notification", nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				sse <- line
			}
		}
	}()

	code, urgent := post(t, srv.url, urgentEmail)
	if code != http.StatusAccepted || urgent["id"] == "" || urgent["status"] != "accepted" {
		t.Fatalf("POST urgent = %d %v", code, urgent)
	}
	if key, _ := urgent["s3Key"].(string); !strings.HasPrefix(key, "email/"+time.Now().UTC().Format("2006/01/02")+"/") {
		t.Fatalf("s3Key = %q, want email/<yyyy>/<mm>/<dd>/<id>.json", key)
	}
	code, calm := post(t, srv.url, calmEmail)
	if code != http.StatusAccepted {
		t.Fatalf("POST calm = %d %v", code, calm)
	}
	waitIdle(t, srv.url, 20*time.Second)

	for _, id := range []any{urgent["id"], calm["id"]} {
		var c map[string]any
		if code := getJSON(t, fmt.Sprintf("%s/communications/%s", srv.url, id), &c); code != 200 {
			t.Fatalf("GET %v = %d", id, code)
		}
		if c["status"] != doctales.StatusExtracted || c["dimensions"] == nil || c["content"] == "" {
			t.Fatalf("communication %v: status %v, dimensions %v", id, c["status"], c["dimensions"])
		}
	}

	msgs := hook.Messages()
	if len(msgs) != 1 {
		t.Fatalf("webhook got %d notifications, want exactly 1: %v", len(msgs), msgs)
	}
	if communicationID(msgs[0]) != urgent["id"] || msgs[0]["Subject"] != "High Priority: Wire transfer" || msgs[0]["MessageId"] == "" {
		t.Fatalf("notification = %v", msgs[0])
	}
	select {
	case data := <-sse:
		if !strings.Contains(data, urgent["id"].(string)) {
			t.Fatalf("SSE notification %s does not name %v", data, urgent["id"])
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification on the SSE stream")
	}
	select {
	case data := <-sse:
		t.Fatalf("a second SSE notification: %s", data)
	case <-time.After(200 * time.Millisecond):
	}

	var list struct {
		Communications []doctales.Item
		Count          int
	}
	getJSON(t, srv.url+"/communications?urgency=high", &list)
	if list.Count != 1 || list.Communications[0].ID != urgent["id"] {
		t.Fatalf("?urgency=high listed %+v", list)
	}
	getJSON(t, srv.url+"/communications?project=finance", &list)
	if list.Count != 2 {
		t.Fatalf("?project=finance listed %d, want 2", list.Count)
	}
	getJSON(t, srv.url+"/communications?project=other", &list)
	if list.Count != 0 {
		t.Fatalf("?project=other listed %d, want 0", list.Count)
	}

	// The same request again: same answer, no second event.
	code, again := post(t, srv.url, fmt.Sprintf(`{"id":%q,"source":"email","body":"x"}`, "fixed-1"))
	code2, again2 := post(t, srv.url, fmt.Sprintf(`{"id":%q,"source":"email","body":"x"}`, "fixed-1"))
	if code != 202 || code2 != 202 || again["s3Key"] != again2["s3Key"] {
		t.Fatalf("repeat post: %d %v / %d %v", code, again, code2, again2)
	}
	code3, conflict := post(t, srv.url, fmt.Sprintf(`{"id":%q,"source":"email","body":"other"}`, "fixed-1"))
	if code3 != http.StatusConflict || conflict["field"] != "id" {
		t.Fatalf("same id, other content: %d %v; want 409 on field id", code3, conflict)
	}
}
