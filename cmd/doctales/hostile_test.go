package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/hostile"
)

// hostileTimeout is the parse time-out the hostile tests give the server;
// the CPU limit is set above it, so a looping parser meets the wall
// time-out and is killed by the server.
const hostileTimeout = 2 * time.Second

// startHostileServer runs the real binary with small parser limits.
func startHostileServer(t *testing.T) *server {
	t.Helper()
	return startServer(t, t.TempDir(), "--parse-workers", "2", "--parse-memory-bytes", strconv.Itoa(256<<20),
		"--parse-cpu-time", "5s", "--parse-timeout", hostileTimeout.String())
}

// TestServe_HostileDocuments sends each file of the hostile corpus to a
// running `doctales serve`, as a PDF or DOCX body and as a multipart
// upload: each gets a 4xx naming the file with a clear message within the
// time-out, and after each the server answers /healthz and accepts a
// normal communication. Then four looping PDFs at once (issue 10: four
// took both cores until restart): all refused, and within a second of the
// last answer the server and its workers use no more CPU.
func TestServe_HostileDocuments(t *testing.T) {
	srv := startHostileServer(t)
	client := &http.Client{Timeout: 30 * time.Second}

	for _, f := range hostile.Files() {
		for _, mode := range []string{"body", "upload"} {
			status, out, took := postDocument(t, client, srv.url, f, mode)
			t.Logf("%s as %s: %d %v in %s", f.Name, mode, status, out["error"], took.Round(time.Millisecond))
			if status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s as %s: status %d %v, want 400 or 413; server logs:\n%s", f.Name, mode, status, out, srv.Logs())
			}
			if msg, _ := out["error"].(string); msg == "" || out["field"] != "file" ||
				(out["code"] != doctales.EINVALID && out["code"] != doctales.ETOOLARGE) {
				t.Fatalf("%s as %s: answer %v, want a message, code invalid or too_large, field file", f.Name, mode, out)
			}
			if took > hostileTimeout+time.Second {
				t.Fatalf("%s as %s: answered after %s, the time-out is %s", f.Name, mode, took, hostileTimeout)
			}
			mustStayUp(t, client, srv.url)
		}
	}

	// Four looping PDFs at once, two workers.
	var loop hostile.File
	for _, f := range hostile.PDFs() {
		if f.Name == "objstm-extends-loop.pdf" {
			loop = f
		}
	}
	var wg sync.WaitGroup
	results := make(chan string, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, out, _ := postDocument(t, client, srv.url, loop, "body")
			results <- fmt.Sprintf("%d %v", status, out["error"])
		}()
	}
	wg.Wait()
	close(results)
	want := fmt.Sprintf("413 pdf: parser took longer than %s (killed)", hostileTimeout)
	for r := range results {
		if r != want {
			t.Fatalf("a looping PDF among four: %q, want %q", r, want)
		}
	}
	assertIdle(t, srv.cmd.Process.Pid)
	mustStayUp(t, client, srv.url)
}

