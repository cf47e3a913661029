DROP TABLE security_tokens;
DROP TABLE credentials;
