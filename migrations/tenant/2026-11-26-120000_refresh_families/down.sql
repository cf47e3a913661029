ALTER TABLE refresh_tokens RESET (fillfactor);
ALTER TABLE refresh_tokens DROP COLUMN rotated_at;
ALTER TABLE refresh_tokens ADD COLUMN used_at timestamptz;
CREATE FUNCTION exchange_refresh(
    p_id uuid, p_now timestamptz, p_hash bytea, p_client text, p_new uuid, p_new_hash bytea
) RETURNS TABLE (
    id uuid, device_id uuid, client_id text, secret_hash bytea, scope text, auth_time bigint,
    created_at timestamptz, expires_at timestamptz, used_at timestamptz, credential_id uuid,
    rotated boolean
) LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t refresh_tokens%ROWTYPE;
BEGIN
    SELECT r.* INTO t FROM refresh_tokens r WHERE r.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF t.used_at IS NULL AND t.expires_at > p_now AND t.secret_hash = p_hash
       AND t.client_id = p_client THEN
        UPDATE refresh_tokens r SET used_at = p_now WHERE r.id = p_id;
        INSERT INTO refresh_tokens
            (id, device_id, credential_id, client_id, secret_hash, scope, auth_time, created_at,
             expires_at, used_at)
        VALUES (p_new, t.device_id, t.credential_id, t.client_id, p_new_hash, t.scope,
                t.auth_time, p_now, t.expires_at, NULL);
        RETURN QUERY SELECT t.id, t.device_id, t.client_id, t.secret_hash, t.scope, t.auth_time,
            t.created_at, t.expires_at, t.used_at, t.credential_id, true;
    ELSE
        RETURN QUERY SELECT t.id, t.device_id, t.client_id, t.secret_hash, t.scope, t.auth_time,
            t.created_at, t.expires_at, t.used_at, t.credential_id, false;
    END IF;
END
$$;
