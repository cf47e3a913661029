-- Operators' TOTP enrollments (`/api/v1/totp`): the sibling of each tenant's `totp_secrets`, for
-- the security service's operators, which live in `public`. The active secret is the one an
-- authenticator app has proved it holds (two codes of the set-up check); a pending one waits for
-- its proof and then replaces it. Secrets are encrypted (AEAD, key from LATCHKEY_DATA_KEY, bound
-- to the operator's id), never stored in clear. An operator's enrollment dies with it.
CREATE TABLE operator_totp_secrets (
    operator_id     uuid PRIMARY KEY REFERENCES operators (id) ON DELETE CASCADE,
    active_secret   bytea CHECK (octet_length(active_secret) BETWEEN 28 AND 1024),
    activated_at    timestamptz,
    pending_secret  bytea CHECK (octet_length(pending_secret) BETWEEN 28 AND 1024),
    pending_at      timestamptz,
    CHECK ((active_secret IS NULL) = (activated_at IS NULL)),
    CHECK ((pending_secret IS NULL) = (pending_at IS NULL))
);
