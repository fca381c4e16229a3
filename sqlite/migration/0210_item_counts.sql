-- 0210 (issue 15): ?total=true and the Operations page's counts in
-- constant time. CountItems counted the matching index entries on every
-- request (125,000 for one project of eight at a million communications:
-- 12.5 ms p50, 73 ms p99), and CountCommunications (GET /stats, polled by
-- the dashboard) grouped every row by status.
--
-- item_counts holds how many items each owner has (dim ''), and by each
-- value of the columns a list filters on with an equality: project, type,
-- urgency, status and state (the column as stored: '' is open unless a
-- snooze has ended, which CountItems adds from the index). CountItems
-- reads one row when the filter is the owner and at most one of those.
--
-- Triggers on items keep it, so that no write path can forget it: they run
-- in the writer's statement and transaction, so a count commits or rolls
-- back with its row. A row whose n reaches 0 is deleted: the table then
-- equals SELECT owner, dim, value, count(*) ... GROUP BY, holds no value
-- that no item has (a project renamed away), and a sum over it reads only
-- live values. Deleting costs a seek in the update and delete triggers,
-- none at insert, the ingest path.
CREATE TABLE item_counts (
	owner TEXT NOT NULL,
	dim   TEXT NOT NULL,
	value TEXT NOT NULL,
	n     INTEGER NOT NULL,
	PRIMARY KEY (owner, dim, value)
) WITHOUT ROWID;

-- The items of a table that had some before this migration.
INSERT INTO item_counts (owner, dim, value, n)
	          SELECT owner, '',        '',      count(*) FROM items GROUP BY owner
	UNION ALL SELECT owner, 'project', project, count(*) FROM items GROUP BY owner, project
	UNION ALL SELECT owner, 'type',    type,    count(*) FROM items GROUP BY owner, type
	UNION ALL SELECT owner, 'urgency', urgency, count(*) FROM items GROUP BY owner, urgency
	UNION ALL SELECT owner, 'status',  status,  count(*) FROM items GROUP BY owner, status
	UNION ALL SELECT owner, 'state',   state,   count(*) FROM items GROUP BY owner, state;

CREATE TRIGGER item_counts_ai AFTER INSERT ON items BEGIN
	INSERT INTO item_counts (owner, dim, value, n) VALUES
		(NEW.owner, '',        '',          1),
		(NEW.owner, 'project', NEW.project, 1),
		(NEW.owner, 'type',    NEW.type,    1),
		(NEW.owner, 'urgency', NEW.urgency, 1),
		(NEW.owner, 'status',  NEW.status,  1),
		(NEW.owner, 'state',   NEW.state,   1)
	ON CONFLICT (owner, dim, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER item_counts_ad AFTER DELETE ON items BEGIN
	UPDATE item_counts SET n = n - 1 WHERE owner = OLD.owner AND (dim, value) IN (VALUES
		('', ''), ('project', OLD.project), ('type', OLD.type),
		('urgency', OLD.urgency), ('status', OLD.status), ('state', OLD.state));
	DELETE FROM item_counts WHERE owner = OLD.owner AND n = 0 AND (dim, value) IN (VALUES
		('', ''), ('project', OLD.project), ('type', OLD.type),
		('urgency', OLD.urgency), ('status', OLD.status), ('state', OLD.state));
END;

-- An update moves the item from its old values to its new ones. Only
-- when a counted column changed (UpdateItem writes every column): the
-- unchanged ones go -1 then +1, which leaves them as they were, and the
-- delete runs after the increments so that none of them is lost.
CREATE TRIGGER item_counts_au AFTER UPDATE OF owner, project, type, urgency, status, state ON items
WHEN OLD.owner IS NOT NEW.owner OR OLD.project IS NOT NEW.project OR OLD.type IS NOT NEW.type
	OR OLD.urgency IS NOT NEW.urgency OR OLD.status IS NOT NEW.status OR OLD.state IS NOT NEW.state
BEGIN
	UPDATE item_counts SET n = n - 1 WHERE owner = OLD.owner AND (dim, value) IN (VALUES
		('', ''), ('project', OLD.project), ('type', OLD.type),
		('urgency', OLD.urgency), ('status', OLD.status), ('state', OLD.state));
	INSERT INTO item_counts (owner, dim, value, n) VALUES
		(NEW.owner, '',        '',          1),
		(NEW.owner, 'project', NEW.project, 1),
		(NEW.owner, 'type',    NEW.type,    1),
		(NEW.owner, 'urgency', NEW.urgency, 1),
		(NEW.owner, 'status',  NEW.status,  1),
		(NEW.owner, 'state',   NEW.state,   1)
	ON CONFLICT (owner, dim, value) DO UPDATE SET n = n + 1;
	DELETE FROM item_counts WHERE owner = OLD.owner AND n = 0 AND (dim, value) IN (VALUES
		('', ''), ('project', OLD.project), ('type', OLD.type),
		('urgency', OLD.urgency), ('status', OLD.status), ('state', OLD.state));
END;
