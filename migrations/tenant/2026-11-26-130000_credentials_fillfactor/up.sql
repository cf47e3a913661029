-- Every login stamps credentials.last_login_at, an unindexed column: room left in each page lets
-- PostgreSQL write the new row version in the same page (a heap-only tuple) instead of adding an
-- entry to each of the table's indexes.
ALTER TABLE credentials SET (fillfactor = 90);
