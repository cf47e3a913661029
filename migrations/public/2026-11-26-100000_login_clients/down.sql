ALTER TABLE api_clients
    DROP COLUMN grants,
    DROP COLUMN public,
    DROP COLUMN redirect_uris,
    DROP COLUMN id_token_alg;
