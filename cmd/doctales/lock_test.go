//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/datalock"
)

// One owner per data folder (issue 11), with real processes: the binary
// built by TestMain.

// readLockFile returns what the data folder's lock file says.
func readLockFile(t *testing.T, data string) datalock.Holder {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, datalock.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var h datalock.Holder
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&h); err != nil {
		t.Fatalf("lock file %q: %v", b, err)
	}
	return h
}

// TestLock_SecondServe: a second serve on a folder a server holds exits
// non-zero naming the holder's PID and URL, and the first one goes on.
func TestLock_SecondServe(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	h := readLockFile(t, data)
	if h.PID != srv.cmd.Process.Pid || h.URL != srv.url || h.Command != "serve" {
		t.Fatalf("lock file says %+v, want PID %d, serve, %s", h, srv.cmd.Process.Pid, srv.url)
	}

	code, _, stderr := runBinary(t, "serve", "--data", data, "--addr", freeAddr(t), "--log-format", "text")
	if code == 0 {
		t.Fatalf("a second serve on %s exited 0; stderr:\n%s", data, stderr)
	}
	for _, want := range []string{"PID " + strconv.Itoa(srv.cmd.Process.Pid), srv.url, data} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the second serve's message does not name %q:\n%s", want, stderr)
		}
	}
	if code, _ := post(t, srv.url, calmEmail); code != 202 {
		t.Fatalf("the first server answers %d after the second serve was refused", code)
	}
}

// urgentEML is a fresh urgent e-mail, dated now so that it is pushed.
func urgentEML(msgID string) string {
	return "From: Ana Ruiz <ana@acme.example>\r\nTo: me@example.com\r\nSubject: Wire transfer\r\n" +
		"Message-ID: <" + msgID + ">\r\nDate: " + time.Now().UTC().Format(time.RFC1123Z) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nURGENT: please approve the wire before 5pm today.\r\n"
}

