ALTER TABLE stream_entries DROP COLUMN events;
