-- The security service's operators (`/api/v1/users`), their API keys and their sign-in sessions.
-- An operator's keys and sessions die with it (ON DELETE CASCADE): a delete is one statement.

CREATE TABLE operators (
    id                       uuid PRIMARY KEY,
    -- Stored lower-cased (the domain lower-cases every address), so the unique constraint is the
    -- case-insensitive uniqueness of e-mails. Compared byte-wise.
    email                    text COLLATE "C" NOT NULL CHECK (email = lower(email)),
    name                     text NOT NULL,
    description              text NOT NULL,
    role                     text NOT NULL CHECK (role IN ('root', 'admin', 'subscriber', 'csr',
                                 'system', 'installer', 'noc', 'accounting', 'partner')),
    -- The org it administers (an org id; not necessarily a tenant here, so no foreign key).
    owner                    text,
    locale                   text NOT NULL,
    location                 text NOT NULL,
    -- [{"created": RFC 3339, "created_by": text, "note": text}], oldest first.
    notes                    jsonb NOT NULL CHECK (jsonb_typeof(notes) = 'array'),
    suspended                boolean NOT NULL,
    blacklisted              boolean NOT NULL,
    validated                boolean NOT NULL,
    validation_date          timestamptz,
    waiting_for_email_check  boolean NOT NULL,
    change_password          boolean NOT NULL,
    mfa                      text CHECK (mfa IN ('sms', 'email', 'authenticator')),
    -- [{"number": E.164, "verified": bool, "primary": bool}].
    mobiles                  jsonb NOT NULL CHECK (jsonb_typeof(mobiles) = 'array'),
    last_login               timestamptz,
    -- argon2id PHC strings: the current password, and the last ones newest first (the current
    -- one included), as a JSON array of strings.
    password_hash            text NOT NULL,
    password_history         jsonb NOT NULL CHECK (jsonb_typeof(password_history) = 'array'),
    last_password_change     timestamptz NOT NULL,
    created                  timestamptz NOT NULL,
    created_by               text NOT NULL,
    modified                 timestamptz NOT NULL,
    modified_by              text NOT NULL,
    CONSTRAINT operators_email_unique UNIQUE (email)
);

-- Listings are ordered by (created, id).
CREATE INDEX operators_created ON operators (created, id);
-- The live roots, locked by every write that could leave none.
CREATE INDEX operators_live_roots ON operators (id) WHERE role = 'root' AND NOT suspended;

CREATE TABLE operator_api_keys (
    id           uuid PRIMARY KEY,
    operator_id  uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text NOT NULL,
    -- SHA-256 of the key's secret; the secret itself is never stored.
    hash         bytea NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    created      timestamptz NOT NULL,
    expires      timestamptz NOT NULL,
    last_use     timestamptz,
    -- [{"service": text, "access": "read" | "modify" | "create" | "delete" | "noaccess"}].
    rights       jsonb NOT NULL CHECK (jsonb_typeof(rights) = 'array'),
    CONSTRAINT operator_api_keys_name_unique UNIQUE (operator_id, name)
);

CREATE TABLE operator_sessions (
    id              uuid PRIMARY KEY,
    operator_id     uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    -- SHA-256 of the live refresh token.
    refresh_hash    bytea NOT NULL UNIQUE CHECK (octet_length(refresh_hash) = 32),
    access_jti      uuid NOT NULL,
    access_expires  timestamptz NOT NULL,
    created         timestamptz NOT NULL,
    -- Space-delimited (RFC 8176 method names hold no space).
    amr             text NOT NULL,
    last_refresh    timestamptz NOT NULL,
    expires         timestamptz NOT NULL
);

CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);
