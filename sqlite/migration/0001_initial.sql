-- meta holds facts fixed when the database is created, such as the stream
-- label that ends every eventSourceARN.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- items is the table: one row per communication. The filter columns copy
-- fields of body (the item's JSON) so that FindItems can use an index; ts is
-- the communication's timestamp in UTC, fixed width, so that text order is
-- time order.
CREATE TABLE items (
	id        TEXT PRIMARY KEY,
	ts        TEXT NOT NULL,
	project   TEXT NOT NULL,
	type      TEXT NOT NULL,
	sender    TEXT NOT NULL,
	sender_id TEXT NOT NULL,
	urgency   TEXT NOT NULL,
	status    TEXT NOT NULL,
	body      TEXT NOT NULL
);
CREATE INDEX items_ts        ON items (ts, id);
CREATE INDEX items_project   ON items (project, ts, id);
CREATE INDEX items_type      ON items (type, ts, id);
CREATE INDEX items_sender    ON items (sender, ts, id);
CREATE INDEX items_sender_id ON items (sender_id, ts, id);
CREATE INDEX items_urgency   ON items (urgency, ts, id);
CREATE INDEX items_status    ON items (status, ts, id);

-- log is the durable event log: S3 events, the table's change stream and
-- topic messages. AUTOINCREMENT keeps seq from being reused after
-- DeleteLogBefore. dedup, when set, makes an append idempotent (topic
-- messages); the index is partial so that the other records cost no entry.
CREATE TABLE log (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	source TEXT NOT NULL,
	key    TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	data   TEXT NOT NULL,
	at     TEXT NOT NULL,
	dedup  TEXT
);
CREATE INDEX log_source ON log (source, seq);
CREATE UNIQUE INDEX log_dedup ON log (dedup) WHERE dedup IS NOT NULL;

-- checkpoints holds the last seq each subscription finished.
CREATE TABLE checkpoints (
	subscription TEXT PRIMARY KEY,
	seq          INTEGER NOT NULL,
	updated_at   TEXT NOT NULL
);

-- dead_letters holds records subscriptions gave up on, until redriven.
CREATE TABLE dead_letters (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	subscription  TEXT NOT NULL,
	source        TEXT NOT NULL,
	key           TEXT NOT NULL,
	seq           INTEGER NOT NULL,
	record        TEXT NOT NULL,
	error         TEXT NOT NULL,
	reason        TEXT NOT NULL,
	attempts      INTEGER NOT NULL,
	first_attempt TEXT NOT NULL,
	last_attempt  TEXT NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE INDEX dead_letters_subscription ON dead_letters (subscription, id);

-- ledger remembers the notifications that were sent.
CREATE TABLE ledger (
	message_id       TEXT PRIMARY KEY,
	communication_id TEXT NOT NULL,
	at               TEXT NOT NULL
);
