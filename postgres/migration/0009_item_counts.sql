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
-- (doctales_item_counts_shard, the backend's pid modulo 16), and a count
-- is the sum of its shards. A shard's n may be negative (an item counted
-- in one session and deleted in another); only the sum is the count.
--
-- Triggers on items keep it, in the writer's statement and transaction,
-- so that no write path can forget it and a count commits or rolls back
-- with its row. Each trigger's upsert takes its rows in one order
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
LANGUAGE sql STABLE AS $$ SELECT (pg_backend_pid() % 16)::smallint $$;

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

-- An update moves the item from its old values to its new ones: every
-- count when the owner changed (an adoption), else only the columns that
-- changed, so that an extraction's status change does not touch the
-- owner's "all" row.
CREATE FUNCTION doctales_item_counts_au() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	d      text[] := ARRAY['', 'project', 'type', 'urgency', 'status', 'state'];
	ov     text[] := ARRAY['', OLD.project, OLD.type, OLD.urgency, OLD.status, OLD.state];
	nv     text[] := ARRAY['', NEW.project, NEW.type, NEW.urgency, NEW.status, NEW.state];
	owners text[] := '{}';
	dims   text[] := '{}';
	vals   text[] := '{}';
	deltas bigint[] := '{}';
BEGIN
	FOR i IN 1..6 LOOP
		IF OLD.owner IS DISTINCT FROM NEW.owner OR ov[i] IS DISTINCT FROM nv[i] THEN
			owners := owners || OLD.owner || NEW.owner;
			dims   := dims || d[i] || d[i];
			vals   := vals || ov[i] || nv[i];
			deltas := deltas || (-1)::bigint || 1::bigint;
		END IF;
	END LOOP;
	PERFORM doctales_item_counts_add(owners, dims, vals, deltas);
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
-- UpdateItem writes every column: the WHEN skips the trigger's call when
-- none of the counted ones changed.
CREATE TRIGGER item_counts_au AFTER UPDATE OF owner, project, type, urgency, status, state ON items
	FOR EACH ROW
	WHEN (OLD.owner IS DISTINCT FROM NEW.owner OR OLD.project IS DISTINCT FROM NEW.project
		OR OLD.type IS DISTINCT FROM NEW.type OR OLD.urgency IS DISTINCT FROM NEW.urgency
		OR OLD.status IS DISTINCT FROM NEW.status OR OLD.state IS DISTINCT FROM NEW.state)
	EXECUTE FUNCTION doctales_item_counts_au();

-- Open counts the stored '' plus the snoozes that have ended (and that
-- nothing has woken: the PostgreSQL table keeps state 'snoozed' after
-- state_until); this index finds those without reading the owner's
-- other items, and serves state=snoozed lists' counts too.
CREATE INDEX items_snoozed ON items (owner, state_until) WHERE state = 'snoozed';
