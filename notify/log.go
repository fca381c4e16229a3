package notify

import (
	"context"
	"log/slog"
	"strings"
	"unicode"

	"github.com/doctales/doctales"
)

// LogSubscriber is the simplest topic subscriber: it writes one Info line,
// "notification", per message, with its id, subject and communication id.
// It is the subscriber to wire when no other is configured, so that a
// notification is never silently lost.
type LogSubscriber struct {
	// Logger receives the lines. Nil means slog.Default().
	Logger *slog.Logger
	// Redact, if set, is applied to the subject before it is logged, so
	// that names, addresses and numbers stay out of the logs. It sees the
	// whole subject, and its result, with the words of the sender's name
	// then replaced by "[NAME]", is cut to MaxSubjectRunes: a card number
	// or an address that the cut would break is still whole when Redact
	// looks for it (issue 10).
	Redact func(string) string
}

// Deliver logs m. It never fails and is safe for concurrent use.
func (s *LogSubscriber) Deliver(ctx context.Context, m *doctales.Message) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	subject := m.Subject
	if s.Redact != nil {
		subject = s.redactSubject(m)
	}
	log.InfoContext(ctx, "notification",
		logKeyMessageID, m.MessageID,
		logKeySubject, subject,
		logKeyCommunicationID, m.MessageAttributes[AttrCommunicationID].StringValue)
	return nil
}

// redactSubject returns m's subject redacted before it is cut: the whole
// subject comes from the body's "Subject:" line that [NewMessage] writes,
// when it is the one the subject was cut from; the sender's display name,
// from the "From:" line, is replaced word by word.
func (s *LogSubscriber) redactSubject(m *doctales.Message) string {
	full, sender := bodyField(m.Message, "Subject: "), bodyField(m.Message, "From: ")
	subject := m.Subject
	if full != "" && FormatSubject(full) == m.Subject {
		subject = SubjectPrefix + full
	} else if cutSubject, ok := strings.CutSuffix(subject, ellipsis); ok {
		// The whole subject is unknown: drop the word the cut broke, and
		// the words with digits before it (the rest of a number written
		// in groups), which Redact could no longer recognise.
		words := strings.Fields(cutSubject)
		if len(words) > 0 {
			words = words[:len(words)-1]
		}
		for len(words) > 0 && strings.ContainsAny(words[len(words)-1], "0123456789") {
			words = words[:len(words)-1]
		}
		subject = strings.Join(append(words, ellipsis), " ")
	}
	subject = s.Redact(subject)
	if name, _, _ := strings.Cut(sender, " <"); name != "" && !strings.HasPrefix(sender, "<") {
		subject = redactWords(subject, strings.Fields(name), "[NAME]")
	}
	// Cut, but not inside a marker such as "[CREDIT_DEBIT_NUMBER]".
	cut := truncate(subject, MaxSubjectRunes)
	if body, ok := strings.CutSuffix(cut, ellipsis); ok {
		if i := strings.LastIndexByte(body, '['); i >= 0 && i > strings.LastIndexByte(body, ']') {
			cut = strings.TrimRightFunc(body[:i], unicode.IsSpace) + ellipsis
		}
	}
	return cut
}

// bodyField returns the rest of the first line of body that starts with
// prefix, or "".
func bodyField(body, prefix string) string {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return v
		}
	}
	return ""
}

// redactWords replaces in s every whole word equal, ignoring case, to one
// of words (of two letters or more) by repl. Words are runs of letters,
// digits, apostrophes and hyphens.
func redactWords(s string, words []string, repl string) string {
	set := map[string]bool{}
	for _, w := range words {
		w = strings.Trim(w, ",.;:\"'()")
		if len([]rune(w)) >= 2 {
			set[strings.ToLower(w)] = true
		}
	}
	if len(set) == 0 {
		return s
	}
	isWord := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-'
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if w := s[start:end]; set[strings.ToLower(w)] {
			b.WriteString(repl)
		} else {
			b.WriteString(w)
		}
		start = -1
	}
	for i, r := range s {
		switch {
		case isWord(r) && start < 0:
			start = i
		case !isWord(r):
			if start >= 0 {
				flush(i)
			}
			b.WriteRune(r)
		}
	}
	if start >= 0 {
		flush(len(s))
	}
	return b.String()
}
