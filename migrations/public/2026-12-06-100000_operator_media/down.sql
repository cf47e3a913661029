DROP TABLE operator_preferences;
DROP TABLE operator_avatars;
