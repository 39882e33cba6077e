-- A change sequence for the incremental export: every insert or update of a case, contact,
-- organization or stream entry stamps the row with the id of its transaction. An export reads
-- only rows of transactions older than every one still running (pg_snapshot_xmin), ordered by
-- (change_seq, id), so a cursor never passes a change that could still appear below it.
CREATE FUNCTION stamp_change_seq() RETURNS trigger AS $$
BEGIN
    NEW.change_seq := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

ALTER TABLE cases ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stream_entries ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER cases_change_seq BEFORE INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION stamp_change_seq();
CREATE TRIGGER contacts_change_seq BEFORE INSERT OR UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION stamp_change_seq();
CREATE TRIGGER organizations_change_seq BEFORE INSERT OR UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION stamp_change_seq();
CREATE TRIGGER stream_entries_change_seq BEFORE INSERT OR UPDATE ON stream_entries
    FOR EACH ROW EXECUTE FUNCTION stamp_change_seq();

CREATE INDEX cases_change_seq_idx ON cases (change_seq, id);
CREATE INDEX contacts_change_seq_idx ON contacts (change_seq, id);
CREATE INDEX organizations_change_seq_idx ON organizations (change_seq, id);
CREATE INDEX stream_entries_change_seq_idx ON stream_entries (change_seq, id);
