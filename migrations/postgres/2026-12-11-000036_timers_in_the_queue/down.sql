ALTER TABLE jobs DROP COLUMN last_error;
ALTER TABLE jobs DROP COLUMN lease_until;
ALTER TABLE jobs DROP COLUMN attempts;
