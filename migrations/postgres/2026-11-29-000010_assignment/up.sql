-- Automatic assignment: agents can be away (out of office); a team gives its new unassigned
-- cases out by rotation or by load; the rotation's position is kept per team and locked while
-- a case is given out.
ALTER TABLE users ADD COLUMN available BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE teams ADD COLUMN assignment TEXT NOT NULL DEFAULT 'manual';
CREATE TABLE team_rotation (
    team_id BIGINT PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
    last_user_id BIGINT,
    updated_at TIMESTAMP NOT NULL
);
