-- email_verified (OpenID Connect Core §5.1) is true only once the address was proven: a link or a
-- code sent to it was used. Creating a credential through the API proves nothing, so existing
-- credentials start unproven.
ALTER TABLE credentials ADD COLUMN email_verified_at timestamptz;
-- A set-password token sent by e-mail to the credential's address (the reset flow): using it
-- proves the address.
ALTER TABLE security_tokens ADD COLUMN proves_email boolean NOT NULL DEFAULT false;
