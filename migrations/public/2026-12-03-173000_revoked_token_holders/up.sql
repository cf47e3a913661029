-- Every access token of a subject (a customer's credential disabled, deleted or moved) or of a
-- client (deleted) issued at or before `revoked_at` is revoked. Checked on every verification
-- that is not served from an instance's cache, so an instance that missed the announcement
-- (LISTEN/NOTIFY on channel `latchkey_revocations`) or started later refuses them too. A row is
-- needed only until the last such token has expired (`until`).
CREATE TABLE revoked_token_holders (
    kind        text        NOT NULL CHECK (kind IN ('subject', 'client')),
    holder      text        NOT NULL,
    revoked_at  timestamptz NOT NULL,
    until       timestamptz NOT NULL,
    PRIMARY KEY (kind, holder)
);
