-- The avatar and preferences of each operator (`/avatar/{id}`, `/preferences`). They die with
-- the operator (ON DELETE CASCADE): deleting one stays one statement.

CREATE TABLE operator_avatars (
    operator_id  uuid PRIMARY KEY REFERENCES operators (id) ON DELETE CASCADE,
    image_type   text NOT NULL CHECK (image_type IN
                     ('image/png', 'image/jpeg', 'image/gif', 'image/svg+xml')),
    name         text NOT NULL,
    -- At most 2 MiB (the domain's Avatar::MAX_BYTES).
    bytes        bytea NOT NULL CHECK (octet_length(bytes) <= 2097152),
    created      timestamptz NOT NULL
);
-- Images are compressed already: kept out of line, without a futile compression attempt.
ALTER TABLE operator_avatars ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE operator_preferences (
    operator_id  uuid PRIMARY KEY REFERENCES operators (id) ON DELETE CASCADE,
    -- [{"tag": text, "value": text}], in the order they were put.
    data         jsonb NOT NULL CHECK (jsonb_typeof(data) = 'array'),
    modified     timestamptz NOT NULL
);
