//! CSV import and export of organizations, contacts and leads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::page;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportEntity {
    Organizations,
    Contacts,
    Leads,
}

impl ImportEntity {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportEntity::Organizations => "organizations",
            ImportEntity::Contacts => "contacts",
            ImportEntity::Leads => "leads",
        }
    }

    pub fn parse(s: &str) -> Option<ImportEntity> {
        [
            ImportEntity::Organizations,
            ImportEntity::Contacts,
            ImportEntity::Leads,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// What a row that looks like an existing record (or an earlier row) does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing record alone and skip the row.
    #[default]
    Skip,
    /// Fill the existing record with the row's non-empty values (lists are united).
    Update,
    /// Create a new record anyway.
    Create,
}

impl OnDuplicate {
    pub fn as_str(self) -> &'static str {
        match self {
            OnDuplicate::Skip => "skip",
            OnDuplicate::Update => "update",
            OnDuplicate::Create => "create",
        }
    }

    pub fn parse(s: &str) -> Option<OnDuplicate> {
        [OnDuplicate::Skip, OnDuplicate::Update, OnDuplicate::Create]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CsvEncoding {
    /// UTF-8 when the file is valid UTF-8 (a byte-order mark is dropped), else Windows-1251.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1251")]
    Windows1251,
}

/// How to read the uploaded file: the `options` part of the upload, as JSON.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    pub entity: ImportEntity,
    /// Check every row and report errors and duplicates without changing anything.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub on_duplicate: OnDuplicate,
    #[serde(default)]
    pub encoding: CsvEncoding,
    /// `;` or `,`; guessed from the header line when absent.
    #[serde(default)]
    pub separator: Option<String>,
    /// Column header → field (see `GET /imports/fields`); an empty field ignores the column.
    /// Columns not named here are matched by their header: the field name or a common English or
    /// Russian title (`ИНН`, `Фамилия`, `E-mail`...).
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Waiting for the worker.
    Queued,
    Running,
    Done,
    /// The file could not be read at all (the reason is in `error`).
    Failed,
}

/// A row the report tells about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportRow {
    /// The line number in the file (the header is line 1).
    pub line: i64,
    /// `failed`, `skipped`, `updated`, or `created` (a duplicate created anyway).
    pub outcome: String,
    /// Field → messages, for a failed row.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, Vec<String>>,
    /// Existing records the row looks like.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicate_ids: Vec<i64>,
    /// Earlier lines of the file the row looks like.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicate_lines: Vec<i64>,
    /// The record created or updated (not in a dry run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<i64>,
}

/// An import: its options, progress and report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Import {
    pub id: i64,
    pub entity: ImportEntity,
    pub status: ImportStatus,
    pub dry_run: bool,
    pub on_duplicate: OnDuplicate,
    pub filename: String,
    /// The encoding and separator the file was read with.
    pub encoding: String,
    pub separator: String,
    /// Column header → field, as applied.
    pub mapping: BTreeMap<String, String>,
    pub total_rows: i64,
    pub processed_rows: i64,
    /// Rows that created a record (in a dry run: would have).
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    /// Failed rows and duplicates, in file order (the first 5,000).
    pub rows: Vec<ImportRow>,
    /// Why the import failed; while it waits to be tried again (`retry_at`), why its last run
    /// stopped. Rows that fail do not stop an import: they are in `rows`.
    pub error: Option<String>,
    /// When a run that stopped on an error (not a row's) is taken up again, from the last
    /// committed batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<DateTime<Utc>>,
    pub created_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}
page!(ImportPage, Import);

/// The fields each kind of record takes from a CSV file (and an export writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportFields {
    pub organizations: Vec<ImportField>,
    pub contacts: Vec<ImportField>,
    pub leads: Vec<ImportField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportField {
    pub name: String,
    pub required: bool,
    /// Lists (phones, emails) take several values separated by `,` or `;` within the cell.
    pub list: bool,
    /// Headers recognised without a mapping.
    pub aliases: Vec<String>,
}

/// How an export is written.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvFormat {
    /// `,` (default) or `;`.
    pub separator: Option<String>,
    /// `utf-8` (default, with a byte-order mark so spreadsheets recognise it) or `windows-1251`.
    pub encoding: Option<String>,
}

/// The upload of an import (multipart/form-data).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportUpload {
    /// The CSV file.
    #[schema(value_type = String, format = Binary, content_media_type = "text/csv")]
    pub file: Vec<u8>,
    /// `ImportOptions` as JSON.
    #[schema(value_type = String, content_media_type = "application/json")]
    pub options: String,
}
