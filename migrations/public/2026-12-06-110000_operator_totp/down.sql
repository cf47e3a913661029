DROP TABLE operator_totp_secrets;
