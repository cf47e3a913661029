DELETE FROM signing_keys WHERE algorithm = 'RS256';
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_algorithm_check;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_algorithm_check
    CHECK (algorithm IN ('ES256'));
ALTER TABLE api_clients
    DROP COLUMN grants,
    DROP COLUMN public,
    DROP COLUMN redirect_uris,
    DROP COLUMN id_token_alg;
