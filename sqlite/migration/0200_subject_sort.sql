-- 0200 (issue 15): sort=subject and sort=-subject at 1,000,000
-- communications. The subject has no column (it is in the item's JSON
-- body), so those sorts read every row of the owner and sorted them for
-- each page; the other column sorts got an index holding their ORDER BY
-- in 0190. These two hold the subject sorts' (subjectKey in table.go):
-- the expressions must stay the same text as there, which
-- TestFindItems_SortsUseIndex checks through each sort's plan.
--
-- The key is the subject's first 200 characters (a subject may be far
-- longer; two copies of it in indexes would triple its cost); subjects
-- that share them are in time order.
--
-- Cost: one more pair of index entries per item (the lowered subject,
-- a few dozen bytes each), and an existing table builds them at its first
-- start after the upgrade.
CREATE INDEX items_sort_subject ON items (owner,
	(lower(substr(coalesce(json_extract(body, '$.subject'), ''), 1, 200)) = ''),
	lower(substr(coalesce(json_extract(body, '$.subject'), ''), 1, 200)), ts DESC, id DESC);
CREATE INDEX items_sort_subject_desc ON items (owner,
	(lower(substr(coalesce(json_extract(body, '$.subject'), ''), 1, 200)) = ''),
	lower(substr(coalesce(json_extract(body, '$.subject'), ''), 1, 200)) DESC, ts DESC, id DESC);
