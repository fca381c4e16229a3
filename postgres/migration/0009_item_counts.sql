-- 0009 (issue 15): lists' total (GET /communications?total=true) and the
-- Operations page's counts (GET /stats) from counters, as the SQLite
-- table does since its migration 0210, instead of counting up to a
-- million rows on each request.
--
-- item_counts holds how many items each owner has (dim ''), and by each
-- value of the columns a list filters on with an equality: project, type,
-- urgency, status and state (the column as stored: '' is open unless a
-- snooze has ended, which CountItems adds through items_snoozed).
--
-- Unlike SQLite, PostgreSQL runs many writers at once, and a counter row
-- is locked from its update to the writer's commit, WAL flush included:
-- with one row per count, every CreateItem of an owner would wait for the
-- commit of the one before (its "all" row, its type, status and state
-- rows are the same), and group commit would be lost. So each count is
-- split in shards: a writer adds to the shard of its session
-- (doctales_item_counts_shard, the backend's pid modulo 64), and a count
-- is the sum of its shards. A shard's n may be negative (an item counted
-- in one session and deleted in another); only the sum is the count.
--
-- Triggers on items keep it, in the writer's statement and transaction,
-- so that no write path can forget it and a count commits or rolls back
-- with its row. Each call's upsert takes its rows in one order
-- (owner, dim, value), so that two writers on one shard wait for each
-- other instead of deadlocking. A shard row whose n reaches 0 is deleted
-- by the same call, while it still holds the row's lock: a concurrent
-- upsert of that row waits for the commit and then inserts it again
-- (INSERT ... ON CONFLICT retries when the row it conflicted with is
-- gone), so no count is lost.
CREATE TABLE item_counts (
	owner text NOT NULL,
	dim   text NOT NULL,
	value text NOT NULL,
	shard smallint NOT NULL,
	n     bigint NOT NULL,
	PRIMARY KEY (owner, dim, value, shard)
) WITH (fillfactor = 50); -- room for HOT updates of n on the same page

-- doctales_item_counts_shard is the shard this session's writes count in.
CREATE FUNCTION doctales_item_counts_shard() RETURNS smallint
LANGUAGE sql STABLE AS $$ SELECT (pg_backend_pid() % 64)::smallint $$;

