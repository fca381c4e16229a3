-- 0002: users, API keys, dashboard sessions and the audit log (issue 17),
-- shared by every api process of a cluster (issue 11), with the same
-- columns as package sqlite's migrations 0030 and 0031. No secret is
-- stored in clear: a password as an Argon2id hash, an API key and a
-- session id as the hex SHA-256 of their random value. The ack links'
-- key (meta 'ack_key') is written at Open from crypto/rand, not here:
-- SQL has no cryptographic random source without an extension.

-- users are the people who may sign in to the dashboard with a password.
CREATE TABLE users (
	name          text COLLATE "C" PRIMARY KEY,
	password_hash text NOT NULL,
	created_at    timestamptz NOT NULL
);

-- api_keys are the bearer keys; id is the public part of the key, scopes
-- a comma-separated list, revoked_at set once revoked (kept for the
-- record).
CREATE TABLE api_keys (
	id         text COLLATE "C" PRIMARY KEY,
	key_hash   text NOT NULL UNIQUE,
	user_id    text NOT NULL,
	scopes     text NOT NULL,
	created_at timestamptz NOT NULL,
	revoked_at timestamptz
);
CREATE INDEX api_keys_live_user ON api_keys (user_id) WHERE revoked_at IS NULL;

-- sessions are the signed-in dashboard sessions, by the hash of their id.
CREATE TABLE sessions (
	id_hash    text PRIMARY KEY,
	user_id    text NOT NULL,
	scopes     text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);

-- audit_log is one row per audited action. user_id is the principal's
-- user (for the CLI, the OS user); key_id the public id of the API key
-- used, or ''; via is key, session, open or cli; outcome is ok or an
-- error code; detail a JSON object as text (JSON's \u0000 is valid there,
-- not in jsonb) or NULL.
CREATE TABLE audit_log (
	seq       bigserial PRIMARY KEY,
	at        timestamptz NOT NULL,
	user_id   text NOT NULL,
	key_id    text NOT NULL,
	via       text NOT NULL,
	action    text NOT NULL,
	target    text NOT NULL,
	outcome   text NOT NULL,
	client_ip text NOT NULL,
	detail    text
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, seq);
