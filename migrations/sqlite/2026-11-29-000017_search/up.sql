-- Full-text search: FTS5 tables over the searchable columns (external content: the text stays
-- in the tables, the index follows them through triggers). Porter stemming for English; other
-- languages match by word and prefix.

CREATE VIRTUAL TABLE cases_fts USING fts5(subject, description, content='cases', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
INSERT INTO cases_fts(cases_fts) VALUES ('rebuild');
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts(rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;
CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
    INSERT INTO cases_fts(cases_fts, rowid, subject, description) VALUES ('delete', old.id, old.subject, old.description);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF subject, description ON cases BEGIN
    INSERT INTO cases_fts(cases_fts, rowid, subject, description) VALUES ('delete', old.id, old.subject, old.description);
    INSERT INTO cases_fts(rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;

CREATE VIRTUAL TABLE stream_entries_fts USING fts5(body, content='stream_entries', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
INSERT INTO stream_entries_fts(stream_entries_fts) VALUES ('rebuild');
CREATE TRIGGER stream_entries_fts_insert AFTER INSERT ON stream_entries BEGIN
    INSERT INTO stream_entries_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER stream_entries_fts_delete AFTER DELETE ON stream_entries BEGIN
    INSERT INTO stream_entries_fts(stream_entries_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER stream_entries_fts_update AFTER UPDATE OF body ON stream_entries BEGIN
    INSERT INTO stream_entries_fts(stream_entries_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO stream_entries_fts(rowid, body) VALUES (new.id, new.body);
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5(first_name, last_name, title, department, content='contacts', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts(rowid, first_name, last_name, title, department) VALUES (new.id, new.first_name, new.last_name, new.title, new.department);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, first_name, last_name, title, department) VALUES ('delete', old.id, old.first_name, old.last_name, old.title, old.department);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF first_name, last_name, title, department ON contacts BEGIN
    INSERT INTO contacts_fts(contacts_fts, rowid, first_name, last_name, title, department) VALUES ('delete', old.id, old.first_name, old.last_name, old.title, old.department);
    INSERT INTO contacts_fts(rowid, first_name, last_name, title, department) VALUES (new.id, new.first_name, new.last_name, new.title, new.department);
END;

CREATE VIRTUAL TABLE organizations_fts USING fts5(name, short_name, inn, kpp, description, content='organizations', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
INSERT INTO organizations_fts(organizations_fts) VALUES ('rebuild');
CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_fts(rowid, name, short_name, inn, kpp, description) VALUES (new.id, new.name, new.short_name, new.inn, new.kpp, new.description);
END;
CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations BEGIN
    INSERT INTO organizations_fts(organizations_fts, rowid, name, short_name, inn, kpp, description) VALUES ('delete', old.id, old.name, old.short_name, old.inn, old.kpp, old.description);
END;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF name, short_name, inn, kpp, description ON organizations BEGIN
    INSERT INTO organizations_fts(organizations_fts, rowid, name, short_name, inn, kpp, description) VALUES ('delete', old.id, old.name, old.short_name, old.inn, old.kpp, old.description);
    INSERT INTO organizations_fts(rowid, name, short_name, inn, kpp, description) VALUES (new.id, new.name, new.short_name, new.inn, new.kpp, new.description);
END;
