package notify_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/internal/testutil"
	"github.com/doctales/doctales/notify"
)

// channel returns an Email channel to the person at to through m.
func channel(m *testutil.Mailpit, to string) *notify.Email {
	return &notify.Email{
		Host: "127.0.0.1", Port: m.SMTPPort, Username: testutil.MailpitUser, Password: testutil.MailpitPassword,
		From: "Doc-Tales <doctales@example.com>", To: to,
		DashboardURL: "http://127.0.0.1:8080/", Unsubscribe: "mailto:doctales@example.com?subject=unsubscribe",
		TLSConfig: m.TLSConfig(), Timeout: 10 * time.Second,
	}
}

func TestEmail_DeliversARealEmail(t *testing.T) {
	m := testutil.StartMailpit(t)
	deadline := time.Date(2025, 12, 5, 16, 0, 0, 0, time.UTC)
	item := &doctales.Item{
		ID: "email-42", Subject: "Wire approval", Sender: "Ann Lee", SenderID: "ann@example.com", Project: "q4-close",
		Dimensions: &doctales.Dimensions{
			Urgency: doctales.UrgencyHigh, Deadline: &deadline, UrgencyReasons: []string{"deadline in 7h", "request"},
			UrgencyEvidence: []doctales.Evidence{{Rule: "deadline", Text: "before 5pm today", Source: doctales.SourceContent, Start: 10, End: 26}},
		},
	}
	msg := notify.NewMessage(item, "arn:aws:sns:local:000000000000:doctales", time.Date(2025, 12, 5, 9, 0, 0, 0, time.UTC))
	ch := channel(m, "bob@example.com")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	ch.Location = berlin
	if err := ch.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := ch.Deliver(context.Background(), msg); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	got := m.Messages(t, 1)
	if len(got) != 1 {
		t.Fatalf("mailpit holds %d messages, want 1", len(got))
	}
	e := got[0]
	if e.Subject != "High Priority: Wire approval" {
		t.Errorf("subject = %q", e.Subject)
	}
	if len(e.To) != 1 || e.To[0].Address != "bob@example.com" {
		t.Errorf("to = %+v", e.To)
	}
	for _, want := range []string{
		"Why: deadline in 7h; request",
		`Because of: deadline "before 5pm today"`,
		"Deadline: Fri 5 Dec 2025, 17:00 CET", // 16:00 UTC in the person's zone
		"Open it: http://127.0.0.1:8080/#/prioritizer?open=email-42",
	} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, e.Text)
		}
	}
	if want := msg.MessageID + "@example.com"; e.MessageID != want {
		t.Errorf("Message-ID = %q, want %q", e.MessageID, want)
	}
	h := m.Headers(t, e.ID)
	if got := h["List-Unsubscribe"]; len(got) != 1 || got[0] != "<mailto:doctales@example.com?subject=unsubscribe>" {
		t.Errorf("List-Unsubscribe = %v", got)
	}
}

func TestEmail_WrongPasswordFails(t *testing.T) {
	m := testutil.StartMailpit(t)
	ch := channel(m, "bob@example.com")
	ch.Password = "wrong"
	msg := &doctales.Message{MessageID: "m-1", Subject: "High Priority: x", Message: "x", Timestamp: time.Now()}
	if err := ch.Deliver(context.Background(), msg); err == nil {
		t.Fatal("deliver with a wrong password succeeded")
	}
	if got := m.Messages(t, 0); len(got) != 0 {
		t.Fatalf("mailpit holds %d messages after a refused login", len(got))
	}
}

func TestEmail_RequiresStartTLS(t *testing.T) {
	// A server that does not offer STARTTLS is refused by default: a
	// plain listener that greets and offers nothing.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				fmt.Fprint(c, "220 plain.example ESMTP\r\n")
				buf := make([]byte, 512)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					cmd := strings.ToUpper(string(buf[:n]))
					switch {
					case strings.HasPrefix(cmd, "EHLO"):
						fmt.Fprint(c, "250-plain.example\r\n250 8BITMIME\r\n")
					case strings.HasPrefix(cmd, "QUIT"):
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "250 ok\r\n")
					}
				}
			}(c)
		}
	}()
	ch := &notify.Email{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "a@example.com", To: "b@example.com", Timeout: 5 * time.Second}
	err = ch.Deliver(context.Background(), &doctales.Message{MessageID: "m-2", Subject: "s", Message: "x", Timestamp: time.Now()})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "tls") {
		t.Fatalf("deliver to a server without STARTTLS: err = %v, want a TLS refusal", err)
	}
}

func TestEmail_OtherUsersSkipped(t *testing.T) {
	ch := &notify.Email{Host: "127.0.0.1", Port: 1, From: "a@example.com", To: "b@example.com", User: "bob"}
	msg := &doctales.Message{MessageID: "m-3", Message: "x", MessageAttributes: map[string]doctales.MessageAttribute{
		notify.AttrUserID: {DataType: "String", StringValue: "ann"}}}
	// Port 1 refuses: a skipped message never connects.
	if err := ch.Deliver(context.Background(), msg); err != nil {
		t.Fatalf("another user's message was not skipped: %v", err)
	}
}

func TestEmail_Validate(t *testing.T) {
	ok := notify.Email{Host: "smtp.example.com", From: "a@example.com", To: "b@example.com"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		mod  func(*notify.Email)
		want string
	}{
		"NoHost":       {func(e *notify.Email) { e.Host = "" }, "smtp host"},
		"BadTo":        {func(e *notify.Email) { e.To = "not an address" }, `to "not an address"`},
		"BadTLS":       {func(e *notify.Email) { e.TLS = "maybe" }, `tls "maybe"`},
		"BadDashboard": {func(e *notify.Email) { e.DashboardURL = "ftp://x" }, "dashboardUrl"},
		"BadUnsub":     {func(e *notify.Email) { e.Unsubscribe = "javascript:x" }, "unsubscribe"},
	} {
		e := ok
		tc.mod(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to name %q", name, err, tc.want)
		}
	}
}
