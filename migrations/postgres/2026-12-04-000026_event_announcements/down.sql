DROP TRIGGER events_announce ON events;
DROP FUNCTION announce_events();
