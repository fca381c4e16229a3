package history

import (
	"context"
	"log/slog"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/runtime"
)

// LogObserver writes one log line per function invocation, with the
// function, the attempt, the duration, the records' sequence numbers and
// communication ids, and the error; the trace id comes from the context
// (see tracing.LogHandler). It implements runtime.Observer.
type LogObserver struct {
	Logger *slog.Logger
}

// maxLoggedIDs bounds the communication ids listed on one line.
const maxLoggedIDs = 10

// StartInvocation implements runtime.Observer.
func (l *LogObserver) StartInvocation(ctx context.Context, inv *runtime.Invocation) (context.Context, func(int, error)) {
	start := time.Now()
	return ctx, func(failed int, err error) {
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelWarn
		}
		if !l.Logger.Enabled(ctx, level) {
			return
		}
		ids := make([]string, 0, min(len(inv.Records), maxLoggedIDs))
		seen := map[string]bool{}
		var events []string
		for _, rec := range inv.Records {
			info := describe(rec)
			if info.CommunicationID != "" && !seen[info.CommunicationID] && len(ids) < maxLoggedIDs {
				seen[info.CommunicationID] = true
				ids = append(ids, info.CommunicationID)
			}
			if len(events) < maxLoggedIDs {
				events = append(events, info.Event)
			}
		}
		attrs := []slog.Attr{
			slog.String("function", inv.Subscription),
			slog.Int("attempt", inv.Attempt),
			slog.Duration("duration", time.Since(start)),
			slog.Int("records", len(inv.Records)),
			slog.Int64("first_seq", inv.Records[0].Seq),
			slog.Any("communication_ids", ids),
			slog.Any("events", events),
		}
		if err != nil {
			attrs = append(attrs, slog.Int("failed_record", failed), slog.String("error", err.Error()))
		}
		l.Logger.LogAttrs(ctx, level, "function invoked", attrs...)
	}
}

// RecordOutcome implements runtime.Observer; the journal keeps outcomes.
func (l *LogObserver) RecordOutcome(string, *doctales.LogRecord, runtime.Outcome) {}
