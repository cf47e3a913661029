DROP TABLE operator_sessions;
DROP TABLE operator_api_keys;
DROP TABLE operators;
