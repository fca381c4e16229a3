package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doctales/doctales"
	"github.com/google/uuid"
)

// MaxSubjectRunes is the longest subject [FormatSubject] returns, in
// characters (runes). The SNS Publish reference says subjects "must be UTF-8
// text with no line breaks or control characters, and less than 100
// characters long", so 99 is the longest that is accepted.
const MaxSubjectRunes = 99

// Subject texts of the original notification function.
const (
	SubjectPrefix   = "High Priority: "
	SubjectFallback = "High Priority Communication" // when the item has no subject
)

// Lines of the message body the original notification function wrote.
const (
	bodyIntro   = "You have a high priority communication that requires your attention."
	bodyOutro   = "Please review this communication as soon as possible."
	noSubject   = "(no subject)"
	ellipsis    = "…"
	reasonSep   = "; "
	stringAttr  = "String"
	urgencyHigh = doctales.UrgencyHigh
)

// Names of the message attributes NewMessage sets. SNS rejects an attribute
// with an empty value, so project is left out when the item has none.
const (
	AttrCommunicationID = "communicationId"
	AttrUrgency         = "urgency"
	AttrProject         = "project"
	// AttrUserID names the user the communication belongs to; the live
	// stream sends a notification only to that user's browsers.
	AttrUserID = "userId"
)

// EscalationUrgencyHigh names the escalation "urgency became high" in
// [MessageID]. It is part of every message id: changing it re-notifies every
// communication.
const EscalationUrgencyHigh = "urgency:high"

// EscalationName names the n-th rise of a communication's urgency to high
// in [MessageID]: EscalationUrgencyHigh for the first (and for an item
// that does not count them), "urgency:high#n" for the n-th after it, so
// that each rise is notified once.
func EscalationName(n int) string {
	if n <= 1 {
		return EscalationUrgencyHigh
	}
	return fmt.Sprintf("%s#%d", EscalationUrgencyHigh, n)
}

// messageNamespace is the UUID namespace of notification message ids. It
// must never change: changing it changes every id, and every escalation
// already notified would be notified again.
var messageNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/doctales/doctales/notify"))

// MessageID returns the deterministic message id of one escalation of one
// communication: a name-based (SHA-1, version 5) UUID of
// "<communicationID>|<escalation>". The same pair always gives the same id, so
// a notification that is re-sent, for whatever reason, keeps its id and is
// dropped by the topic and by receivers.
func MessageID(communicationID, escalation string) string {
	return uuid.NewSHA1(messageNamespace, []byte(communicationID+"|"+escalation)).String()
}

