-- TOTP enrollments: one per credential (by id: a username deleted and created again is a new
-- credential, without the old one's authenticator). The secret is encrypted (AEAD, key from
-- LATCHKEY_DATA_KEY, bound to the org and credential id), never stored in clear.
CREATE TABLE totp_secrets (
    -- No foreign key: credentials are only soft-deleted, and a deleted one is never looked up.
    credential_id  uuid PRIMARY KEY,
    sealed_secret  bytea NOT NULL CHECK (octet_length(sealed_secret) BETWEEN 28 AND 1024),
    created_at     timestamptz NOT NULL,
    -- NULL while pending: the first valid code activates it.
    activated_at   timestamptz
);
