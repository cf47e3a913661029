-- How and when the customer signed in for each device session (OpenID Connect `amr` and
-- `auth_time`): what happened in that session, which refreshes and single sign-on repeat,
-- never the credential's current settings. Sessions older than this migration are taken as
-- signed in by password when they started: a credential that requires a second factor is asked
-- for it at its next authorization.
ALTER TABLE devices ADD COLUMN amr text NOT NULL DEFAULT 'pwd';
ALTER TABLE devices ALTER COLUMN amr DROP DEFAULT;
ALTER TABLE devices ADD COLUMN auth_time timestamptz;
UPDATE devices SET auth_time = created_at;
ALTER TABLE devices ALTER COLUMN auth_time SET NOT NULL;
