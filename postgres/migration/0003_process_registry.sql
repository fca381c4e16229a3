-- 0003: the process registry (issue 11). Each process of a cluster
-- (serve --role ... --postgres) registers here at start, refreshes
-- last_seen on a heartbeat and deletes its row on a clean shutdown, so
-- that `doctales status --postgres` can list the running processes and
-- ask each for its /stats at the address it serves. A row whose
-- last_seen is older than three of its own heartbeats belongs to a
-- process that died without a word (kill -9, its machine gone): status
-- shows it as lost, and the live processes delete it after a while.
-- IF NOT EXISTS: the table holds nothing a process would not write again
-- at its next heartbeat, so applying this twice (a test that rolls the
-- schema back past it) must not fail.

CREATE TABLE IF NOT EXISTS processes (
	id           text COLLATE "C" PRIMARY KEY,
	role         text NOT NULL,
	partition    text NOT NULL,      -- "i/n", or '' for the whole
	host         text NOT NULL,      -- os.Hostname of the process
	pid          integer NOT NULL,
	address      text NOT NULL,      -- host:port of its /stats, /readyz and /metrics
	version      text NOT NULL,
	heartbeat_ms integer NOT NULL,   -- how often it refreshes last_seen
	started_at   timestamptz NOT NULL,
	last_seen    timestamptz NOT NULL -- the database's clock, not the process's
);
CREATE INDEX IF NOT EXISTS processes_last_seen ON processes (last_seen);
