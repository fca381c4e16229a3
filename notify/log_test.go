package notify_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// TestLogSubscriber_Redact: Redact sees the whole subject, not the cut
// one, the sender's name is replaced word by word, and a message without
// the body lines loses the word the cut broke.
func TestLogSubscriber_Redact(t *testing.T) {
	var seen []string
	redact := func(s string) string {
		seen = append(seen, s)
		return strings.ReplaceAll(s, "4111 1111 1111 1111", "[CARD]")
	}
	logLine := func(m *doctales.Message) string {
		var buf bytes.Buffer
		ls := &notify.LogSubscriber{Logger: slog.New(slog.NewTextHandler(&buf, nil)), Redact: redact}
		if err := ls.Deliver(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	subject := strings.Repeat("word ", 10) + "Bo asks to charge card 4111 1111 1111 1111 please, Lind"
	item := &doctales.Item{ID: "c-1", Subject: subject, Sender: "Bo Lind", SenderID: "bo@family.example"}
	m := notify.NewMessage(item, "arn", testNow)

	out := logLine(m)
	if len(seen) != 1 || seen[0] != notify.SubjectPrefix+subject {
		t.Fatalf("Redact saw %q, want the whole subject", seen)
	}
	if strings.Contains(out, "4111") || strings.Contains(out, "Bo ") || strings.Contains(out, "Lind") {
		t.Fatalf("log line: %s", out)
	}

	if !strings.Contains(m.Subject, "card 4111 1111…") {
		t.Fatalf("the test subject is not cut in the card number: %q", m.Subject)
	}

	// Without the body, the cut word goes.
	m.Message = ""
	if out := logLine(m); strings.Contains(out, "4111") {
		t.Fatalf("the cut card number was logged: %s", out)
	}
}
