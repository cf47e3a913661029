DROP FUNCTION exchange_refresh(uuid, timestamptz, bytea, text, uuid, bytea);
