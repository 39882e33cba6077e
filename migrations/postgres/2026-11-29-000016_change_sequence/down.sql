DROP TRIGGER cases_change_seq ON cases;
DROP TRIGGER contacts_change_seq ON contacts;
DROP TRIGGER organizations_change_seq ON organizations;
DROP TRIGGER stream_entries_change_seq ON stream_entries;
ALTER TABLE cases DROP COLUMN change_seq;
ALTER TABLE contacts DROP COLUMN change_seq;
ALTER TABLE organizations DROP COLUMN change_seq;
ALTER TABLE stream_entries DROP COLUMN change_seq;
DROP FUNCTION stamp_change_seq();
