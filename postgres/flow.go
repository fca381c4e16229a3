package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/doctales/doctales"
	"github.com/jackc/pgx/v5"
)

// AddFlowEvents stores flow events in one COPY (one round trip however
// many). Times are kept to the microsecond.
func (db *DB) AddFlowEvents(ctx context.Context, evs []*doctales.FlowEvent) error {
	if len(evs) == 0 {
		return nil
	}
	rows := make([][]any, len(evs))
	for i, ev := range evs {
		rows[i] = []any{ev.CommunicationID, ev.Time, ev.Step, ev.Kind, ev.Seq, ev.Event, ev.Attempt,
			int64(ev.Duration), ev.Detail, ev.TraceID, timeOrZero(ev.RecordTime)}
	}
	if _, err := db.pool.CopyFrom(ctx, pgx.Identifier{"flow_events"},
		[]string{"communication_id", "at", "step", "kind", "seq", "event", "attempt", "duration_ns", "detail", "trace_id", "record_at"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("add %d flow events: %w", len(evs), err)
	}
	return nil
}

// FlowEvents returns up to limit flow events of a communication, oldest
// first. A limit of 0 or less means 1000.
func (db *DB) FlowEvents(ctx context.Context, id string, limit int) ([]*doctales.FlowEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.pool.Query(ctx, `SELECT communication_id, at, step, kind, seq, event, attempt,
		duration_ns, detail, trace_id, record_at FROM flow_events WHERE communication_id = $1 ORDER BY id LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("flow events of %q: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*doctales.FlowEvent, error) {
		var ev doctales.FlowEvent
		var dur int64
		var recordAt *time.Time
		if err := row.Scan(&ev.CommunicationID, &ev.Time, &ev.Step, &ev.Kind, &ev.Seq, &ev.Event, &ev.Attempt,
			&dur, &ev.Detail, &ev.TraceID, &recordAt); err != nil {
			return nil, err
		}
		ev.Time, ev.Duration = ev.Time.UTC(), time.Duration(dur)
		if recordAt != nil {
			ev.RecordTime = recordAt.UTC()
		}
		return &ev, nil
	})
	if err != nil {
		return nil, fmt.Errorf("flow events of %q: %w", id, err)
	}
	return out, nil
}
