ALTER TABLE cases DROP COLUMN search_vector;
ALTER TABLE stream_entries DROP COLUMN search_vector;
ALTER TABLE contacts DROP COLUMN search_vector;
ALTER TABLE organizations DROP COLUMN search_vector;
