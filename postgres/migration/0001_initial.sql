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
-- record appended. A writer inserts its records unnumbered (seq NULL;
-- id, a bigserial, is the insertion order) and commits; the sequencer
-- then numbers committed records in id order, one transaction at a time
-- under an advisory lock, so that seqs become visible in increasing
-- order and readers, which read numbered records only, never see a lower
-- seq appear after a higher one (see log.go). seq_at is the offset in
-- data of a stream record's SequenceNumber placeholder (-1: none), which
-- the sequencer overwrites with the seq.
CREATE TABLE log (
	id           bigserial PRIMARY KEY,
	seq          bigint UNIQUE,
	source       text NOT NULL,
	key          text NOT NULL DEFAULT '',
	target       text NOT NULL DEFAULT '',
	data         bytea NOT NULL,
	seq_at       integer NOT NULL DEFAULT -1,
	at           timestamptz NOT NULL,
	trace_parent text NOT NULL DEFAULT ''
);
CREATE INDEX log_source_seq ON log (source, seq) WHERE seq IS NOT NULL;
CREATE INDEX log_unnumbered ON log (id) WHERE seq IS NULL;

-- The last seq given: seqs are never reused, even after compaction.
CREATE TABLE log_head (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint NOT NULL
);
INSERT INTO log_head (seq) VALUES (0);

-- doctales_number_log numbers up to batch committed, unnumbered records,
-- in id order, and returns how many: the sequencer's one round trip. It
-- holds the log's advisory lock (key 0x64746c6f67617070, "dtlogapp")
-- until the calling transaction ends, and each statement after the lock
-- reads a fresh snapshot (a VOLATILE function under READ COMMITTED), so
-- it sees every record committed before it got the lock. The seq also
-- replaces the 20-byte SequenceNumber placeholder at seq_at in data.
CREATE FUNCTION doctales_number_log(batch integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	head bigint;
	n    integer;
BEGIN
	PERFORM pg_advisory_xact_lock(7238529726822838384);
	SELECT seq INTO head FROM log_head;
	WITH u AS (
		SELECT id, row_number() OVER (ORDER BY id) AS rn
		FROM (SELECT id FROM log WHERE seq IS NULL ORDER BY id LIMIT batch) x
	)
	UPDATE log l SET seq = head + u.rn,
		data = CASE WHEN l.seq_at >= 0
			THEN overlay(l.data PLACING convert_to(lpad((head + u.rn)::text, 20, '0'), 'UTF8') FROM l.seq_at + 1 FOR 20)
			ELSE l.data END
	FROM u WHERE l.id = u.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n > 0 THEN
		UPDATE log_head SET seq = head + n;
		PERFORM pg_notify('doctales_log', '');
	END IF;
	RETURN n;
END
$$;

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
