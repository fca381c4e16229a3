-- user_profiles holds each dashboard user's profile (GET/PUT /user-profile):
-- the primary archetype, the confidence in each archetype as a JSON object
-- and the dashboard's preferences as a JSON object.
CREATE TABLE user_profiles (
	id                   TEXT PRIMARY KEY,
	primary_archetype    TEXT NOT NULL,
	archetype_confidence TEXT NOT NULL,
	preferences          TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);
