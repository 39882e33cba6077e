-- Workflow rules: a trigger, conditions on case fields, actions; run in `position` order.
CREATE TABLE workflow_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    trigger_on TEXT NOT NULL,
    match_all BOOLEAN NOT NULL DEFAULT TRUE,
    conditions TEXT NOT NULL DEFAULT '[]',
    actions TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX workflow_rules_trigger ON workflow_rules (trigger_on, position, id) WHERE active;

-- Built in, editable like any rule: the team hears of every new portal case at once.
INSERT INTO workflow_rules (name, position, active, trigger_on, match_all, conditions, actions, created_at, updated_at)
VALUES ('New portal case: tell the team', 1000, TRUE, 'case_created', TRUE,
        '[{"field":"channel","op":"equals","value":"portal"},{"field":"assignee_id","op":"equals","value":null}]',
        '[{"type":"notify_team","team_id":null,"text":"New portal case"}]',
        CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
