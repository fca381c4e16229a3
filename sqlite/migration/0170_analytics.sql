-- 0170 (issue 12, item 5): the aggregate tables behind the Visualizer and
-- the Connector, kept by the analytics consumer of the change stream
-- (package analytics, DB.ApplyFacts).
--
-- analytics_facts holds each communication's contribution (its fact) as
-- last applied; every other table is recomputed, bucket by bucket, from
-- the facts, so applying a record twice never counts it twice. Times are
-- in the fixed-width UTC form of every stored time; '' means none.
CREATE TABLE analytics_facts (
	id        TEXT PRIMARY KEY,
	owner     TEXT NOT NULL,
	ts        TEXT NOT NULL,
	day       TEXT NOT NULL,
	week      TEXT NOT NULL,
	urgency   TEXT NOT NULL,
	person    TEXT NOT NULL,
	name      TEXT NOT NULL,
	org       TEXT NOT NULL,
	project   TEXT NOT NULL,
	thread_id TEXT NOT NULL,
	subject   TEXT NOT NULL,
	deadline  TEXT NOT NULL,
	request   INTEGER NOT NULL,
	open      INTEGER NOT NULL
);
CREATE INDEX analytics_facts_day      ON analytics_facts (owner, day);
CREATE INDEX analytics_facts_week     ON analytics_facts (owner, week, project);
CREATE INDEX analytics_facts_person   ON analytics_facts (owner, person, ts);
CREATE INDEX analytics_facts_org      ON analytics_facts (owner, org) WHERE org <> '';
CREATE INDEX analytics_facts_thread   ON analytics_facts (owner, thread_id, ts) WHERE thread_id <> '';
-- (id last: the calendar's reads order by deadline, then id, either way.)
CREATE INDEX analytics_facts_deadline ON analytics_facts (owner, deadline, id) WHERE deadline <> '';

-- Volume and urgency per day (UTC).
CREATE TABLE analytics_daily (
	owner    TEXT NOT NULL,
	day      TEXT NOT NULL,
	total    INTEGER NOT NULL,
	high     INTEGER NOT NULL,
	medium   INTEGER NOT NULL,
	low      INTEGER NOT NULL,
	requests INTEGER NOT NULL,
	PRIMARY KEY (owner, day)
) WITHOUT ROWID;

-- Volume per project and ISO week.
CREATE TABLE analytics_weekly (
	owner   TEXT NOT NULL,
	week    TEXT NOT NULL,
	project TEXT NOT NULL,
	total   INTEGER NOT NULL,
	high    INTEGER NOT NULL,
	open    INTEGER NOT NULL,
	PRIMARY KEY (owner, week, project)
) WITHOUT ROWID;

-- One row per answer within a thread: the message id that answered, who
-- answered (responder), whom (asker, the sender of the message before it
-- in the thread) and after how many seconds.
CREATE TABLE analytics_replies (
	id        TEXT PRIMARY KEY,
	owner     TEXT NOT NULL,
	thread_id TEXT NOT NULL,
	responder TEXT NOT NULL,
	asker     TEXT NOT NULL,
	seconds   REAL NOT NULL
);
CREATE INDEX analytics_replies_thread    ON analytics_replies (owner, thread_id);
CREATE INDEX analytics_replies_responder ON analytics_replies (owner, responder);
CREATE INDEX analytics_replies_asker     ON analytics_replies (owner, asker);

-- Per sender: traffic, open requests, last contact and response times.
CREATE TABLE analytics_people (
	owner        TEXT NOT NULL,
	person       TEXT NOT NULL,
	name         TEXT NOT NULL,
	org          TEXT NOT NULL,
	total        INTEGER NOT NULL,
	high         INTEGER NOT NULL,
	open         INTEGER NOT NULL,
	last_ts      TEXT NOT NULL,
	they_replied INTEGER NOT NULL,
	they_reply_s REAL NOT NULL,
	replied_to   INTEGER NOT NULL,
	replied_to_s REAL NOT NULL,
	PRIMARY KEY (owner, person)
) WITHOUT ROWID;
CREATE INDEX analytics_people_total ON analytics_people (owner, total DESC);

-- Per organisation (never free mail or a mailing list).
CREATE TABLE analytics_orgs (
	owner   TEXT NOT NULL,
	org     TEXT NOT NULL,
	total   INTEGER NOT NULL,
	people  INTEGER NOT NULL,
	high    INTEGER NOT NULL,
	open    INTEGER NOT NULL,
	last_ts TEXT NOT NULL,
	PRIMARY KEY (owner, org)
) WITHOUT ROWID;
CREATE INDEX analytics_orgs_total ON analytics_orgs (owner, total DESC);
