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
}

// Deliver logs m. It never fails and is safe for concurrent use.
func (s *LogSubscriber) Deliver(ctx context.Context, m *doctales.Message) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "notification",
		logKeyMessageID, m.MessageID,
		logKeySubject, m.Subject,
		logKeyCommunicationID, m.MessageAttributes[AttrCommunicationID].StringValue)
	return nil
}
