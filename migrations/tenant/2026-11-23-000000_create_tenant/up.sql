-- The template of a tenant's schema: applied to `"tenant_<org>"` with `search_path` set to it,
-- so every name here is unqualified.

CREATE TABLE credentials (
    id             uuid PRIMARY KEY,
    -- E-mail usernames are stored lower-cased (the domain normalises them), so uniqueness is
    -- case-insensitive for them; plain identifiers keep their case, as the spec says.
    username       text COLLATE "C" NOT NULL
                   CHECK (position('@' IN username) = 0 OR username = lower(username)),
    enabled        boolean NOT NULL,
    require2fa     boolean NOT NULL,
    crm            text NOT NULL,
    customer_id    text,
    msisdn         text CHECK (msisdn ~ '^\+[1-9][0-9]{1,14}$'),
    -- argon2id PHC string; NULL until a password is set.
    password_hash  text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    last_login_at  timestamptz,
    -- Soft delete: a deleted credential keeps its row but frees its username.
    deleted_at     timestamptz
);

-- At most one live credential per username; serves `find` (username = $1 AND deleted_at IS NULL).
CREATE UNIQUE INDEX credentials_live_username ON credentials (username) WHERE deleted_at IS NULL;

CREATE TABLE security_tokens (
    id           uuid PRIMARY KEY,
    -- The username the token was issued for (not a foreign key: tokens outlive renames by design
    -- and a deleted credential's tokens are removed by the service).
    subject      text COLLATE "C" NOT NULL,
    purpose      text NOT NULL CHECK (purpose IN ('set_password', 'change_password', 'magic_link')),
    -- SHA-256 of the token's secret part; the secret itself is never stored.
    secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- Serves `delete_for_subject` (subject = $1 AND purpose = ANY($2)).
CREATE INDEX security_tokens_subject ON security_tokens (subject, purpose);
