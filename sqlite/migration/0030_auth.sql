-- Accounts, API keys and dashboard sessions (issue 17). No secret is stored
-- in clear: a password as an Argon2id hash, a key and a session id as the
-- hex SHA-256 of their random value.

-- users are the people who may sign in to the dashboard with a password.
CREATE TABLE users (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL
);

-- api_keys are the bearer keys; id is the public part of the key, scopes a
-- comma-separated list, revoked_at set once revoked (kept for the record).
CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	key_hash   TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	revoked_at TEXT
);

-- sessions are the signed-in dashboard sessions, by the hash of their id.
CREATE TABLE sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
