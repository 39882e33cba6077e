-- PostgreSQL announces committed events with NOTIFY; SQLite has no such thing (its live feed
-- polls in one place per process). Kept so that both backends have the same migrations.
SELECT 1;
