-- Where /logout may send the browser afterwards (OpenID RP-Initiated Logout 1.0 §3): registered
-- per client, apart from its redirect URIs. Existing clients have none: their logouts end on
-- the signed-out page until they register some.
ALTER TABLE api_clients
    ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}';
