-- PostgreSQL announces changed session standing with NOTIFY; SQLite has no such thing (each
-- request reads it). Kept so that both backends have the same migrations.
SELECT 1;
