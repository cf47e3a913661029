-- The directory shared by every tenant: tenants, API clients and JWT signing keys.
-- Ids compare byte-wise (COLLATE "C"), so `ORDER BY id` is the same order on every server.

CREATE TABLE tenants (
    id          text COLLATE "C" PRIMARY KEY
                CHECK (id ~ '^[a-z][a-z0-9_-]{1,39}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    enabled     boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE api_clients (
    id           text COLLATE "C" PRIMARY KEY,
    name         text NOT NULL,
    -- SHA-256 of the client secret; the secret itself is never stored.
    secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    scopes       text[] NOT NULL,
    -- `all_orgs` is the wildcard `*`; otherwise `orgs` lists the org ids the client may act on.
    all_orgs     boolean NOT NULL,
    orgs         text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    CHECK (NOT all_orgs OR cardinality(orgs) = 0)
);

CREATE TABLE signing_keys (
    kid            text COLLATE "C" PRIMARY KEY,
    algorithm      text NOT NULL CHECK (algorithm IN ('ES256')),
    private_pkcs8  bytea NOT NULL,
    created_at     timestamptz NOT NULL
);
