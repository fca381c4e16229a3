package notify

import (
	"context"
	"log/slog"

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
	// that names, addresses and numbers stay out of the logs.
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
		subject = s.Redact(subject)
	}
	log.InfoContext(ctx, "notification",
		logKeyMessageID, m.MessageID,
		logKeySubject, subject,
		logKeyCommunicationID, m.MessageAttributes[AttrCommunicationID].StringValue)
	return nil
}
