DROP TABLE kb_attachments;
DROP TABLE crm_imports;
DROP INDEX leads_merged_into;
DROP INDEX contacts_merged_into;
DROP INDEX organizations_merged_into;
ALTER TABLE leads DROP COLUMN merged_into_id;
ALTER TABLE contacts DROP COLUMN merged_into_id;
ALTER TABLE organizations DROP COLUMN merged_into_id;
