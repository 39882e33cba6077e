-- A change to what an access token's check reads is announced at commit, so that each API
-- process may keep that check's answer and forget it at once: a session revoked or removed,
-- a user's activity, role, contact or support line changed or the user removed (payload: the
-- user's id), or a contact merged (payload `*`: any portal user may now act as another contact).
CREATE FUNCTION announce_standing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('helpdesk_standing', OLD.user_id::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('helpdesk_standing', OLD.id::text);
    ELSE
        PERFORM pg_notify('helpdesk_standing', '*');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sessions_standing AFTER UPDATE OF revoked_at, user_id OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION announce_standing();
CREATE TRIGGER users_standing AFTER UPDATE OF active, role, contact_id, support_line OR DELETE
    ON users FOR EACH ROW EXECUTE FUNCTION announce_standing();
CREATE TRIGGER contacts_standing AFTER UPDATE OF merged_into_id ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION announce_standing();
