DROP TRIGGER contacts_standing ON contacts;
DROP TRIGGER users_standing ON users;
DROP TRIGGER sessions_standing ON sessions;
DROP FUNCTION announce_standing();
