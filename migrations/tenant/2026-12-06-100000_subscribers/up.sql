-- The security service's subscribers: what it keeps of a credential beside it (its profile),
-- and the avatar and preferences of each. All three die with the credential's row (ON DELETE
-- CASCADE); credentials are only soft-deleted, so the service removes them when it deletes one.

CREATE TABLE subscriber_profiles (
    credential_id            uuid PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
    name                     text NOT NULL,
    description              text NOT NULL,
    locale                   text NOT NULL,
    location                 text NOT NULL,
    -- [{"created": RFC 3339, "created_by": text, "note": text}], oldest first.
    notes                    jsonb NOT NULL CHECK (jsonb_typeof(notes) = 'array'),
    mfa                      text CHECK (mfa IN ('sms', 'email', 'authenticator')),
    -- [{"number": E.164, "verified": bool, "primary": bool}].
    mobiles                  jsonb NOT NULL CHECK (jsonb_typeof(mobiles) = 'array'),
    blacklisted              boolean NOT NULL,
    waiting_for_email_check  boolean NOT NULL,
    -- The self-registration (`/signup`), all four or none.
    signup_uuid              uuid,
    signup_status            text CHECK (signup_status IN
                                 ('inprogress', 'emailVerified', 'success', 'failed', 'cancel')),
    signup_created           timestamptz,
    signup_updated           timestamptz,
    -- Operators' ids (in `public`; no foreign key: an operator deleted leaves its id here).
    created_by               uuid,
    modified_by              uuid,
    modified                 timestamptz NOT NULL,
    CHECK ((signup_uuid IS NULL) = (signup_status IS NULL)
       AND (signup_uuid IS NULL) = (signup_created IS NULL)
       AND (signup_uuid IS NULL) = (signup_updated IS NULL)),
    -- One profile per sign-up; `find_by_signup` reads it.
    CONSTRAINT subscriber_profiles_signup_unique UNIQUE (signup_uuid)
);

-- The subscriber listing (`GET /subusers`) pages the live credentials by (created_at, id).
CREATE INDEX credentials_live_created ON credentials (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE subscriber_avatars (
    credential_id  uuid PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
    image_type     text NOT NULL CHECK (image_type IN
                       ('image/png', 'image/jpeg', 'image/gif', 'image/svg+xml')),
    name           text NOT NULL,
    -- At most 2 MiB (the domain's Avatar::MAX_BYTES).
    bytes          bytea NOT NULL CHECK (octet_length(bytes) <= 2097152),
    created        timestamptz NOT NULL
);
-- Images are compressed already: kept out of line, without a futile compression attempt.
ALTER TABLE subscriber_avatars ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE subscriber_preferences (
    credential_id  uuid PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
    -- [{"tag": text, "value": text}], in the order they were put.
    data           jsonb NOT NULL CHECK (jsonb_typeof(data) = 'array'),
    modified       timestamptz NOT NULL
);
