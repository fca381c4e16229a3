-- flow_events is the flow history: every delivery, filter decision, retry,
-- dead letter and notification decision per communication, for
-- `doctales trace` and GET /communications/{id}/events.
CREATE TABLE flow_events (
	id               INTEGER PRIMARY KEY,
	communication_id TEXT    NOT NULL,
	at               TEXT    NOT NULL,
	step             TEXT    NOT NULL,
	kind             TEXT    NOT NULL,
	seq              INTEGER NOT NULL DEFAULT 0,
	event            TEXT    NOT NULL DEFAULT '',
	attempt          INTEGER NOT NULL DEFAULT 0,
	duration_ns      INTEGER NOT NULL DEFAULT 0,
	detail           TEXT    NOT NULL DEFAULT '',
	trace_id         TEXT    NOT NULL DEFAULT '',
	record_at        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX flow_events_communication ON flow_events (communication_id, id);

-- traceparent carries the W3C trace context of the work that appended a
-- record, so the next function's span joins the same trace.
ALTER TABLE log ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