-- doctales_item_counts_add adds deltas[i] to the count of (owners[i],
-- dims[i], vals[i]) in this session's shard, in key order, and deletes
-- the shard rows that reach 0. The keys must be distinct (an upsert
-- cannot change one row twice).
CREATE FUNCTION doctales_item_counts_add(owners text[], dims text[], vals text[], deltas bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	s    smallint := doctales_item_counts_shard();
	zero boolean;
BEGIN
	WITH up AS (
		INSERT INTO item_counts AS c (owner, dim, value, shard, n)
		SELECT u.o, u.d, u.v, s, u.dn FROM unnest(owners, dims, vals, deltas) AS u(o, d, v, dn)
		ORDER BY u.o, u.d, u.v
		ON CONFLICT (owner, dim, value, shard) DO UPDATE SET n = c.n + excluded.n
		RETURNING c.n
	)
	SELECT coalesce(bool_or(up.n = 0), false) INTO zero FROM up;
	IF zero THEN
		DELETE FROM item_counts c USING unnest(owners, dims, vals) AS u(o, d, v)
		WHERE c.owner = u.o AND c.dim = u.d AND c.value = u.v AND c.shard = s AND c.n = 0;
	END IF;
END
$$;

-- An insert and a delete count their row: one call per row, six counts
-- up or down. Every write path of Doctales inserts and deletes one item a
-- statement and a transaction (CreateItem, DeleteItem). A load of many
-- rows in one transaction would update each count row once per row, and
-- each update walks past the versions the transaction left before it
-- (they die only at the commit): the cost grows as the square of the
-- rows. For such a load, disable the triggers (ALTER TABLE items DISABLE
-- TRIGGER USER), load, enable them and call RebuildItemCounts.
CREATE FUNCTION doctales_item_counts_ai() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM doctales_item_counts_add(
		ARRAY[NEW.owner, NEW.owner, NEW.owner, NEW.owner, NEW.owner, NEW.owner],
		ARRAY['', 'project', 'type', 'urgency', 'status', 'state'],
		ARRAY['', NEW.project, NEW.type, NEW.urgency, NEW.status, NEW.state],
		ARRAY[1, 1, 1, 1, 1, 1]::bigint[]);
	RETURN NULL;
END
$$;

CREATE FUNCTION doctales_item_counts_ad() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM doctales_item_counts_add(
		ARRAY[OLD.owner, OLD.owner, OLD.owner, OLD.owner, OLD.owner, OLD.owner],
		ARRAY['', 'project', 'type', 'urgency', 'status', 'state'],
		ARRAY['', OLD.project, OLD.type, OLD.urgency, OLD.status, OLD.state],
		ARRAY[-1, -1, -1, -1, -1, -1]::bigint[]);
	RETURN NULL;
END
$$;

-- An update is counted once per statement, from its transition tables:
-- each item moves from its old values to its new ones, grouped by count,
-- and the unchanged ones cancel out (HAVING), so an update that changes
-- no counted column (UpdateItem writes every column) writes nothing to
-- item_counts, as a WHEN would skip it. Per statement because
-- AdoptOpenItems (the first user takes the open mode's items) moves
-- every item of the default owner in one transaction, 500 a statement:
-- with a trigger per row, each item updated the owner's count rows once,
-- and the time grew as the square of the items (2,000 adopted in 1.7 s,
-- 8,000 in 32 s, against 0.17 s and 1.0 s without the counts).
CREATE FUNCTION doctales_item_counts_au() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	owners text[];
	dims   text[];
	vals   text[];
	deltas bigint[];
BEGIN
	SELECT array_agg(x.o), array_agg(x.d), array_agg(x.v), array_agg(x.n) INTO owners, dims, vals, deltas FROM (
		SELECT m.o, m.d, m.v, sum(m.n)::bigint FROM (
			SELECT i.owner, c.dim, c.value, -1 FROM old_items i CROSS JOIN LATERAL (VALUES
				('', ''), ('project', i.project), ('type', i.type), ('urgency', i.urgency), ('status', i.status), ('state', i.state)
			) AS c(dim, value)
			UNION ALL
			SELECT i.owner, c.dim, c.value, 1 FROM new_items i CROSS JOIN LATERAL (VALUES
				('', ''), ('project', i.project), ('type', i.type), ('urgency', i.urgency), ('status', i.status), ('state', i.state)
			) AS c(dim, value)
		) AS m(o, d, v, n) GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
	) AS x(o, d, v, n);
	IF owners IS NOT NULL THEN
		PERFORM doctales_item_counts_add(owners, dims, vals, deltas);
	END IF;
	RETURN NULL;
END
$$;

-- The items of a table that had some before this migration, in shard 0:
-- writers are kept out from the count to the triggers' creation, so that
-- no write is counted twice or missed.
LOCK TABLE items IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO item_counts (owner, dim, value, shard, n)
	          SELECT owner, '',        '',      0, count(*) FROM items GROUP BY owner
	UNION ALL SELECT owner, 'project', project, 0, count(*) FROM items GROUP BY owner, project
	UNION ALL SELECT owner, 'type',    type,    0, count(*) FROM items GROUP BY owner, type
	UNION ALL SELECT owner, 'urgency', urgency, 0, count(*) FROM items GROUP BY owner, urgency
	UNION ALL SELECT owner, 'status',  status,  0, count(*) FROM items GROUP BY owner, status
	UNION ALL SELECT owner, 'state',   state,   0, count(*) FROM items GROUP BY owner, state;

CREATE TRIGGER item_counts_ai AFTER INSERT ON items
	FOR EACH ROW EXECUTE FUNCTION doctales_item_counts_ai();
CREATE TRIGGER item_counts_ad AFTER DELETE ON items
	FOR EACH ROW EXECUTE FUNCTION doctales_item_counts_ad();
-- Every update statement (a statement trigger with transition tables
-- takes no column list nor WHEN: the function's HAVING skips what changes
-- no count).
CREATE TRIGGER item_counts_au AFTER UPDATE ON items REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
	FOR EACH STATEMENT EXECUTE FUNCTION doctales_item_counts_au();

-- Open counts the stored '' plus the snoozes that have ended (and that
-- nothing has woken: the PostgreSQL table keeps state 'snoozed' after
-- state_until); this index finds those without reading the owner's
-- other items, and serves state=snoozed lists' counts too.
CREATE INDEX items_snoozed ON items (owner, state_until) WHERE state = 'snoozed';
