package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/internal/testutil"
)

// subjectOf returns the Subject of an SNS HTTP notification.
func subjectOf(m map[string]any) string { s, _ := m["Subject"].(string); return s }

// webhookWith returns the received notifications of communication id
// whose subject starts with prefix.
func webhookWith(hook *webhookReceiver, id, prefix string) []map[string]any {
	var out []map[string]any
	for _, m := range hook.Messages() {
		if communicationID(m) == id && strings.HasPrefix(subjectOf(m), prefix) {
			out = append(out, m)
		}
	}
	return out
}

// messageIDs returns the distinct MessageIds of notifications.
func messageIDs(ms []map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		id, _ := m["MessageId"].(string)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// pollUntil polls cond every 50ms until it holds or timeout passes.
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func writeWhenConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doctales.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReminderAcrossKill runs the real server: a notified item with a
// deadline gets a reminder planned, the server is killed with SIGKILL
// before it is due, and after a restart past the due time the reminder
// is sent once, on the webhook.
//
// The reminder's offset is set from the item's extracted deadline so that
// it falls due a few seconds ahead: the first server (no reminder close
// enough) notifies; the second, configured with that offset, plans the
// reminder when the item next changes (a pin), and is killed; the third
// fires it.
func TestReminderAcrossKill(t *testing.T) {
	hook := newWebhookReceiver(t)
	data := t.TempDir()
	srv := startServer(t, data, "--webhook", hook.URL, "--config", writeWhenConfig(t, "reminders: [8000h]\n"))
	code, _ := post(t, srv.url, `{"id":"rem-1","source":"email","subject":"Wire","from":"Ana Ruiz","from_email":"ana@acme.example","urgency":"high","body":"URGENT: please approve the wire before 5pm tomorrow."}`)
	if code/100 != 2 {
		t.Fatalf("post: %d", code)
	}
	if !pollUntil(20*time.Second, func() bool { return len(webhookWith(hook, "rem-1", "High Priority")) == 1 }) {
		t.Fatalf("no notification; logs:\n%s", srv.Logs())
	}
	var item struct {
		Dimensions struct {
			Temporal struct {
				Deadline time.Time `json:"deadline"`
			} `json:"temporal"`
		} `json:"dimensions"`
	}
	// The sender's "high" can notify from the INSERT, before extraction
	// wrote the deadline: wait for it.
	pollUntil(20*time.Second, func() bool {
		getJSON(t, srv.url+"/communications/rem-1", &item)
		return !item.Dimensions.Temporal.Deadline.IsZero()
	})
	dl := item.Dimensions.Temporal.Deadline
	if dl.IsZero() || time.Until(dl) < time.Minute {
		t.Fatalf("extracted deadline %s: want one well ahead", dl)
	}
	srv.kill()

	// Due 6s from now: enough to pin, settle and kill before it.
	due := time.Now().Add(6 * time.Second).Truncate(time.Second).Add(time.Second)
	before := dl.Sub(due).Truncate(time.Second)
	due = dl.Add(-before)
	srv2 := startServer(t, data, "--webhook", hook.URL, "--config", writeWhenConfig(t, fmt.Sprintf("reminders: [%s]\n", before)))
	if code, body := doKey(t, "PATCH", srv2.url+"/communications/rem-1", "", `{"state":"pinned"}`, "application/json"); code != 200 {
		t.Fatalf("PATCH pinned: %d %s", code, body)
	}
	waitIdle(t, srv2.url, 10*time.Second)
	srv2.kill()
	if time.Now().After(due) {
		t.Fatalf("the reminder fell due (%s) before the server was killed: the machine is too slow for this test's margin", due.Format(time.RFC3339))
	}
	if n := len(webhookWith(hook, "rem-1", "Reminder")); n != 0 {
		t.Fatalf("reminders before the kill = %d, want 0", n)
	}

	// Restart after the due time: it fires once.
	time.Sleep(time.Until(due) + 200*time.Millisecond) // let the due time pass while no server runs
	srv3 := startServer(t, data, "--webhook", hook.URL, "--config", writeWhenConfig(t, fmt.Sprintf("reminders: [%s]\n", before)))
	if !pollUntil(20*time.Second, func() bool { return len(webhookWith(hook, "rem-1", "Reminder")) >= 1 }) {
		t.Fatalf("no reminder after the restart; logs:\n%s", srv3.Logs())
	}
	waitIdle(t, srv3.url, 10*time.Second)
	// And a fourth start fires nothing again.
	srv3.kill()
	srv4 := startServer(t, data, "--webhook", hook.URL, "--config", writeWhenConfig(t, fmt.Sprintf("reminders: [%s]\n", before)))
	waitIdle(t, srv4.url, 10*time.Second)
	// Webhook delivery is at least once (a kill can re-deliver what was
	// not checkpointed): what must be one is the MessageId.
	rem := webhookWith(hook, "rem-1", "Reminder")
	if ids := messageIDs(rem); len(ids) != 1 {
		t.Fatalf("reminder MessageIds = %v, want 1", ids)
	}
	if s := subjectOf(rem[0]); !strings.HasPrefix(s, "Reminder, due in ") || !strings.HasSuffix(s, ": Wire") {
		t.Errorf("reminder subject = %q", s)
	}
	if ids := messageIDs(webhookWith(hook, "rem-1", "High Priority")); len(ids) != 1 {
		t.Errorf("notification MessageIds = %v after restarts, want 1", ids)
	}
}

// TestEscalationMailpit runs the real server with an e-mail and a
// webhook subscription and escalation after 4s to the webhook: the
// notification e-mail of each of two urgent items carries an ack link;
// the one acknowledged through it does not escalate, the other escalates
// to the webhook once.
func TestEscalationMailpit(t *testing.T) {
	mp := testutil.StartMailpit(t)
	hook := newWebhookReceiver(t)
	data := t.TempDir()
	t.Setenv("TEST_SMTP_PASSWORD", testutil.MailpitPassword)
	cfg := writeWhenConfig(t, fmt.Sprintf(`escalation:
  after: 4s
  channels: [webhook]
topic:
  subscriptions:
    - protocol: email
      endpoint: mailto:me@corp.example
      dashboardUrl: http://dashboard.example/
      smtp:
        host: 127.0.0.1
        port: %d
        username: %s
        password: ${TEST_SMTP_PASSWORD}
        from: Doc-Tales <doctales@corp.example>
        caFile: %s
`, mp.SMTPPort, testutil.MailpitUser, mp.CertFile))
	srv := startServer(t, data, "--webhook", hook.URL, "--config", cfg, "--log-level", "warn,notify=info")
	for _, id := range []string{"esc-ack", "esc-no"} {
		if code, _ := post(t, srv.url, `{"id":"`+id+`","source":"email","subject":"Wire `+id+`","from":"Ana Ruiz","from_email":"ana@acme.example","urgency":"high","body":"URGENT: please approve the wire today."}`); code/100 != 2 {
			t.Fatalf("post %s: %d", id, code)
		}
	}
	mails := mp.Messages(t, 2)
	if len(mails) != 2 {
		t.Fatalf("e-mails = %d, want 2", len(mails))
	}
	link := regexp.MustCompile(`http://\S+/communications/esc-ack/ack\?token=[0-9a-f]+`)
	var ack string
	for _, m := range mails {
		if l := link.FindString(m.Text); l != "" {
			ack = l
		}
	}
	if ack == "" {
		t.Fatalf("no ack link for esc-ack in the e-mails:\n%s\n---\n%s", mails[0].Text, mails[1].Text)
	}
	ack = strings.Replace(ack, "http://dashboard.example", srv.url, 1) // the dashboardUrl is this server
	if code, body := doKey(t, "GET", strings.Replace(ack, "esc-ack/ack?token=", "esc-no/ack?token=", 1), "", "", ""); code != 404 {
		t.Fatalf("esc-ack's token on esc-no: %d %s, want 404", code, body)
	}
	// A GET (a link scanner, or the person's click) only shows the page
	// whose button POSTs; the POST acknowledges.
	if code, body := doKey(t, "GET", ack, "", "", ""); code != 200 || !strings.Contains(body, `<form method="post"`) || strings.Contains(body, `"acknowledged":true`) {
		t.Fatalf("GET ack link: %d %s", code, body)
	}
	if code, body := doKey(t, "POST", ack, "", "", ""); code != 200 || !strings.Contains(body, `"acknowledged":true`) {
		t.Fatalf("POST ack link: %d %s", code, body)
	}
	if !pollUntil(20*time.Second, func() bool { return len(webhookWith(hook, "esc-no", "Not yet acknowledged")) >= 1 }) {
		t.Fatalf("esc-no did not escalate; logs:\n%s", srv.Logs())
	}
	// esc-ack's timer fell due at the same time: wait for its drop.
	if !pollUntil(20*time.Second, func() bool {
		return strings.Contains(srv.Logs(), "timer dropped") && strings.Contains(srv.Logs(), "communicationId=esc-ack")
	}) {
		t.Fatalf("esc-ack's escalation timer was not dropped; logs:\n%s", srv.Logs())
	}
	waitIdle(t, srv.url, 10*time.Second)
	if n := len(webhookWith(hook, "esc-ack", "Not yet acknowledged")); n != 0 {
		t.Errorf("acknowledged item escalated %d times", n)
	}
	if ids := messageIDs(webhookWith(hook, "esc-no", "Not yet acknowledged")); len(ids) != 1 {
		t.Errorf("unacknowledged item escalated as %v, want one MessageId", ids)
	}
	if n := len(mp.Messages(t, 0)); n != 2 {
		t.Errorf("e-mails = %d, want 2 (escalation goes to the webhook)", n)
	}
}

// TestQuietHoursDigestMailpit runs the real server with e-mail quiet for
// the current minute and a digest every minute on e-mail: an urgent item
// reaches the webhook at once, sends no e-mail during the quiet minute,
// and is listed in the one digest e-mail at the next minute.
func TestQuietHoursDigestMailpit(t *testing.T) {
	mp := testutil.StartMailpit(t)
	hook := newWebhookReceiver(t)
	data := t.TempDir()
	t.Setenv("TEST_SMTP_PASSWORD", testutil.MailpitPassword)
	if s := time.Now().UTC().Second(); s > 45 {
		time.Sleep(time.Duration(61-s) * time.Second) // start early in a minute, so the post lands inside the quiet one
	}
	now := time.Now().UTC().Truncate(time.Minute)
	cfg := writeWhenConfig(t, fmt.Sprintf(`timezone: UTC
quietHours:
  email: "%s-%s"
digest:
  every: 1m
  at: "00:00"
  channel: email
topic:
  subscriptions:
    - protocol: email
      endpoint: mailto:me@corp.example
      smtp:
        host: 127.0.0.1
        port: %d
        username: %s
        password: ${TEST_SMTP_PASSWORD}
        from: Doc-Tales <doctales@corp.example>
        caFile: %s
`, now.Format("15:04"), now.Add(time.Minute).Format("15:04"), mp.SMTPPort, testutil.MailpitUser, mp.CertFile))
	srv := startServer(t, data, "--webhook", hook.URL, "--config", cfg)
	if code, _ := post(t, srv.url, `{"id":"quiet-1","source":"email","subject":"Wire quiet","from":"Ana Ruiz","from_email":"ana@acme.example","urgency":"high","body":"URGENT: please approve the wire today."}`); code/100 != 2 {
		t.Fatalf("post: %d", code)
	}
	if !pollUntil(20*time.Second, func() bool { return len(webhookWith(hook, "quiet-1", "High Priority")) == 1 }) {
		t.Fatalf("no webhook notification; logs:\n%s", srv.Logs())
	}
	waitIdle(t, srv.url, 10*time.Second)
	if time.Now().UTC().Truncate(time.Minute).Equal(now) {
		if n := len(mp.Messages(t, 0)); n != 0 {
			t.Fatalf("e-mails during quiet hours = %d, want 0", n)
		}
	}
	if !pollUntil(70*time.Second, func() bool { return len(mp.Messages(t, 0)) >= 1 }) {
		t.Fatalf("no digest e-mail; logs:\n%s", srv.Logs())
	}
	waitIdle(t, srv.url, 10*time.Second)
	mails := mp.Messages(t, 1)
	if len(mails) != 1 {
		t.Fatalf("e-mails = %d, want the one digest", len(mails))
	}
	if !strings.HasPrefix(mails[0].Subject, "Doc-Tales digest: 1 communication") || !strings.Contains(mails[0].Text, "- Wire quiet (") {
		t.Errorf("digest = %q:\n%s", mails[0].Subject, mails[0].Text)
	}
}

// TestWhenConfigErrors: a wrong reminders, escalation, quietHours or
// digest setting is refused naming the field and the value.
func TestWhenConfigErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"reminders: [24h, -1h]\n", "reminders[1]: must be a positive duration"},
		{"escalation: {after: 15m}\n", "escalation.channels: escalation.after needs the channels"},
		{"escalation: {after: 15m, channels: [email, pager]}\n", "escalation.channels[1]: unknown channel; known: browser, log, webhook, email, sns (value pager)"},
		{"quietHours: {email: \"22:00\"}\n", `quietHours.email: quiet hours "22:00" are not HH:MM-HH:MM`},
		{"quietHours: {fax: \"22:00-07:00\"}\n", "quietHours.fax: unknown channel"},
		{"digest: {every: 24h, at: \"8am\", channel: email}\n", `digest.at: "8am" is not a time of day HH:MM (value 8am)`},
		{"digest: {every: 24h, channel: browser}\n", "digest.channel: must be one of log, webhook, email, sns (value browser)"},
		{"digest: {at: \"08:00\"}\n", "digest.every: is needed"},
	} {
		_, err := ReadConfig(writeWhenConfig(t, c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.yaml, err, c.want)
		}
	}
	cfg, err := ReadConfig(writeWhenConfig(t, "timezone: Europe/Berlin\nreminders: [24h, 1h]\nescalation: {after: 15m, channels: [email, webhook]}\nquietHours: {email: \"22:00-07:00\"}\ndigest: {every: 24h, at: \"08:00\", channel: email}\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := cfg.when()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Reminders) != 2 || w.Escalation.After != 15*time.Minute || w.QuietHours["email"].Start != 22*60 || w.Digest.At != 8*60 || w.Location.String() != "Europe/Berlin" {
		t.Errorf("when = %+v", w)
	}
}
