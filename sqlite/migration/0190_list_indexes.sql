-- 0190 (issue 15): lists at 1,000,000 communications. Measured with
-- Benchmark1M (cmd/doctales), two things read every row of an owner:
--
-- 1. The Analyst's column sorts. items_sort (0180) held the columns, but
--    the ORDER BY is of expressions (an urgency rank, the sender shown,
--    whether the value is missing), so SQLite read all of the owner's
--    index entries and sorted them for each page (220 ms a page at 100,000
--    items). One index per sort holds exactly the ORDER BY of
--    columnSorts (table.go), so a page reads its rows in order and stops.
--    The expressions must stay the same text as there:
--    TestFindItems_SortsUseIndex checks each sort's plan.
-- 2. Filters with the owner: (urgency, ts, id) and the like hold no owner,
--    so SQLite took items_sort (owner, urgency, ...) and sorted every
--    matching row by time. The owner-first versions give the page in
--    order; they replace the old ones (every list has the owner).
--
-- Indexes only: no row changes, and an existing table keeps its data
-- (TestMigration0190_ExistingTable).
DROP INDEX IF EXISTS items_sort;
DROP INDEX IF EXISTS items_urgency;
DROP INDEX IF EXISTS items_project;
DROP INDEX IF EXISTS items_type;
CREATE INDEX items_owner_urgency ON items (owner, urgency, ts, id);
CREATE INDEX items_owner_project ON items (owner, project, ts, id);
CREATE INDEX items_owner_type    ON items (owner, type, ts, id);

CREATE INDEX items_sort_urgency ON items (owner,
	((CASE urgency WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) = 0),
	(CASE urgency WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) DESC, ts DESC, id DESC);
CREATE INDEX items_sort_urgency_asc ON items (owner,
	((CASE urgency WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) = 0),
	(CASE urgency WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END), ts DESC, id DESC);
CREATE INDEX items_sort_sender ON items (owner,
	(lower(CASE WHEN sender <> '' THEN sender ELSE sender_id END) = ''),
	lower(CASE WHEN sender <> '' THEN sender ELSE sender_id END), ts DESC, id DESC);
CREATE INDEX items_sort_sender_desc ON items (owner,
	(lower(CASE WHEN sender <> '' THEN sender ELSE sender_id END) = ''),
	lower(CASE WHEN sender <> '' THEN sender ELSE sender_id END) DESC, ts DESC, id DESC);
CREATE INDEX items_sort_deadline ON items (owner, (deadline = ''), deadline, ts DESC, id DESC);
CREATE INDEX items_sort_deadline_desc ON items (owner, (deadline = ''), deadline DESC, ts DESC, id DESC);
