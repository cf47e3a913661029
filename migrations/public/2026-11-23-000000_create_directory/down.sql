DROP TABLE signing_keys;
DROP TABLE api_clients;
DROP TABLE tenants;
