-- Access tokens revoked before their expiry (RFC 7009), by `jti`. A row is needed only until the
-- token expires (an expired token is refused anyway), so `expires_at` bounds its use.
CREATE TABLE revoked_access_tokens (
    jti         uuid PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
