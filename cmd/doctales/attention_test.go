package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

// urgentMail returns a raw e-mail dated date that asks for something
// today, urgently: high by its words.
func urgentMail(n int, date time.Time) string {
	return fmt.Sprintf("From: Dana Ito <dana@corp.example>\nTo: me@corp.example\nSubject: Budget sign-off %d\n"+
		"Message-ID: <budget-%d@corp.example>\nDate: %s\n\nCan you please sign the budget today? It's urgent.\n\nDana\n",
		n, n, date.Format(time.RFC1123Z))
}

// mbox writes messages as an mbox file.
func mbox(t *testing.T, msgs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("From dana@corp.example Mon Jan  1 00:00:00 2024\n")
		b.WriteString(m)
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "mail.mbox")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImport_OldMailNotifiesNobody: importing a mailbox of old mail, high
// by its words, pushes nothing (issue 14: the freshness window); the one
// fresh message in it is pushed; --notify forces old mail, --no-notify
// silences fresh mail.
func TestImport_OldMailNotifiesNobody(t *testing.T) {
	hook := newWebhookReceiver(t)
	data := t.TempDir()
	old := time.Date(2002, 8, 22, 9, 0, 0, 0, time.UTC)
	box := mbox(t, urgentMail(1, old), urgentMail(2, old.AddDate(1, 0, 0)), urgentMail(3, time.Now().AddDate(0, 0, -10)), urgentMail(4, time.Now().Add(-time.Hour)))
	cfg := filepath.Join(t.TempDir(), "doctales.yaml")
	// The webhook as a topic subscriber; loopback allowed for the test.
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("topic:\n  allowPrivateTargets: [127.0.0.0/8]\n  subscriptions:\n    - protocol: webhook\n      endpoint: %s\n", hook.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	import_ := func(args ...string) {
		t.Helper()
		all := append([]string{"import", "--data", data, "--config", cfg, "--wait", "--progress", "none"}, args...)
		if _, stderr, err := runBin(t, "", nil, all...); err != nil {
			t.Fatalf("import %v: %v\n%s", args, err, stderr)
		}
	}
	import_(box)
	if !waitUntil(10*time.Second, func() bool { return len(hook.Messages()) >= 1 }) {
		out, stderr, _ := runBin(t, "", nil, "trace", firstIDWithSubject(t, data, "Budget sign-off 4"), "--data", data)
		t.Fatalf("the fresh message was not pushed:\n%s\n%s", out, stderr)
	}
	time.Sleep(500 * time.Millisecond) // nothing more may arrive
	msgs := hook.Messages()
	if len(msgs) != 1 || !strings.Contains(fmt.Sprint(msgs[0]["Subject"]), "Budget sign-off 4") {
		t.Fatalf("notifications after importing old mail = %d %v, want only the fresh message's", len(msgs), msgs)
	}

	// --notify pushes old mail; --no-notify silences fresh mail.
	import_("--notify", mbox(t, urgentMail(5, old)))
	import_("--no-notify", mbox(t, urgentMail(6, time.Now().Add(-time.Minute))))
	waitFor(t, 10*time.Second, func() bool { return len(hook.Messages()) >= 2 })
	time.Sleep(500 * time.Millisecond)
	var subjects []string
	for _, m := range hook.Messages() {
		subjects = append(subjects, fmt.Sprint(m["Subject"]))
	}
	if got := strings.Join(subjects, "|"); got != "High Priority: Budget sign-off 4|High Priority: Budget sign-off 5" {
		t.Fatalf("notifications = %s; want 4 (fresh) and 5 (--notify), not 6 (--no-notify)", got)
	}

	// The trace says why the old ones were not pushed.
	out, stderr, err := runBin(t, "", nil, "trace", firstIDWithSubject(t, data, "Budget sign-off 1"), "--data", data, "--json")
	// Either the engine judged it low (read years after it was sent) or
	// the notification function withheld it as older than the window.
	if err != nil || !(strings.Contains(out, "after it was sent, with nothing due ahead") || strings.Contains(out, "older than the freshness window")) {
		t.Fatalf("trace of an old message: %v\n%s\n%s", err, out, stderr)
	}
}

// firstIDWithSubject returns the id of the communication with that subject.
func firstIDWithSubject(t *testing.T, data, subject string) string {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Data = data
	ds, err := openDataset(context.Background(), cfg, awsFlags{}, slog.New(slog.DiscardHandler), false, true, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer ds.close()
	items, _, err := ds.table.FindItems(context.Background(), doctales.ItemFilter{Limit: doctales.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Subject == subject {
			return it.ID
		}
	}
	t.Fatalf("no communication %q", subject)
	return ""
}

// waitUntil polls cond until it holds (true) or timeout passes (false).
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEscalateTwice: a communication that becomes high, calms down and
// becomes high again is notified twice, with two MessageIds; replaying
// the stream notifies nobody a third time (issue 14).
func TestEscalateTwice(t *testing.T) {
	hook := newWebhookReceiver(t)
	m := MustRunMain(t, nil, "--webhook", hook.URL)
	id := postJSON(t, m.URL(), map[string]any{"source": "email", "subject": "Sign-off", "from": "Dana", "from_email": "dana@corp.example",
		"to": []string{"me@corp.example"}, "body": "Can you please sign the budget today? It's urgent."})
	waitFor(t, 10*time.Second, func() bool { return len(hook.Messages()) == 1 })

	ctx := context.Background()
	low, high := doctales.UrgencyLow, doctales.UrgencyHigh
	if _, err := m.Pipeline.DB.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &low}); err != nil {
		t.Fatal(err)
	}
	it, err := m.Pipeline.DB.UpdateItem(ctx, id, doctales.ItemUpdate{Urgency: &high})
	if err != nil {
		t.Fatal(err)
	}
	if it.Metadata.Escalation != 2 {
		t.Fatalf("escalation = %d after high, low, high; want 2", it.Metadata.Escalation)
	}
	waitFor(t, 10*time.Second, func() bool { return len(hook.Messages()) == 2 })
	msgs := hook.Messages()
	if msgs[0]["MessageId"] == msgs[1]["MessageId"] {
		t.Fatalf("both escalations have MessageId %v", msgs[0]["MessageId"])
	}
	if msgs[1]["MessageId"] != notify.MessageID(id, notify.EscalationName(2)) {
		t.Fatalf("second MessageId %v, want %s", msgs[1]["MessageId"], notify.MessageID(id, notify.EscalationName(2)))
	}

	// Replay every stream record of the item through the notification
	// function: both escalations are in the ledger, nothing is sent.
	recs, err := m.Pipeline.DB.CommunicationLog(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ev strings.Builder
	n := 0
	ev.WriteString(`{"Records":[`)
	for _, r := range recs {
		if r.Source != doctales.SourceDynamoDB {
			continue
		}
		if n > 0 {
			ev.WriteString(",")
		}
		ev.Write(r.Data)
		n++
	}
	ev.WriteString("]}")
	if n < 3 {
		t.Fatalf("%d stream records, want at least 3", n)
	}
	if err := replayStream(ctx, m, ev.String()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := len(hook.Messages()); got != 2 {
		t.Fatalf("%d notifications after a replay, want 2", got)
	}
}

// replayStream runs the notification function on a DynamoDB stream event.
func replayStream(ctx context.Context, m *Main, event string) error {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal([]byte(event), &ev); err != nil {
		return err
	}
	resp, err := m.Pipeline.Notification.Handle(ctx, ev)
	if err != nil {
		return err
	}
	if len(resp.BatchItemFailures) > 0 {
		return fmt.Errorf("replay failed: %+v", resp.BatchItemFailures)
	}
	return nil
}
