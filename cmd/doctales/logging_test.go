package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
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
	for _, line := range strings.Split(srv.Logs(), "\n") {
		for _, leak := range []string{"4111", "Ana Ruiz", "Ruiz"} {
			if strings.Contains(line, leak) {
				t.Errorf("%q logged: %s", leak, line)
			}
		}
	}
}
