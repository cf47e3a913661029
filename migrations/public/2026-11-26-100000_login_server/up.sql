-- Login clients: the one client registry also describes how a client signs customers in.
-- Existing clients keep what they could do: service tokens (client_credentials) only.
ALTER TABLE api_clients
    ADD COLUMN grants        text[]  NOT NULL DEFAULT '{client_credentials}',
    ADD COLUMN public        boolean NOT NULL DEFAULT false,
    ADD COLUMN redirect_uris text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN id_token_alg  text    NOT NULL DEFAULT 'RS256';

-- ID tokens may be signed RS256 (OpenID Connect requires providers to offer it): the key ring
-- keeps an active key of each algorithm.
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_algorithm_check;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_algorithm_check
    CHECK (algorithm IN ('ES256', 'RS256'));
