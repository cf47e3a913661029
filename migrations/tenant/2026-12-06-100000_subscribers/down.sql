DROP TABLE subscriber_preferences;
DROP TABLE subscriber_avatars;
DROP INDEX credentials_live_created;
DROP TABLE subscriber_profiles;
