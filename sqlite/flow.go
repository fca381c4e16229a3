package sqlite

import (
	"context"
	"fmt"
	"strings"
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
	// Multi-row INSERTs: one statement per flowRowsPerInsert events, so
	// the driver's per-call cost is paid once per chunk.
	args := make([]any, 0, len(evs)*flowColumns)
	for _, ev := range evs {
		recordAt := ""
		if !ev.RecordTime.IsZero() {
			recordAt = formatTime(ev.RecordTime)
		}
		args = append(args, ev.CommunicationID, formatTime(ev.Time), ev.Step, ev.Kind, ev.Seq,
			ev.Event, ev.Attempt, int64(ev.Duration), ev.Detail, ev.TraceID, recordAt)
	}
	err := db.write(ctx, func(tx *writeTx) error {
		for start := 0; start < len(evs); start += flowRowsPerInsert {
			n := min(flowRowsPerInsert, len(evs)-start)
			if _, err := tx.tx.ExecContext(ctx, flowInsert(n), args[start*flowColumns:(start+n)*flowColumns]...); err != nil {
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

// flowColumns is the number of values of one flow event row;
// flowRowsPerInsert the rows per INSERT (SQLite allows 32,766 parameters).
const (
	flowColumns       = 11
	flowRowsPerInsert = 100
)

// flowInsert returns the INSERT of n flow event rows.
func flowInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO flow_events (communication_id, at, step, kind, seq, event, attempt, duration_ns, detail, trace_id, record_at) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
	}
	return b.String()
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
