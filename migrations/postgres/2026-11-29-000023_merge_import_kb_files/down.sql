DROP TABLE kb_attachments;
DROP TABLE crm_imports;
ALTER TABLE leads DROP COLUMN merged_into_id;
ALTER TABLE contacts DROP COLUMN merged_into_id;
ALTER TABLE organizations DROP COLUMN merged_into_id;
