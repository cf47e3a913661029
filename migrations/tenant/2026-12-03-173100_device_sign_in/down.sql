ALTER TABLE devices DROP COLUMN auth_time;
ALTER TABLE devices DROP COLUMN amr;
