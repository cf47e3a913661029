-- Device sessions: a login creates one (the browser or app the customer signed in on, known by
-- an HttpOnly cookie whose secret is stored only as a SHA-256 hash).
CREATE TABLE devices (
    id             uuid PRIMARY KEY,
    -- No foreign key: credentials are only soft-deleted; deleting one deletes its devices.
    credential_id  uuid NOT NULL,
    user_agent     text NOT NULL CHECK (length(user_agent) <= 512),
    alias          text NOT NULL,
    secret_hash    bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX devices_by_credential ON devices (credential_id, created_at);

-- Refresh tokens of a device session, rotated on every use: a used one presented again ends the
-- session. They die with their device (unlinking kills them at once).
CREATE TABLE refresh_tokens (
    id           uuid PRIMARY KEY,
    device_id    uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    -- The device's credential, copied: the refresh grant needs it and nothing else of the device.
    credential_id uuid NOT NULL,
    client_id    text NOT NULL,
    secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    scope        text NOT NULL,
    auth_time    bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX refresh_tokens_by_device ON refresh_tokens (device_id);
