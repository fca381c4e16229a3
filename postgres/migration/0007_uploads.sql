-- 0007: the used upload URLs of the api processes of a cluster (issue 11;
-- postgres/uploads.go). An upload URL's terms (id, owner, size, expiry)
-- are in its signed token; what a token cannot carry is whether it was
-- used, and every api process must see that at once: one row per upload
-- whose PUT was taken, inserted by the first PUT (the primary key makes a
-- second one a conflict, from any process), deleted when its body was not
-- ingested (the URL may be sent again) and swept once its URL expired
-- (its token is refused as expired anyway).
-- Versions 0005, 0006 and 0008 are other changes'; migrate applies every
-- version the database lacks, so any may be applied first.
CREATE TABLE uploads (
	id         text COLLATE "C" PRIMARY KEY,
	owner      text COLLATE "C" NOT NULL,
	size       bigint NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at    timestamptz NOT NULL DEFAULT now()
);
-- The sweep deletes the rows of expired URLs.
CREATE INDEX uploads_expires ON uploads (expires_at);
