-- 0001: the table, its change stream (the log, which is the outbox), the
-- checkpoints, the ledger, dead letters and flow history.
--
-- Text columns that are ordered or compared (ids, the stored timestamp)
-- use COLLATE "C", byte order, so that pages come in the same order as
-- from the SQLite table whatever the database's locale.

CREATE TABLE meta (
	key   text PRIMARY KEY,
	value text NOT NULL
);

-- One row per communication: its JSON as encoded (bytes kept as written)
-- and the columns the filters read. ts, state_until and deadline are
-- times in the SQLite table's fixed-width text form
-- (2006-01-02T15:04:05.000000000Z), so the page cursors are the same.
CREATE TABLE items (
	id          text COLLATE "C" PRIMARY KEY,
	ts          text COLLATE "C" NOT NULL,
	project     text NOT NULL DEFAULT '',
	type        text NOT NULL DEFAULT '',
	sender      text NOT NULL DEFAULT '',
	sender_id   text NOT NULL DEFAULT '',
	urgency     text NOT NULL DEFAULT '',
	status      text NOT NULL DEFAULT '',
	owner       text NOT NULL DEFAULT '',
	state       text NOT NULL DEFAULT '',
	state_until text COLLATE "C" NOT NULL DEFAULT '',
	thread_id   text NOT NULL DEFAULT '',
	deadline    text COLLATE "C" NOT NULL DEFAULT '',
	body        bytea NOT NULL
);
CREATE INDEX items_ts ON items (ts, id);
CREATE INDEX items_owner_ts ON items (owner, ts, id);
CREATE INDEX items_project_ts ON items (project, ts, id);
CREATE INDEX items_sender_id_ts ON items (sender_id, ts, id);
CREATE INDEX items_sender_ts ON items (sender, ts, id);
CREATE INDEX items_urgency_ts ON items (urgency, ts, id);
CREATE INDEX items_status_ts ON items (status, ts, id);

-- Ids deleted, so that an extraction still in flight does not bring the
-- item back (DeletedSince).
CREATE TABLE deleted (
	id    text PRIMARY KEY,
	owner text NOT NULL,
	at    timestamptz NOT NULL
);

-- The event log: stream records of the table (source aws:dynamodb,
-- written in the transaction of the change: the outbox) and every other
-- record appended. Appends take a transaction-scoped advisory lock, so
-- seqs become visible in order (see log.go).
CREATE TABLE log (
	seq          bigserial PRIMARY KEY,
	source       text NOT NULL,
	key          text NOT NULL DEFAULT '',
	target       text NOT NULL DEFAULT '',
	data         bytea NOT NULL,
	at           timestamptz NOT NULL,
	trace_parent text NOT NULL DEFAULT ''
);
CREATE INDEX log_source_seq ON log (source, seq);

CREATE TABLE checkpoints (
	subscription text PRIMARY KEY,
	seq          bigint NOT NULL,
	updated_at   timestamptz NOT NULL
);

CREATE TABLE ledger (
	message_id       text PRIMARY KEY,
	communication_id text NOT NULL,
	at               timestamptz NOT NULL,
	state            text NOT NULL,
	lease_until      timestamptz,
	attempts         integer NOT NULL DEFAULT 0
);

CREATE TABLE dead_letters (
	id            bigserial PRIMARY KEY,
	subscription  text NOT NULL,
	source        text NOT NULL,
	key           text NOT NULL,
	seq           bigint NOT NULL,
	record        bytea NOT NULL,
	error         text NOT NULL,
	reason        text NOT NULL,
	attempts      integer NOT NULL,
	first_attempt timestamptz NOT NULL,
	last_attempt  timestamptz NOT NULL,
	created_at    timestamptz NOT NULL
);
CREATE INDEX dead_letters_subscription ON dead_letters (subscription, id);

CREATE TABLE flow_events (
	id               bigserial PRIMARY KEY,
	communication_id text NOT NULL,
	at               timestamptz NOT NULL,
	step             text NOT NULL,
	kind             text NOT NULL,
	seq              bigint NOT NULL DEFAULT 0,
	event            text NOT NULL DEFAULT '',
	attempt          integer NOT NULL DEFAULT 0,
	duration_ns      bigint NOT NULL DEFAULT 0,
	detail           text NOT NULL DEFAULT '',
	trace_id         text NOT NULL DEFAULT '',
	record_at        timestamptz
);
CREATE INDEX flow_events_communication ON flow_events (communication_id, id);
