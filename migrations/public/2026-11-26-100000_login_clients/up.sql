-- Login clients: the one client registry also describes how a client signs customers in.
-- Existing clients keep what they could do: service tokens (client_credentials) only.
ALTER TABLE api_clients
    ADD COLUMN grants        text[]  NOT NULL DEFAULT '{client_credentials}',
    ADD COLUMN public        boolean NOT NULL DEFAULT false,
    ADD COLUMN redirect_uris text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN id_token_alg  text    NOT NULL DEFAULT 'RS256';
