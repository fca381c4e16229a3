-- 0130 (issue 13): people's notification rules. A rule is an item of the
-- table in its owner's partition (SK "RULE#<id>"); each write appends a
-- stream record in the same transaction, as item writes do. body is the
-- rule's JSON (doctales.Rule); ord copies its order for sorting.
CREATE TABLE rules (
	owner      TEXT NOT NULL,
	id         TEXT NOT NULL,
	ord        INTEGER NOT NULL,
	body       TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (owner, id)
);
