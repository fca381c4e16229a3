-- 0006: an index of the log by key, for PurgeCommunication (postgres/purge.go):
-- a delete, and each communication the retention sweep deletes, redacts the
-- log records keyed by the communication's id, and the log (the cluster's
-- outbox) is not compacted, so without it each purge would read the whole
-- log. It costs one more index entry per appended record.
-- Versions 0005, 0007 and 0008 are other changes'; migrate applies every
-- version the database lacks, so they may be applied in any order.
CREATE INDEX log_key ON log (key);
