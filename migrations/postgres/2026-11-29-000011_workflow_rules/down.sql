DROP TABLE workflow_rules;
