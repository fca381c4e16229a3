-- 0120 (issue 12): full-text search and the reader's triage state.
--
-- search_docs holds the text of each item that search reads: the item's
-- own fields and what only the ingest knows (the body, the recipients, the
-- number of attachments). It is written in the same transaction as the
-- item (CreateItem, UpdateItem, DeleteItem), so the index never lags the
-- table and a deleted communication leaves no text behind. Its INTEGER
-- PRIMARY KEY is the index's rowid: stable across VACUUM, unlike the
-- implicit rowid of items.
CREATE TABLE search_docs (
	docid       INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	subject     TEXT NOT NULL DEFAULT '',
	body        TEXT NOT NULL DEFAULT '',
	sender      TEXT NOT NULL DEFAULT '',
	people      TEXT NOT NULL DEFAULT '',
	entities    TEXT NOT NULL DEFAULT '',
	phrases     TEXT NOT NULL DEFAULT '',
	owner       TEXT NOT NULL DEFAULT '',
	attachments INTEGER NOT NULL DEFAULT 0
);

-- search is the FTS5 index over search_docs (external content: the text
-- is stored once). Porter stemming lets "invoices" find "invoice";
-- diacritics are folded. secure-delete removes a deleted document's
-- tokens from the index at once, not at the next merge. The rank weighs a
-- match in the subject or sender above one in the body (bm25). owner is
-- one token, "o" and the owner id in hex, so that the index itself keeps
-- to one user's documents (the query checks items.owner too).
CREATE VIRTUAL TABLE search USING fts5(
	subject, body, sender, people, entities, phrases, owner,
	content = 'search_docs', content_rowid = 'docid',
	tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO search (search, rank) VALUES ('secure-delete', 1);
INSERT INTO search (search, rank) VALUES ('rank', 'bm25(6.0, 1.0, 4.0, 2.0, 2.0, 3.0, 0.0)');

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
	INSERT INTO search (rowid, subject, body, sender, people, entities, phrases, owner)
	VALUES (new.docid, new.subject, new.body, new.sender, new.people, new.entities, new.phrases, new.owner);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
	INSERT INTO search (search, rowid, subject, body, sender, people, entities, phrases, owner)
	VALUES ('delete', old.docid, old.subject, old.body, old.sender, old.people, old.entities, old.phrases, old.owner);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE OF subject, body, sender, people, entities, phrases, owner ON search_docs BEGIN
	INSERT INTO search (search, rowid, subject, body, sender, people, entities, phrases, owner)
	VALUES ('delete', old.docid, old.subject, old.body, old.sender, old.people, old.entities, old.phrases, old.owner);
	INSERT INTO search (rowid, subject, body, sender, people, entities, phrases, owner)
	VALUES (new.docid, new.subject, new.body, new.sender, new.people, new.entities, new.phrases, new.owner);
END;

-- Items stored before this migration are indexed by what their row holds;
-- their bodies are in the object store and come in with a reindex.
INSERT INTO search_docs (id, subject, sender, entities, phrases, owner, attachments)
SELECT id,
	COALESCE(json_extract(body, '$.subject'), ''),
	trim(sender || ' ' || sender_id),
	COALESCE((SELECT group_concat(json_extract(e.value, '$.Text'), ' ') FROM json_each(body, '$.dimensions.entities') e), ''),
	COALESCE((SELECT group_concat(json_extract(k.value, '$.Text'), ' ') FROM json_each(body, '$.dimensions.keyPhrases') k), ''),
	'o' || lower(hex(owner)),
	COALESCE(json_extract(body, '$.dimensions.visual.visualElements.attachments'), 0)
FROM items;

-- timers are the durable wake-ups of snoozed items: one row per snoozed
-- item, written in the transaction that snoozes it and deleted in the one
-- that wakes it (a MODIFY record), so a wake-up that fell due while the
-- server was down fires once when it starts.
CREATE TABLE timers (
	id  TEXT PRIMARY KEY,
	due TEXT NOT NULL
);
CREATE INDEX timers_due ON timers (due, id);

-- The triage state as filter columns (copied from body like the others):
-- state is '', 'done' or 'snoozed'; state_until is when a snooze ends.
ALTER TABLE items ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN state_until TEXT NOT NULL DEFAULT '';
CREATE INDEX items_state ON items (owner, state, ts, id);
