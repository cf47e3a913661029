-- TOTP enrollments: one per username. The secret is encrypted (AEAD, key from LATCHKEY_DATA_KEY,
-- bound to the org and username), never stored in clear.
CREATE TABLE totp_secrets (
    username       text COLLATE "C" PRIMARY KEY,
    sealed_secret  bytea NOT NULL CHECK (octet_length(sealed_secret) BETWEEN 28 AND 1024),
    created_at     timestamptz NOT NULL,
    -- NULL while pending: the first valid code activates it.
    activated_at   timestamptz
);
