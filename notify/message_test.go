package notify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/notify"
)

func TestMessageID(t *testing.T) {
	t.Run("Deterministic", func(t *testing.T) {
		a := notify.MessageID("email-123", notify.EscalationUrgencyHigh)
		if b := notify.MessageID("email-123", notify.EscalationUrgencyHigh); a != b {
			t.Fatalf("MessageID differs between calls: %q, %q", a, b)
		}
		// The namespace is part of the contract: changing it re-notifies
		// everything. Pin one value.
		if want := "4b39a092-7c78-5e1e-94c8-92234bb9ae0e"; a != want {
			t.Fatalf("MessageID = %q, want %q", a, want)
		}
	})
	t.Run("DistinctPerCommunication", func(t *testing.T) {
		if notify.MessageID("a", notify.EscalationUrgencyHigh) == notify.MessageID("b", notify.EscalationUrgencyHigh) {
			t.Fatal("two communications share a message id")
		}
	})
}

func TestNewMessage(t *testing.T) {
	now := time.Date(2025, 6, 10, 9, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	deadline := time.Date(2025, 6, 11, 17, 0, 0, 0, time.UTC)

	t.Run("Full", func(t *testing.T) {
		it := &doctales.Item{
			ID:       "email-123",
			Subject:  "Contract\r\nBcc: evil@example.com",
			Sender:   "Alice Smith",
			SenderID: "alice@example.com",
			Project:  "new-office-fit-out",
			Metadata: doctales.Metadata{Urgency: doctales.UrgencyHigh},
			Dimensions: &doctales.Dimensions{
				Urgency:        doctales.UrgencyHigh,
				UrgencyReasons: []string{"deadline in 3h", "", "urgent word + request"},
				Deadline:       &deadline,
			},
		}
		m := notify.NewMessage(it, "arn:aws:sns:eu-west-1:123456789012:doctales", now)

		if want := notify.MessageID("email-123", notify.EscalationUrgencyHigh); m.MessageID != want {
			t.Errorf("MessageID = %q, want %q", m.MessageID, want)
		}
		if m.TopicArn != "arn:aws:sns:eu-west-1:123456789012:doctales" {
			t.Errorf("TopicArn = %q", m.TopicArn)
		}
		if want := "High Priority: Contract Bcc: evil@example.com"; m.Subject != want {
			t.Errorf("Subject = %q, want %q", m.Subject, want)
		}
		want := strings.Join([]string{
			"You have a high priority communication that requires your attention.",
			"",
			"Subject: Contract Bcc: evil@example.com",
			"From: Alice Smith <alice@example.com>",
			"Project: new office fit out",
			"Deadline: 2025-06-11T17:00:00Z",
			"Why: deadline in 3h; urgent word + request",
			"",
			"Please review this communication as soon as possible.",
		}, "\n")
		if m.Message != want {
			t.Errorf("Message =\n%s\nwant\n%s", m.Message, want)
		}
		if !m.Timestamp.Equal(now) || m.Timestamp.Location() != time.UTC {
			t.Errorf("Timestamp = %v, want %v in UTC", m.Timestamp, now)
		}
		for name, value := range map[string]string{
			notify.AttrCommunicationID: "email-123",
			notify.AttrUrgency:         "high",
			notify.AttrProject:         "new-office-fit-out",
		} {
			if a := m.MessageAttributes[name]; a.DataType != "String" || a.StringValue != value {
				t.Errorf("MessageAttributes[%q] = %+v, want String %q", name, a, value)
			}
		}
	})

	t.Run("Minimal", func(t *testing.T) {
		m := notify.NewMessage(&doctales.Item{ID: "email-123", Metadata: doctales.Metadata{Urgency: "high"}}, "", now)
		if m.Subject != "High Priority Communication" {
			t.Errorf("Subject = %q", m.Subject)
		}
		want := "You have a high priority communication that requires your attention.\n\n" +
			"Subject: (no subject)\n\n" +
			"Please review this communication as soon as possible."
		if m.Message != want {
			t.Errorf("Message =\n%s\nwant\n%s", m.Message, want)
		}
		if _, ok := m.MessageAttributes[notify.AttrProject]; ok {
			t.Error("empty project attribute sent; SNS rejects empty attribute values")
		}
		if len(m.MessageAttributes) != 3 || m.MessageAttributes[notify.AttrUserID].StringValue != doctales.DefaultUserID {
			t.Errorf("MessageAttributes = %v, want communicationId, urgency and userId %s", m.MessageAttributes, doctales.DefaultUserID)
		}
	})

	t.Run("SenderIDOnly", func(t *testing.T) {
		m := notify.NewMessage(&doctales.Item{ID: "x", SenderID: "bob@example.com"}, "", now)
		if !strings.Contains(m.Message, "\nFrom: <bob@example.com>\n") {
			t.Errorf("Message lacks the sender line:\n%s", m.Message)
		}
	})
}

func TestFormatSubject(t *testing.T) {
	long := strings.Repeat("é", 200) // two bytes each
	tests := []struct {
		name, in, want string
	}{
		{"Plain", "Meeting Reminder", "High Priority: Meeting Reminder"},
		{"Empty", "", "High Priority Communication"},
		{"Blank", " \t\r\n ", "High Priority Communication"},
		{"Newlines", "Line one\r\nLine two\n", "High Priority: Line one Line two"},
		{"Controls", "a\x00b\x1bc\u0085d\u2028e\u202Ef", "High Priority: a b c d e f"},
		{"InvalidUTF8", "bad\xffbyte", "High Priority: bad\uFFFDbyte"},
		{"ExactlyAtLimit", strings.Repeat("x", notify.MaxSubjectRunes-len("High Priority: ")),
			"High Priority: " + strings.Repeat("x", notify.MaxSubjectRunes-len("High Priority: "))},
		{"Multibyte", long, "High Priority: " + strings.Repeat("é", notify.MaxSubjectRunes-1-len("High Priority: ")) + "…"},
		{"Emoji", strings.Repeat("🚨", 150), "High Priority: " + strings.Repeat("🚨", notify.MaxSubjectRunes-1-len("High Priority: ")) + "…"},
		{"TrailingSpaceBeforeEllipsis", strings.Repeat("x", 82) + " " + strings.Repeat("y", 50),
			"High Priority: " + strings.Repeat("x", 82) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notify.FormatSubject(tt.in)
			if got != tt.want {
				t.Errorf("FormatSubject(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > notify.MaxSubjectRunes {
				t.Errorf("FormatSubject(%q) has %d runes, limit %d", tt.in, n, notify.MaxSubjectRunes)
			}
		})
	}
}

// FuzzFormatSubject checks that any subject formats to one SNS-valid line:
// no panic, valid UTF-8, at most MaxSubjectRunes (under 100) runes, no
// control characters or line breaks, and the original prefix.
func FuzzFormatSubject(f *testing.F) {
	for _, s := range []string{"", "Meeting Reminder", "a\r\nb", "\xff\xfe", strings.Repeat("é", 120),
		strings.Repeat("🚨 ", 60), "\u2028\u2029\u202E", "x\x00y", strings.Repeat(" ", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := notify.FormatSubject(in)
		if !utf8.ValidString(got) {
			t.Fatalf("FormatSubject(%q) = %q: invalid UTF-8", in, got)
		}
		if n := utf8.RuneCountInString(got); n > notify.MaxSubjectRunes || n > 100 {
			t.Fatalf("FormatSubject(%q) has %d runes", in, n)
		}
		for _, r := range got {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("FormatSubject(%q) = %q contains control rune %U", in, got, r)
			}
		}
		if !strings.HasPrefix(got, "High Priority") {
			t.Fatalf("FormatSubject(%q) = %q lacks the prefix", in, got)
		}
	})
}

func ExampleFormatSubject() {
	fmt.Println(notify.FormatSubject("Meeting Reminder"))
	fmt.Println(notify.FormatSubject(""))
	fmt.Println(notify.FormatSubject("Budget\r\nsign-off"))
	// Output:
	// High Priority: Meeting Reminder
	// High Priority Communication
	// High Priority: Budget sign-off
}

// TestNewMessage_Evidence: the body names the words behind the urgency, on
// one line each, so a reader sees why without opening the item.
func TestNewMessage_Evidence(t *testing.T) {
	item := &doctales.Item{ID: "e1", Subject: "Contract", Dimensions: &doctales.Dimensions{
		UrgencyReasons: []string{"deadline in 8h"},
		UrgencyEvidence: []doctales.Evidence{
			{Rule: "deadline", Text: "before 5pm\ntoday", Source: "content", Start: 10, End: 26},
			{Rule: "urgent word", Text: "URGENT", Source: "subject"},
		},
	}}
	m := notify.NewMessage(item, "", time.Now())
	if !strings.Contains(m.Message, "\nBecause of: deadline \"before 5pm today\"; urgent word \"URGENT\"\n") {
		t.Fatalf("message body lacks the evidence line:\n%s", m.Message)
	}
}
