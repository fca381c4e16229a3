-- 0004: the rate limits shared by the api processes of a cluster
-- (issue 11; postgres/ratelimit.go). One row per limit, caller and fixed
-- window: the requests allowed in it, counted by one upsert per request;
-- a sliding window weighs the previous row in. The table is UNLOGGED:
-- the counts are worth two windows at most, so they skip the WAL
-- (cheaper per request) and are lost on a crash or a failover, which
-- only gives callers a fresh window.
-- Version 0003 is another change's (a process registry); migrate applies
-- every version the database lacks, so either may be applied first.
CREATE UNLOGGED TABLE rate_limit_windows (
	name       text COLLATE "C" NOT NULL,
	caller     bytea NOT NULL,
	win        bigint NOT NULL,
	hits       integer NOT NULL,
	expires_at timestamptz NOT NULL,
	PRIMARY KEY (name, caller, win)
);
-- The periodic sweep deletes the rows no count reads any more.
CREATE INDEX rate_limit_windows_expires ON rate_limit_windows (expires_at);
