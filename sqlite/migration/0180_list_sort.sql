-- 0180 (issue 12): the Analyst's column sorts (GET /communications?sort=
-- urgency, sender, deadline and their - forms). The index holds every
-- column those sorts order by, so FindItems orders one owner's ids from
-- the index alone and reads the bodies of one page only, instead of
-- every row (whose later columns sit past the body). Subject has no
-- column (it is in the body), so sort=subject still reads every row.
CREATE INDEX items_sort ON items (owner, urgency, deadline, sender, sender_id, ts, id);
