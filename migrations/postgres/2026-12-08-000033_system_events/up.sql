-- What a system entry says, as data (a JSON array of tagged events), so that each reader's app
-- renders it in their language; `body` keeps the English text. Empty for older entries.
ALTER TABLE stream_entries ADD COLUMN events TEXT;
