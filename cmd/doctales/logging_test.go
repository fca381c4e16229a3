package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

func TestLogLevelsPerComponent(t *testing.T) {
	def, per, err := parseLevels("warn,runtime=debug")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := slog.New(levelHandler{Handler: slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), def: def, per: per})
	l.With(LogKeyComponent, "runtime").Debug("runtime debug")
	l.With(LogKeyComponent, "http").Info("http info")
	l.Warn("default warn")
	out := buf.String()
	if !strings.Contains(out, "runtime debug") || strings.Contains(out, "http info") || !strings.Contains(out, "default warn") {
		t.Fatalf("logged:\n%s", out)
	}
	if _, _, err := parseLevels("info,http=loud"); err == nil || !strings.Contains(err.Error(), "loud") {
		t.Fatalf("bad level accepted: %v", err)
	}
}

func TestLogRedactsPII(t *testing.T) {
	var buf bytes.Buffer
	ls := &notify.LogSubscriber{Logger: slog.New(slog.NewTextHandler(&buf, nil)), Redact: redactPII}
	m := &doctales.Message{MessageID: "m", Subject: "High Priority: call me at +1 415 555 2671 or ana@acme.example"}
	if err := ls.Deliver(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "ana@acme.example") || strings.Contains(out, "555 2671") {
		t.Fatalf("PII in the log line: %s", out)
	}
}

// cutCardSubject has a card number that the 99-character cut of a
// notification subject breaks ("High Priority: " + 75 characters, then
// the card), and the sender's name.
const cutCardSubject = "Ana Ruiz asks: please charge the invoice for the quarterly renewal to card 4111 1111 1111 1111 today"

// TestLogRedactsBeforeCutting: the log line holds neither the card
// number's digits (whole or cut) nor the sender's name (issue 10: the
// subject was cut first, so a partial card number was logged), and
// --log-pii keeps both.
func TestLogRedactsBeforeCutting(t *testing.T) {
	item := &doctales.Item{ID: "c-1", Subject: cutCardSubject, Sender: "Ana Ruiz", SenderID: "ana@acme.example"}
	m := notify.NewMessage(item, "arn", time.Now())
	if !strings.Contains(m.Subject, "4111 111") || strings.Contains(m.Subject, "1111 1111 1111 1111") {
		t.Fatalf("the test subject is not cut inside the card number: %q", m.Subject)
	}
	logLine := func(redact func(string) string) string {
		var buf bytes.Buffer
		ls := &notify.LogSubscriber{Logger: slog.New(slog.NewTextHandler(&buf, nil)), Redact: redact}
		if err := ls.Deliver(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	out := logLine(redactPII)
	for _, leak := range []string{"4111", "1111", "Ana", "Ruiz"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q in the log line: %s", leak, out)
		}
	}
	if !strings.Contains(out, "[NAME] asks") {
		t.Errorf("log line does not say what was redacted: %s", out)
	}
	if out := logLine(nil); !strings.Contains(out, "Ana Ruiz") || !strings.Contains(out, "4111") {
		t.Errorf("with --log-pii the subject is logged as it is: %s", out)
	}
}

// TestServeLogRedacts runs the real server at log level info and checks
// the notification log line of an urgent e-mail whose subject has a card
// number across the cut and the sender's name.
func TestServeLogRedacts(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--log-level", "info")
	body := fmt.Sprintf(`{"source":"email","subject":%q,"from":"Ana Ruiz","from_email":"ana@acme.example","urgency":"high","body":"URGENT: please approve before 5pm today."}`, cutCardSubject)
	if code, out := post(t, srv.url, body); code != 202 {
		t.Fatalf("POST = %d %v", code, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.Logs(), "msg=notification ") {
		if time.Now().After(deadline) {
			t.Fatalf("no notification logged:\n%s", srv.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// (The card number's digits with what stands beside them in the
	// subject: "4111" alone is in a temporary folder's or a port's
	// random digits now and then.)
	for _, line := range strings.Split(srv.Logs(), "\n") {
		for _, leak := range []string{"card 4111", "4111 1", "Ana Ruiz", "Ruiz"} {
			if strings.Contains(line, leak) {
				t.Errorf("%q logged: %s", leak, line)
			}
		}
	}
}

// TestServeDefaultLog runs serve with no log flags and stderr not a
// terminal: one plain line says where it serves, the log is JSON, and an
// ingested, extracted and notified communication logs its notification
// but no per-request or per-invocation line (those are info and debug).
func TestServeDefaultLog(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	cmd := exec.Command(binPath, "serve", "--data", data, "--addr", addr)
	var mu sync.Mutex
	var logs bytes.Buffer
	cmd.Stderr = lockedWriter{&mu, &logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	read := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	waitFor := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok(read()) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 20s; stderr:\n%s", what, read())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	url := "http://" + addr
	waitFor("startup line", func(s string) bool { return strings.Contains(s, "doctales serving "+url+" data "+data+"\n") })
	body := `{"source":"email","subject":"Wire transfer","from":"Ana Ruiz","from_email":"ana@acme.example","to":["me@example.com"],"body":"URGENT: please approve the wire before 5pm today."}`
	if code, out := post(t, url, body); code != 202 {
		t.Fatalf("POST = %d %v", code, out)
	}
	waitFor("notification", func(s string) bool { return strings.Contains(s, `"msg":"notification"`) })
	for _, line := range strings.Split(strings.TrimSpace(read()), "\n") {
		if strings.HasPrefix(line, "doctales serving ") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON (stderr is not a terminal): %q", line)
			continue
		}
		if lvl := rec["level"]; lvl == "INFO" && rec[LogKeyComponent] != "notify" {
			t.Errorf("info line by default: %s", line)
		}
	}
}

// TestLogFormatAuto checks --log-format: auto is JSON when stderr is not a
// terminal; text and json as asked; anything else is a usage error.
func TestLogFormatAuto(t *testing.T) {
	for format, wantJSON := range map[string]bool{"auto": true, "json": true, "text": false} {
		var buf bytes.Buffer
		cf := commonFlags{logLevel: "info", logFmt: format, data: t.TempDir()}
		_, logger, err := cf.load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		logger.Info("hello")
		if got := strings.HasPrefix(buf.String(), "{"); got != wantJSON {
			t.Errorf("--log-format %s wrote %q", format, buf.String())
		}
	}
	cf := commonFlags{logLevel: "info", logFmt: "xml"}
	if _, _, err := cf.load(io.Discard); exitCode(err) != 2 {
		t.Errorf("--log-format xml: %v, want a usage error", err)
	}
}
