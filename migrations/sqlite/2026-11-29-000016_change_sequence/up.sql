-- A change sequence for the incremental export: a counter bumped by every insert or update of a
-- case, contact, organization or stream entry, stamped on the row. SQLite has one writer at a
-- time, so the counter follows commit order and a reader's snapshot always holds a prefix of it.
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
INSERT INTO change_counter (id, value) VALUES (1, 0);

ALTER TABLE cases ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER cases_change_seq_insert AFTER INSERT ON cases BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE cases SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER cases_change_seq_update AFTER UPDATE ON cases WHEN NEW.change_seq IS OLD.change_seq BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE cases SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE INDEX cases_change_seq_idx ON cases (change_seq, id);

ALTER TABLE contacts ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER contacts_change_seq_insert AFTER INSERT ON contacts BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE contacts SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER contacts_change_seq_update AFTER UPDATE ON contacts WHEN NEW.change_seq IS OLD.change_seq BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE contacts SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE INDEX contacts_change_seq_idx ON contacts (change_seq, id);

ALTER TABLE organizations ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER organizations_change_seq_insert AFTER INSERT ON organizations BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE organizations SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER organizations_change_seq_update AFTER UPDATE ON organizations WHEN NEW.change_seq IS OLD.change_seq BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE organizations SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE INDEX organizations_change_seq_idx ON organizations (change_seq, id);

ALTER TABLE stream_entries ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER stream_entries_change_seq_insert AFTER INSERT ON stream_entries BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE stream_entries SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER stream_entries_change_seq_update AFTER UPDATE ON stream_entries WHEN NEW.change_seq IS OLD.change_seq BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE stream_entries SET change_seq = (SELECT value FROM change_counter WHERE id = 1) WHERE id = NEW.id;
END;
CREATE INDEX stream_entries_change_seq_idx ON stream_entries (change_seq, id);
