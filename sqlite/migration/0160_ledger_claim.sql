-- 0160 (issue 16): the ledger's claim. A notification is claimed before it
-- is published (state 'sending', lease_until) and marked 'sent' after; a
-- claim whose lease ran out is taken over (attempts counts the claims).
-- Entries from before this migration were all sent.
ALTER TABLE ledger ADD COLUMN state TEXT NOT NULL DEFAULT 'sent';
ALTER TABLE ledger ADD COLUMN lease_until TEXT;
ALTER TABLE ledger ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
