-- 0008: the aggregate tables behind the dashboard's analytics (issue 12,
-- item 5) for a cluster (issue 11), the same tables as package sqlite's
-- analytics.db (sqlite/migration/0170_analytics.sql), kept by the
-- analytics subscription of the notification workers (postgres/analytics.go,
-- DB.ApplyFacts), and the dashboard users' profiles (postgres/profile.go).
--
-- analytics_facts holds each communication's contribution (its fact) as
-- last applied; every other analytics table is recomputed, bucket by
-- bucket, from the facts, under a transaction-level advisory lock per
-- bucket, so that applying a record twice never counts it twice and two
-- processes applying different communications' facts to one bucket never
-- lose a count. Times are in the items table's fixed-width UTC text
-- (2006-01-02T15:04:05.000000000Z), '' meaning none; the columns that are
-- ordered use COLLATE "C" (byte order, as SQLite's).
-- Versions 0005 to 0007 are other changes'; migrate applies every version
-- the database lacks, so they may be applied after this one.

CREATE TABLE analytics_facts (
	id        text COLLATE "C" PRIMARY KEY,
	owner     text NOT NULL,
	ts        text COLLATE "C" NOT NULL,
	day       text COLLATE "C" NOT NULL,
	week      text COLLATE "C" NOT NULL,
	urgency   text NOT NULL,
	person    text COLLATE "C" NOT NULL,
	name      text NOT NULL,
	org       text COLLATE "C" NOT NULL,
	project   text COLLATE "C" NOT NULL,
	thread_id text NOT NULL,
	subject   text NOT NULL,
	deadline  text COLLATE "C" NOT NULL,
	request   boolean NOT NULL,
	open      boolean NOT NULL
);
CREATE INDEX analytics_facts_day      ON analytics_facts (owner, day);
CREATE INDEX analytics_facts_week     ON analytics_facts (owner, week, project);
CREATE INDEX analytics_facts_person   ON analytics_facts (owner, person, ts);
CREATE INDEX analytics_facts_org      ON analytics_facts (owner, org) WHERE org <> '';
CREATE INDEX analytics_facts_thread   ON analytics_facts (owner, thread_id, ts) WHERE thread_id <> '';
CREATE INDEX analytics_facts_deadline ON analytics_facts (owner, deadline, id) WHERE deadline <> '';

-- Volume and urgency per day (UTC).
CREATE TABLE analytics_daily (
	owner    text NOT NULL,
	day      text COLLATE "C" NOT NULL,
	total    integer NOT NULL,
	high     integer NOT NULL,
	medium   integer NOT NULL,
	low      integer NOT NULL,
	requests integer NOT NULL,
	PRIMARY KEY (owner, day)
);

-- Volume per project and ISO week.
CREATE TABLE analytics_weekly (
	owner   text NOT NULL,
	week    text COLLATE "C" NOT NULL,
	project text COLLATE "C" NOT NULL,
	total   integer NOT NULL,
	high    integer NOT NULL,
	open    integer NOT NULL,
	PRIMARY KEY (owner, week, project)
);

-- One row per answer within a thread: the message that answered, who
-- answered (responder), whom (asker, the sender of the message before it
-- in the thread) and after how many seconds.
CREATE TABLE analytics_replies (
	id        text COLLATE "C" PRIMARY KEY,
	owner     text NOT NULL,
	thread_id text NOT NULL,
	responder text COLLATE "C" NOT NULL,
	asker     text COLLATE "C" NOT NULL,
	seconds   double precision NOT NULL
);
CREATE INDEX analytics_replies_thread    ON analytics_replies (owner, thread_id);
CREATE INDEX analytics_replies_responder ON analytics_replies (owner, responder);
CREATE INDEX analytics_replies_asker     ON analytics_replies (owner, asker);

-- Per sender: traffic, open requests, last contact and response times.
CREATE TABLE analytics_people (
	owner        text NOT NULL,
	person       text COLLATE "C" NOT NULL,
	name         text NOT NULL,
	org          text NOT NULL,
	total        integer NOT NULL,
	high         integer NOT NULL,
	open         integer NOT NULL,
	last_ts      text COLLATE "C" NOT NULL,
	they_replied integer NOT NULL,
	they_reply_s double precision NOT NULL,
	replied_to   integer NOT NULL,
	replied_to_s double precision NOT NULL,
	PRIMARY KEY (owner, person)
);
CREATE INDEX analytics_people_total ON analytics_people (owner, total DESC);

-- Per organisation (never free mail or a mailing list).
CREATE TABLE analytics_orgs (
	owner   text NOT NULL,
	org     text COLLATE "C" NOT NULL,
	total   integer NOT NULL,
	people  integer NOT NULL,
	high    integer NOT NULL,
	open    integer NOT NULL,
	last_ts text COLLATE "C" NOT NULL,
	PRIMARY KEY (owner, org)
);
CREATE INDEX analytics_orgs_total ON analytics_orgs (owner, total DESC);

-- The dashboard users' profiles (GET/PUT /user-profile), as package
-- sqlite's user_profiles: confidence and preferences are JSON text.
CREATE TABLE user_profiles (
	id                   text COLLATE "C" PRIMARY KEY,
	primary_archetype    text NOT NULL,
	archetype_confidence text NOT NULL,
	preferences          text NOT NULL,
	updated_at           text NOT NULL
);
