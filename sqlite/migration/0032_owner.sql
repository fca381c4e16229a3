-- 0032: every communication belongs to a user (issue 17, the original's
-- USER#<id> partition). Items stored before have no owner in their body and
-- belong to the default user, the one an open server acts as.
ALTER TABLE items ADD COLUMN owner TEXT NOT NULL DEFAULT 'default-user';
CREATE INDEX items_owner ON items (owner, ts, id);

-- deleted keeps the ids removed by DELETE /communications/{id} or the
-- retention sweep, so that an extraction still in flight for a deleted
-- communication does not bring it back as "recovered". A new ingest of the
-- same id clears its row.
CREATE TABLE deleted (
	id    TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	at    TEXT NOT NULL
);
