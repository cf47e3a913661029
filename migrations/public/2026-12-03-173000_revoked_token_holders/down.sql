DROP TABLE revoked_token_holders;
