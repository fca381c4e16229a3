package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales/internal/testutil"
)

// TestEmailSubscription: with an email subscription on the topic, an
// urgent fresh mail sends one real e-mail through SMTP (STARTTLS and AUTH,
// Mailpit) with the reason, the deadline in the configured time zone and a
// link to the item; a calm one sends none.
func TestEmailSubscription(t *testing.T) {
	mp := testutil.StartMailpit(t)
	data := t.TempDir()
	calm := fmt.Sprintf("From: Lee <lee@corp.example>\nTo: me@corp.example\nSubject: Photos\nMessage-ID: <photos-1@corp.example>\nDate: %s\n\nHere are the photos from the trip.\n\nLee\n",
		time.Now().Add(-time.Hour).Format(time.RFC1123Z))
	box := mbox(t, urgentMail(1, time.Now().Add(-time.Hour)), calm)
	cfg := filepath.Join(t.TempDir(), "doctales.yaml")
	yaml := fmt.Sprintf(`timezone: Asia/Tokyo
topic:
  subscriptions:
    - protocol: email
      endpoint: mailto:me@corp.example
      dashboardUrl: http://127.0.0.1:8080/
      unsubscribe: mailto:doctales@corp.example?subject=unsubscribe
      smtp:
        host: 127.0.0.1
        port: %d
        username: %s
        password: ${TEST_SMTP_PASSWORD}
        from: Doc-Tales <doctales@corp.example>
        caFile: %s
`, mp.SMTPPort, testutil.MailpitUser, mp.CertFile)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TEST_SMTP_PASSWORD=" + testutil.MailpitPassword}
	if _, stderr, err := runBin(t, "", env, "import", "--data", data, "--config", cfg, "--wait", "--progress", "none", box); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	msgs := mp.Messages(t, 1)
	if len(msgs) != 1 {
		t.Fatalf("e-mails sent = %d, want 1 (the urgent mail's)", len(msgs))
	}
	m := msgs[0]
	if !strings.Contains(m.Subject, "High Priority: Budget sign-off 1") {
		t.Errorf("subject = %q", m.Subject)
	}
	for _, want := range []string{"Why: ", "Deadline: ", "JST", "Open it: http://127.0.0.1:8080/#/prioritizer?open=", "To stop these e-mails: mailto:"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("e-mail body lacks %q:\n%s", want, m.Text)
		}
	}
	// Nothing more arrives: the calm mail is not sent.
	time.Sleep(300 * time.Millisecond)
	if n := len(mp.Messages(t, 0)); n != 1 {
		t.Fatalf("e-mails sent = %d after the import settled, want 1", n)
	}
}