// TestImport_HostileDocuments imports a folder of the hostile corpus and
// one good note through a running server (`doctales import --url`): the
// note is imported, every hostile file is a failed item named with its
// reason, in bounded time, and the server stays up.
func TestImport_HostileDocuments(t *testing.T) {
	srv := startHostileServer(t)
	dir := t.TempDir()
	for _, f := range hostile.Files() {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "good.md"), []byte("# Plan\nShip on Friday.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(binPath, "import", "--url", srv.url, "--workers", "4", "--progress", "none", dir)
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	t.Logf("import in %s:\n%s", took.Round(time.Millisecond), out)
	if err != nil && cmd.ProcessState.ExitCode() < 0 {
		t.Fatalf("import did not finish: %v", err)
	}
	n := len(hostile.Files())
	if want := fmt.Sprintf("imported 1, skipped 0, failed %d of %d found", n, n+1); !strings.Contains(string(out), want) {
		t.Fatalf("summary does not say %q", want)
	}
	for _, f := range hostile.Files() {
		if !strings.Contains(string(out), f.Name) {
			t.Errorf("summary does not name %s", f.Name)
		}
	}
	for _, reason := range []string{"pdf: parser ran out of memory (limit 256 MiB)", "pdf: parser crashed (stack overflow",
		"pdf: parser took longer than 2s (killed)", "zip bomb"} {
		if !strings.Contains(string(out), reason) {
			t.Errorf("summary does not give the reason %q", reason)
		}
	}
	// Eleven items over four import workers and two parser workers: the
	// one slow file takes the time-out, the rest milliseconds.
	if took > 4*hostileTimeout+5*time.Second {
		t.Errorf("import took %s", took)
	}
	mustStayUp(t, &http.Client{Timeout: 10 * time.Second}, srv.url)
}

// postDocument sends f as the request body (mode "body", typed by its
// extension) or as a multipart upload (mode "upload") and returns the
// status, the decoded answer and the time taken.
func postDocument(t testing.TB, client *http.Client, url string, f hostile.File, mode string) (int, map[string]any, time.Duration) {
	t.Helper()
	body, ctype := f.Data, "application/pdf"
	if strings.HasSuffix(f.Name, ".docx") {
		ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	target := url + "/communications?name=" + f.Name
	if mode == "upload" {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, err := mw.CreateFormFile("file", f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.Data)
		mw.Close()
		body, ctype, target = buf.Bytes(), mw.FormDataContentType(), url+"/communications"
	}
	start := time.Now()
	resp, err := client.Post(target, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post %s as %s: %v", f.Name, mode, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, time.Since(start)
}

// mustStayUp fails t unless the server answers /healthz and accepts a
// normal communication.
func mustStayUp(t testing.TB, client *http.Client, url string) {
	t.Helper()
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("server down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	resp, err = client.Post(url+"/communications", "application/json",
		strings.NewReader(`{"source":"email","subject":"still here","body":"A normal message after a hostile file."}`))
	if err != nil {
		t.Fatalf("server down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("normal POST = %d, want 202", resp.StatusCode)
	}
}

// assertIdle fails t unless the CPU time of process pid and its children
// (the parser workers, live or reaped) stops growing within a second:
// over the following second it may grow by at most 100 ms (the pipeline's
// own polling uses a few).
func assertIdle(t testing.TB, pid int) {
	t.Helper()
	time.Sleep(time.Second)
	before := treeCPU(t, pid)
	time.Sleep(time.Second)
	after := treeCPU(t, pid)
	t.Logf("CPU of the server and its workers over the second after the first: %s", after-before)
	if after-before > 100*time.Millisecond {
		t.Fatalf("server and workers used %s of CPU in one second after the last answer: something still runs", after-before)
	}
}

// treeCPU returns the user and system time of pid, of its reaped children,
// and of its live children, from /proc.
func treeCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	ticks := func(stat string, fields ...int) int64 {
		// Fields after the command name, which is in parentheses.
		rest := strings.Fields(stat[strings.LastIndexByte(stat, ')')+2:])
		var n int64
		for _, f := range fields {
			v, _ := strconv.ParseInt(rest[f-3], 10, 64)
			n += v
		}
		return n
	}
	self, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("server gone: %v", err)
	}
	// utime, stime, cutime, cstime are fields 14 to 17 of proc(5).
	total := ticks(string(self), 14, 15, 16, 17)
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		if ticks(s, 4) == int64(pid) { // field 4 is the parent's pid
			total += ticks(s, 14, 15)
		}
	}
	return time.Duration(total) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// TestIngest_HostileDocuments runs `doctales import` locally (its own
// pipeline, no server) on the hostile corpus and `doctales ingest` on two
// files that kill a parser: each is a failed item with its reason, and the
// commands end normally (exit status 1 for the failures, not a crash).
func TestIngest_HostileDocuments(t *testing.T) {
	dir := t.TempDir()
	for _, f := range hostile.Files() {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := t.TempDir()
	limits := []string{"--parse-memory-bytes", strconv.Itoa(256 << 20), "--parse-cpu-time", "5s", "--parse-timeout", hostileTimeout.String(), "--log-level", "error"}
	cmd := exec.Command(binPath, append(append([]string{"import", "--data", data, "--progress", "none"}, limits...), dir)...)
	out, _ := cmd.CombinedOutput()
	n := len(hostile.Files())
	if want := fmt.Sprintf("imported 0, skipped 0, failed %d of %d found", n, n); !strings.Contains(string(out), want) {
		t.Fatalf("local import: want %q in:\n%s", want, out)
	}
	for _, tc := range []struct{ name, msg string }{
		{"objstm-self.pdf", "pdf: parser crashed (stack overflow, limit 64 MiB)"},
		{"xref-4000000000.pdf", "pdf: parser ran out of memory (limit 256 MiB)"},
	} {
		cmd := exec.Command(binPath, append(append([]string{"ingest", "--data", data}, limits...), filepath.Join(dir, tc.name))...)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		var res struct{ Error, Code string }
		_ = json.Unmarshal(stdout.Bytes(), &res)
		if cmd.ProcessState.ExitCode() != 1 || res.Error != tc.msg {
			t.Fatalf("ingest %s: exit %d (%v), printed %s; want exit 1 and %q", tc.name, cmd.ProcessState.ExitCode(), err, stdout.String(), tc.msg)
		}
	}
}
