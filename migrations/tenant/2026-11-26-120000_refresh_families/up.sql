-- A refresh token becomes one row per device session and client whose secret is replaced on
-- every rotation (one in-place update), instead of a new row per rotation with the old one
-- marked used: the token's id stays, only its secret changes. Any other secret presented with
-- that id is a rotated token presented again (the id is known only to holders of the family's
-- tokens), and ends the session.
DROP FUNCTION exchange_refresh(uuid, timestamptz, bytea, text, uuid, bytea);
DELETE FROM refresh_tokens WHERE used_at IS NOT NULL;
ALTER TABLE refresh_tokens DROP COLUMN used_at;
ALTER TABLE refresh_tokens ADD COLUMN rotated_at timestamptz;
-- Rotations change no indexed column: room left in each page lets PostgreSQL update the row in
-- place (a heap-only tuple, no index entry written).
ALTER TABLE refresh_tokens SET (fillfactor = 70);