// TestLock_ImportThroughServer: import into a folder a server holds goes
// through the server's API, so the communication is stored once,
// extracted once and notified once; trace, status and dlq list read the
// folder while the server runs; invoke of a function other than ingestion
// is refused naming the server.
func TestLock_ImportThroughServer(t *testing.T) {
	hook := newWebhookReceiver(t)
	data := t.TempDir()
	srv := startServer(t, data, "--webhook", hook.URL)
	pid := strconv.Itoa(srv.cmd.Process.Pid)

	mail := filepath.Join(t.TempDir(), "wire.eml")
	if err := os.WriteFile(mail, []byte(urgentEML("wire-lock-1@acme.example")), 0o600); err != nil {
		t.Fatal(err)
	}
	// --wait --yield 0: were the import to run its own pipeline, it would
	// extract beside the server until caught up (the duplicate processing
	// of issue 11), instead of ending before its extraction started.
	code, stdout, stderr := runBinary(t, "import", "--data", data, "--progress", "none", "--wait", "--yield", "0", mail)
	if code != 0 {
		t.Fatalf("import exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "going through its API") || !strings.Contains(stderr, "PID "+pid) || !strings.Contains(stderr, srv.url) {
		t.Errorf("import did not say it goes through the server (PID %s, %s):\n%s", pid, srv.url, stderr)
	}

	// Stored once.
	var page struct{ Communications []doctales.Item }
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, srv.url+"/communications?limit=100", &page)
		if len(page.Communications) > 0 && page.Communications[0].Status == doctales.StatusExtracted || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(page.Communications) != 1 {
		t.Fatalf("%d communications stored, want 1: %+v", len(page.Communications), page.Communications)
	}
	id := page.Communications[0].ID
	if page.Communications[0].Status != doctales.StatusExtracted {
		t.Fatalf("%s: status %q after 30s, want extracted", id, page.Communications[0].Status)
	}

	// Notified once, extracted once. Wait for the notification and for
	// the flow to be idle, then count.
	for deadline := time.Now().Add(30 * time.Second); len(hook.Messages()) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no notification of %s within 30s; server logs:\n%s", id, srv.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitIdle(t, srv.url, 30*time.Second)
	var tr struct {
		Events []struct {
			Step, Kind, Detail string
			Seq                int64
		}
	}
	// extractions returns how many log records extraction got for the
	// communication (its raw .eml and its JSON each have their
	// ObjectCreated record) and the most times one of them was
	// delivered: a second pipeline on the folder delivers each twice.
	extractions := func() (records, most int) {
		getJSON(t, srv.url+"/communications/"+id+"/events", &tr)
		per := map[int64]int{}
		for _, ev := range tr.Events {
			if ev.Step == FuncExtraction && ev.Kind == "delivered" {
				per[ev.Seq]++
				most = max(most, per[ev.Seq])
			}
		}
		return len(per), most
	}
	countExtractions := func() int { n, _ := extractions(); return n }
	// The journal writes in the background: poll for the first extraction.
	for deadline := time.Now().Add(10 * time.Second); countExtractions() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no extraction in the history of %s: %+v", id, tr.Events)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, most := extractions(); most != 1 {
		t.Errorf("%s: a log record was delivered to extraction %d times, want once: %+v", id, most, tr.Events)
	}
	if n := len(hook.Messages()); n != 1 {
		t.Errorf("%d notifications, want 1", n)
	}

	// Read-only commands work beside the server.
	code, out, errOut := runBinary(t, "trace", id, "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "notified") {
		t.Errorf("trace exited %d while the server runs\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = runBinary(t, "status", "--data", data, "--interval", "100ms")
	if code != 0 || !strings.Contains(out, srv.url) {
		t.Errorf("status --data exited %d, or did not find the server at %s\nstdout:\n%s\nstderr:\n%s", code, srv.url, out, errOut)
	}
	code, out, errOut = runBinary(t, "dlq", "list", "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "0 dead letter(s)") {
		t.Errorf("dlq list exited %d while the server runs\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// A function that cannot go through the API is refused, naming the
	// server.
	code, _, errOut = runBinary(t, "invoke", "extraction", "--event", "../../events/s3-object-created.json", "--data", data)
	if code == 0 || !strings.Contains(errOut, "PID "+pid) {
		t.Errorf("invoke extraction beside the server exited %d; stderr (should name PID %s):\n%s", code, pid, errOut)
	}

	// The server still notified once, and nothing else was extracted.
	waitIdle(t, srv.url, 30*time.Second)
	if _, most := extractions(); most != 1 {
		t.Errorf("after the other commands, a record of %s was delivered to extraction %d times, want once: %+v", id, most, tr.Events)
	}
	if n := len(hook.Messages()); n != 1 {
		t.Errorf("after the other commands, %d notifications, want 1", n)
	}
}

// TestLock_KilledHolder: the lock of a server killed with SIGKILL is
// released by the kernel: the next serve starts, although the lock file
// still names the dead process.
func TestLock_KilledHolder(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	dead := srv.cmd.Process.Pid
	srv.kill()
	if h := readLockFile(t, data); h.PID != dead {
		t.Fatalf("lock file names PID %d, want the killed server's %d", h.PID, dead)
	}
	srv2 := startServer(t, data)
	if h := readLockFile(t, data); h.PID != srv2.cmd.Process.Pid || h.URL != srv2.url {
		t.Fatalf("lock file says %+v after the restart, want PID %d at %s", h, srv2.cmd.Process.Pid, srv2.url)
	}
}

// TestLock_MissingFolder: commands that read a data folder name a missing
// one and create nothing; serve creates it.
func TestLock_MissingFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-data")
	for _, args := range [][]string{
		{"trace", "some-id", "--data", missing},
		{"dlq", "list", "--data", missing},
		{"dlq", "redrive", "--all", "--data", missing},
		{"status", "--data", missing},
		{"export", "--out", filepath.Join(t.TempDir(), "out"), "--data", missing},
		{"keys", "list", "--data", missing},
		{"audit", "--data", missing},
	} {
		code, _, stderr := runBinary(t, args...)
		if code == 0 || !strings.Contains(stderr, "data folder "+missing) || !strings.Contains(stderr, "does not exist") {
			t.Errorf("doctales %s: exit %d, stderr does not say %s does not exist:\n%s", strings.Join(args, " "), code, missing, stderr)
		}
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("doctales %s created %s", strings.Join(args, " "), missing)
		}
	}
	srv := startServer(t, missing)
	if h := readLockFile(t, missing); h.PID != srv.cmd.Process.Pid {
		t.Errorf("serve on a new folder: lock file names PID %d, want %d", h.PID, srv.cmd.Process.Pid)
	}
}

// TestLock_LocalImportHoldsFolder: a local import holds the folder too,
// so a serve started meanwhile is refused naming the import.
func TestLock_LocalImportHoldsFolder(t *testing.T) {
	data := t.TempDir()
	l, err := datalock.Acquire(data, "import")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	code, _, stderr := runBinary(t, "serve", "--data", data, "--addr", freeAddr(t))
	want := fmt.Sprintf("doctales import (PID %d)", os.Getpid())
	if code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("serve beside an import exited %d; stderr should name %q:\n%s", code, want, stderr)
	}
	// A second import cannot go through an import: it refuses too.
	mail := filepath.Join(t.TempDir(), "a.eml")
	if err := os.WriteFile(mail, []byte(urgentEML("a@acme.example")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runBinary(t, "import", "--data", data, "--progress", "none", mail)
	if code == 0 || !strings.Contains(stderr, want) {
		t.Errorf("import beside an import exited %d; stderr should name %q:\n%s", code, want, stderr)
	}
}

// TestLock_WritesThroughServer: invoke ingestion and dlq redrive beside a
// server go through its API; restore, which cannot, is refused naming it.
func TestLock_WritesThroughServer(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	pid := strconv.Itoa(srv.cmd.Process.Pid)

	code, out, errOut := runBinary(t, "invoke", "ingestion", "--event", "../../events/api-gateway-post.json", "--data", data)
	if code != 0 || !strings.Contains(errOut, "going through its API") || !strings.Contains(out, `"statusCode":202`) {
		t.Fatalf("invoke ingestion beside the server exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var page struct{ Communications []doctales.Item }
	getJSON(t, srv.url+"/communications", &page)
	if len(page.Communications) != 1 {
		t.Errorf("the server holds %d communications after invoke ingestion, want 1", len(page.Communications))
	}

	code, out, errOut = runBinary(t, "dlq", "redrive", "--all", "--data", data)
	if code != 0 || !strings.Contains(errOut, "going through its API") || !strings.Contains(out, "0 dead letter(s) redriven") {
		t.Errorf("dlq redrive --all beside the server exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	code, _, errOut = runBinary(t, "restore", "--from", t.TempDir(), "--data", data)
	if code == 0 || !strings.Contains(errOut, "PID "+pid) {
		t.Errorf("restore into a served folder exited %d; stderr should name PID %s:\n%s", code, pid, errOut)
	}
}
