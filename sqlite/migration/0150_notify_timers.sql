-- 0150 (issue 13, "When"): durable notification timers, reminders before
-- a deadline and escalation steps until acknowledged (notify.When). One
-- row per planned timer, id deterministic so that planning twice stores
-- one; fired is set once its message was published (the ledger guards the
-- step in between), so each fires once, also after a crash and restart.
-- body is the notify.Timer as JSON.
CREATE TABLE notify_timers (
	id               TEXT PRIMARY KEY,
	communication_id TEXT NOT NULL,
	kind             TEXT NOT NULL,
	due              TEXT NOT NULL,
	fired            INTEGER NOT NULL DEFAULT 0,
	body             TEXT NOT NULL
);
CREATE INDEX notify_timers_due ON notify_timers (fired, due, id);
CREATE INDEX notify_timers_item ON notify_timers (communication_id, kind);

-- notify_digest_entries are the notifications listed in a pending digest
-- (notify.DigestStore): digest_id is the digest timer's id, id the held
-- message's id, so listing one twice stores it once.
CREATE TABLE notify_digest_entries (
	digest_id TEXT NOT NULL,
	id        TEXT NOT NULL,
	at        TEXT NOT NULL,
	body      TEXT NOT NULL,
	PRIMARY KEY (digest_id, id)
);

-- The key of the ack links in notification e-mails (notify.AckToken),
-- made once per database.
INSERT INTO meta (key, value) VALUES ('ack_key', lower(hex(randomblob(32)))) ON CONFLICT (key) DO NOTHING;
