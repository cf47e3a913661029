ALTER TABLE api_clients DROP COLUMN post_logout_redirect_uris;
