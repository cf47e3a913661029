DROP TRIGGER api_clients_announced ON api_clients;
DROP TRIGGER tenants_announced ON tenants;
DROP FUNCTION announce_directory_change();
