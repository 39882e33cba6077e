DROP TABLE team_rotation;
ALTER TABLE teams DROP COLUMN assignment;
ALTER TABLE users DROP COLUMN available;
