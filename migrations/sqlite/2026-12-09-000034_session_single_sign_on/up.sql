-- Sessions started by single sign-on: signing out of one also signs out at the provider.
ALTER TABLE sessions ADD COLUMN sso BOOLEAN NOT NULL DEFAULT 0;
