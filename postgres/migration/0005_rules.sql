-- 0005 (issues 11 and 13): people's notification rules, and the durable
-- notification timers and digests behind reminders, escalation, quiet
-- hours and digest (postgres/rules.go, postgres/timers.go), so that a
-- cluster's api processes serve /rules and its notification workers
-- apply them. Versions 0006 and above are other changes'; migrate applies
-- every version the database lacks, in order.

-- One row per stored rule (doctales.Rule as JSON in body; ord copies its
-- order for sorting). Each write appends the rule's stream record
-- ("RULE#<id>" SK) to the log in the same transaction: the outbox.
CREATE TABLE rules (
	owner      text COLLATE "C" NOT NULL,
	id         text COLLATE "C" NOT NULL,
	ord        integer NOT NULL,
	body       bytea NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (owner, id)
);

-- The rules' version: every rule write adds one to it in its transaction
-- (so rule writes take this row's lock one after the other, which also
-- keeps the per-owner limit exact) and sends it on the channel
-- doctales_rules at its commit; every process keeps the last version it
-- heard as RulesVersion.
CREATE TABLE rules_version (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	version bigint NOT NULL
);
INSERT INTO rules_version (version) VALUES (0);

-- The notification timers (notify.Timer as JSON in body): reminders,
-- escalation steps, held notifications, digests and the "notified"
-- markers. id is deterministic, so planning twice stores one. A worker
-- claims the due timers it fires (claimed_by, lease_until: FOR UPDATE
-- SKIP LOCKED, then a lease), so that two notification workers never
-- fire one timer; fired is set once its message was published.
CREATE TABLE notify_timers (
	id               text COLLATE "C" PRIMARY KEY,
	communication_id text COLLATE "C" NOT NULL,
	kind             text NOT NULL,
	due              timestamptz NOT NULL,
	fired            boolean NOT NULL DEFAULT false,
	claimed_by       text NOT NULL DEFAULT '',
	lease_until      timestamptz,
	body             bytea NOT NULL
);
CREATE INDEX notify_timers_due ON notify_timers (due, id) WHERE NOT fired;
CREATE INDEX notify_timers_item ON notify_timers (communication_id, kind);

-- The notifications listed in a pending digest (notify.DigestStore):
-- digest_id is the digest timer's id, id the held message's id.
CREATE TABLE notify_digest_entries (
	digest_id text COLLATE "C" NOT NULL,
	id        text COLLATE "C" NOT NULL,
	at        timestamptz NOT NULL,
	body      bytea NOT NULL,
	PRIMARY KEY (digest_id, id)
);
