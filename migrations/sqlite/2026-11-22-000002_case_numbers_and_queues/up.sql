-- Queues filtered by team or assignee across several statuses, newest first.
CREATE INDEX cases_team_recent ON cases (team_id, id);
CREATE INDEX cases_assignee_recent ON cases (assignee_id, id);
