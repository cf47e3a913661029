ALTER TABLE credentials RESET (fillfactor);
