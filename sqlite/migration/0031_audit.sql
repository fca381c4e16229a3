-- The audit log of admin actions (issue 17, item 5): who did what to which
-- thing, from where, and how it ended. No secret is ever stored here: not a
-- key, a password, a session id or a CSRF token. Rows are only appended.

-- audit_log is one row per audited action. user_id is the principal's user
-- (for the CLI, the OS user); key_id the public id of the API key used, or
-- ''; via is key, session, open or cli; outcome is ok or an error code;
-- detail a JSON object or NULL.
CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	at        TEXT NOT NULL,
	user_id   TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	via       TEXT NOT NULL,
	action    TEXT NOT NULL,
	target    TEXT NOT NULL,
	outcome   TEXT NOT NULL,
	client_ip TEXT NOT NULL,
	detail    TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