// NewMessage returns the notification for item, which has become high
// priority: its id is MessageID(item.ID, EscalationUrgencyHigh), its subject
// FormatSubject(item.Subject), its body the original function's lines:
//
//	You have a high priority communication that requires your attention.
//
//	Subject: <subject, or "(no subject)">
//	From: <sender> <<sender_id>>          (when known)
//	Project: <project, every '-' a space> (when known)
//	Deadline: <RFC 3339 deadline>         (when the dimensions have one)
//	Why: <urgency reasons, "; "-joined>   (when the dimensions have some)
//	Because of: <rule "words">; ...      (the evidence, when there is some)
//
//	Please review this communication as soon as possible.
//
// Every field is written on one line: line breaks and control characters in
// item fields become spaces, so an item cannot forge lines of the body. The
// attributes are communicationId, urgency and, when set, project, all of type
// String. NewMessage does not keep item.
func NewMessage(item *doctales.Item, topicArn string, now time.Time) *doctales.Message {
	// Body: intro, facts, outro.
	lines := []string{bodyIntro, ""}
	subject := oneLine(item.Subject)
	if subject == "" {
		subject = noSubject
	}
	lines = append(lines, "Subject: "+subject)
	if from := formatFrom(item.Sender, item.SenderID); from != "" {
		lines = append(lines, "From: "+from)
	}
	project := oneLine(item.Project)
	if project != "" {
		lines = append(lines, "Project: "+strings.ReplaceAll(project, "-", " "))
	}
	if d := item.Dimensions; d != nil {
		if d.Deadline != nil && !d.Deadline.IsZero() {
			lines = append(lines, "Deadline: "+d.Deadline.Format(time.RFC3339))
		}
		if why := joinReasons(d.UrgencyReasons); why != "" {
			lines = append(lines, "Why: "+why)
		}
		if words := joinEvidence(d.UrgencyEvidence); words != "" {
			lines = append(lines, "Because of: "+words)
		}
	}
	lines = append(lines, "", bodyOutro)

	// Attributes: SNS rejects empty values, so only set ones are sent.
	attrs := map[string]doctales.MessageAttribute{
		AttrCommunicationID: {DataType: stringAttr, StringValue: item.ID},
		AttrUrgency:         {DataType: stringAttr, StringValue: urgencyHigh},
		AttrUserID:          {DataType: stringAttr, StringValue: doctales.OwnerOf(item.Owner)},
	}
	if item.Project != "" {
		attrs[AttrProject] = doctales.MessageAttribute{DataType: stringAttr, StringValue: item.Project}
	}

	return &doctales.Message{
		MessageID:         MessageID(item.ID, EscalationName(item.Metadata.Escalation)),
		TopicArn:          topicArn,
		Subject:           FormatSubject(item.Subject),
		Message:           strings.Join(lines, "\n"),
		Timestamp:         now.UTC(),
		MessageAttributes: attrs,
	}
}

// FormatSubject returns the notification subject for a communication
// subject: "High Priority: <subject>", or "High Priority Communication" when
// the subject is empty or blank. The result is always valid for SNS: valid
// UTF-8 (invalid bytes become U+FFFD), one line (line breaks, tabs and
// other control characters become spaces, and runs of spaces one space), and
// at most MaxSubjectRunes runes; a longer one is cut on a rune boundary and
// ends in "…".
func FormatSubject(subject string) string {
	s := oneLine(subject)
	if s == "" {
		return SubjectFallback
	}
	return truncate(SubjectPrefix+s, MaxSubjectRunes)
}

// truncate returns s cut to at most n runes, ending in "…" when it was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + ellipsis
}

// oneLine returns s as valid UTF-8 on one line: control characters, line and
// paragraph separators and bidirectional controls become spaces, runs of
// white space one space, and leading and trailing space is trimmed.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// unsafeRune reports whether r must not appear in a one-line text: a C0 or
// C1 control character (which includes CR, LF, TAB and NEL), a line or
// paragraph separator (U+2028, U+2029), or a bidirectional embedding,
// override or isolate that could make the text read differently.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// formatFrom returns "Name <id>", "Name", "<id>" or "" for a sender.
func formatFrom(name, id string) string {
	name, id = oneLine(name), oneLine(id)
	switch {
	case name != "" && id != "" && name != id:
		return name + " <" + id + ">"
	case name != "":
		return name
	case id != "":
		return "<" + id + ">"
	}
	return ""
}

// joinReasons returns the non-blank reasons on one line, "; "-joined.
// joinEvidence returns the words behind the urgency, quoted with their
// rule: `deadline "before 5pm today"; urgent word "URGENT"`, each cut to
// 60 characters and on one line.
func joinEvidence(ev []doctales.Evidence) string {
	var out []string
	for _, e := range ev {
		if t := truncate(oneLine(e.Text), 60); t != "" {
			out = append(out, fmt.Sprintf("%s %q", oneLine(e.Rule), t))
		}
	}
	return strings.Join(out, reasonSep)
}

func joinReasons(reasons []string) string {
	var out []string
	for _, r := range reasons {
		if r = oneLine(r); r != "" {
			out = append(out, r)
		}
	}
	return strings.Join(out, reasonSep)
}
