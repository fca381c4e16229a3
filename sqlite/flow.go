package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/doctales/doctales"
)

var _ doctales.FlowHistory = (*DB)(nil)

// AddFlowEvents stores flow events in one transaction (sharing the writer's
// group commit).
func (db *DB) AddFlowEvents(ctx context.Context, evs []*doctales.FlowEvent) error {
	if len(evs) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *writeTx) error {
		stmt, err := tx.tx.PrepareContext(ctx, `INSERT INTO flow_events
			(communication_id, at, step, kind, seq, event, attempt, duration_ns, detail, trace_id, record_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, ev := range evs {
			recordAt := ""
			if !ev.RecordTime.IsZero() {
				recordAt = formatTime(ev.RecordTime)
			}
			if _, err := stmt.ExecContext(ctx, ev.CommunicationID, formatTime(ev.Time), ev.Step, ev.Kind, ev.Seq,
				ev.Event, ev.Attempt, int64(ev.Duration), ev.Detail, ev.TraceID, recordAt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add %d flow events: %w", len(evs), FormatError(err))
	}
	return nil
}

// FlowEvents returns up to limit flow events of a communication, oldest
// first. A limit of 0 or less means 1000.
func (db *DB) FlowEvents(ctx context.Context, id string, limit int) ([]*doctales.FlowEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT communication_id, at, step, kind, seq, event, attempt,
		duration_ns, detail, trace_id, record_at FROM flow_events WHERE communication_id = ? ORDER BY id LIMIT ?`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("flow events of %q: %w", id, FormatError(err))
	}
	defer rows.Close()
	var out []*doctales.FlowEvent
	for rows.Next() {
		var ev doctales.FlowEvent
		var at, recordAt string
		var dur int64
		if err := rows.Scan(&ev.CommunicationID, &at, &ev.Step, &ev.Kind, &ev.Seq, &ev.Event, &ev.Attempt,
			&dur, &ev.Detail, &ev.TraceID, &recordAt); err != nil {
			return nil, fmt.Errorf("flow events of %q: %w", id, FormatError(err))
		}
		ev.Duration = time.Duration(dur)
		if ev.Time, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("flow events of %q: %w", id, err)
		}
		if recordAt != "" {
			if ev.RecordTime, err = parseTime(recordAt); err != nil {
				return nil, fmt.Errorf("flow events of %q: %w", id, err)
			}
		}
		out = append(out, &ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("flow events of %q: %w", id, FormatError(err))
	}
	return out, nil
}
