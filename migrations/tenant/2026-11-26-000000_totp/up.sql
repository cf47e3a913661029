-- TOTP enrollments: one row per credential (by id: a username deleted and created again is a new
-- credential, without the old one's authenticator). The active secret is the one an
-- authenticator app has proved it holds; a pending one waits for its first valid code and then
-- replaces it. Secrets are encrypted (AEAD, key from LATCHKEY_DATA_KEY, bound to the org and
-- credential id), never stored in clear.
CREATE TABLE totp_secrets (
    -- No foreign key: credentials are only soft-deleted, and a deleted one is never looked up.
    credential_id   uuid PRIMARY KEY,
    active_secret   bytea CHECK (octet_length(active_secret) BETWEEN 28 AND 1024),
    activated_at    timestamptz,
    pending_secret  bytea CHECK (octet_length(pending_secret) BETWEEN 28 AND 1024),
    pending_at      timestamptz,
    CHECK ((active_secret IS NULL) = (activated_at IS NULL)),
    CHECK ((pending_secret IS NULL) = (pending_at IS NULL))
);
