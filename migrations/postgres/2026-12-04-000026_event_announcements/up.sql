-- Every transaction that writes events announces it on commit: live feeds wake at once instead
-- of polling. One notification per statement; listeners then read the events table.
CREATE FUNCTION announce_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('helpdesk_events', '');
    RETURN NULL;
END $$;

CREATE TRIGGER events_announce AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION announce_events();
