-- 0140 (issue 12): "needs you now" and threads.
--
-- thread_id is the conversation an item belongs to (Item.ThreadID: the
-- root Message-ID the mail parser keeps); deadline the extraction
-- engine's resolved deadline, in the fixed-width UTC form of every stored
-- time, so that string order is time order. Both are filter columns
-- copied from body, like the others, written by CreateItem and
-- UpdateItem. '' means none.
ALTER TABLE items ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN deadline TEXT NOT NULL DEFAULT '';

-- Items stored before this migration: the deadline is in their body
-- (RFC 3339, any offset), rewritten to the stored form. Their thread id
-- was never on the item (only in the stored object), so they stand alone
-- until imported again.
UPDATE items SET deadline = strftime('%Y-%m-%dT%H:%M:%f', json_extract(body, '$.dimensions.deadline')) || '000000Z'
WHERE json_extract(body, '$.dimensions.deadline') IS NOT NULL
  AND strftime('%Y-%m-%dT%H:%M:%f', json_extract(body, '$.dimensions.deadline')) IS NOT NULL;

-- GET /threads groups one owner's items by thread, newest thread first;
-- the index covers the grouping (count, first and last time).
CREATE INDEX items_thread ON items (owner, thread_id, ts, id) WHERE thread_id <> '';
-- GET /communications/now reads the deadlines within a window.
CREATE INDEX items_deadline ON items (owner, deadline) WHERE deadline <> '';
