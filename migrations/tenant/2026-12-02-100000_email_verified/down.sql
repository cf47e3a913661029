ALTER TABLE security_tokens DROP COLUMN proves_email;
ALTER TABLE credentials DROP COLUMN email_verified_at;
