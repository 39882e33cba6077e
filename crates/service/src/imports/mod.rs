//! CSV import and export of organizations, contacts and leads (agents and admins).
//!
//! An upload is read at once far enough to refuse a bad mapping, then becomes an import job.
//! Small files are processed in the request; larger ones by the worker, batch by batch: each
//! batch's records and the job's progress are written in one transaction, so a worker that
//! stops resumes after the last committed batch and no row is imported twice. A dry run runs
//! the same code in a savepoint that is rolled back. Every row goes through the same checks as
//! the API's create; rows that look like existing records (or earlier rows) are skipped,
//! update the record, or are created anyway, as the caller chose.

mod csv_file;
mod export;
mod rows;
mod run;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use helpdesk_api_types::imports::{
    CsvEncoding, Import, ImportEntity, ImportFields, ImportOptions, ImportPage, ImportRow,
    ImportStatus, OnDuplicate,
};
use helpdesk_store::files::StoredFile;
use helpdesk_store::imports::{self as store, NewImport, Progress};
use helpdesk_store::queue::{lease_until, Failed, ImportQueue};
use helpdesk_store::AnyConnection;
use serde_json::json;

use crate::error::FieldErrors;
use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

pub use csv_file::decode;
use csv_file::{field_list, parse, separator};
pub use export::ExportFilter;
use rows::{create, prepare, update, Cells, Index, Lookups};

/// Files up to this many rows are imported in the request; larger ones by the worker.
pub const INLINE_ROWS: i64 = 1_000;
/// Rows per transaction.
pub const BATCH_ROWS: usize = 500;
/// At most this many rows are kept in a report.
const REPORT_ROWS: usize = 5_000;
/// How long a worker holds an import without committing a batch before another may take it.
const LEASE: i64 = 120;

/// Counters and the report, carried from batch to batch.
#[derive(Debug, Clone, Default)]
struct Tally {
    created: i64,
    updated: i64,
    skipped: i64,
    failed: i64,
    rows: Vec<ImportRow>,
}

impl Tally {
    fn report(&mut self, row: ImportRow) {
        if self.rows.len() < REPORT_ROWS {
            self.rows.push(row);
        }
    }
}

/// Why a dry run's savepoint ends: always rolled back, by design or by a failure.
enum Batch {
    DryRun,
    Failed(AppError),
}

impl From<diesel::result::Error> for Batch {
    fn from(e: diesel::result::Error) -> Self {
        Batch::Failed(AppError::from(helpdesk_store::StoreError::from(e)))
    }
}

#[allow(clippy::too_many_arguments)]
fn run_rows(
    c: &mut AnyConnection,
    actor: &Actor,
    entity: ImportEntity,
    on_duplicate: OnDuplicate,
    dry_run: bool,
    rows: &[(i64, Cells)],
    tally: &mut Tally,
    index: &mut Index,
    lookups: &mut Lookups,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for (line, cells) in rows {
        let line = *line;
        // No database stores U+0000 in text (PostgreSQL refuses it): that row fails, alone.
        let nul: FieldErrors = cells
            .iter()
            .filter(|(_, v)| v.contains('\0'))
            .map(|(k, _)| {
                (
                    (*k).to_owned(),
                    vec!["must not contain NUL (U+0000) characters".to_owned()],
                )
            })
            .collect();
        if !nul.is_empty() {
            tally.failed += 1;
            tally.report(failed_row(line, nul));
            continue;
        }
        let (prepared, keys) = match prepare(c, entity, cells, lookups) {
            Ok(p) => p,
            Err(AppError::Validation(errors)) => {
                tally.failed += 1;
                tally.report(failed_row(line, errors));
                continue;
            }
            Err(e) => return Err(e),
        };
        let (ids, lines) = index.find(&keys);
        let duplicate_lines: Vec<i64> = lines.iter().map(|(l, _)| *l).collect();
        let duplicate = !ids.is_empty() || !lines.is_empty();
        let target = ids
            .first()
            .copied()
            .or_else(|| lines.iter().find_map(|(_, r)| *r));
        let outcome = if !duplicate || on_duplicate == OnDuplicate::Create {
            create(c, actor, &prepared, now).map(|id| ("created", Some(id)))
        } else if on_duplicate == OnDuplicate::Update {
            match target {
                Some(id) => update(c, actor, id, &prepared, now).map(|_| ("updated", Some(id))),
                None => Ok(("updated", None)),
            }
        } else {
            Ok(("skipped", None))
        };
        match outcome {
            Ok((what, record)) => {
                match what {
                    "created" => tally.created += 1,
                    "updated" => tally.updated += 1,
                    _ => tally.skipped += 1,
                }
                index.add(&keys, line, record);
                if duplicate {
                    tally.report(ImportRow {
                        line,
                        outcome: what.to_owned(),
                        errors: BTreeMap::new(),
                        duplicate_ids: ids,
                        duplicate_lines,
                        record_id: record.filter(|_| !dry_run),
                    });
                }
            }
            Err(AppError::Validation(errors)) => {
                tally.failed += 1;
                tally.report(failed_row(line, errors));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn failed_row(line: i64, errors: FieldErrors) -> ImportRow {
    ImportRow {
        line,
        outcome: "failed".into(),
        errors,
        duplicate_ids: Vec::new(),
        duplicate_lines: Vec::new(),
        record_id: None,
    }
}

/// The column mapping an import recorded (none: every header as it is named).
pub(super) fn stored_mapping(
    id: i64,
    options: &serde_json::Value,
) -> Result<BTreeMap<String, String>, AppError> {
    match options.get("mapping") {
        None | Some(serde_json::Value::Null) => Ok(BTreeMap::new()),
        Some(m) => serde_json::from_value(m.clone()).map_err(|e| {
            AppError::failed(format!("import {id}: `options.mapping` is not readable"), e)
        }),
    }
}

fn import_dto(r: store::ImportRow) -> Result<Import, AppError> {
    let waiting = r.status == "queued" && r.attempts > 0;
    let options: serde_json::Value = from_json("import", r.id, "options", &r.options)?;
    Ok(Import {
        id: r.id,
        entity: ImportEntity::parse(&r.entity_type)
            .ok_or_else(|| AppError::Internal(format!("import kind {}", r.entity_type)))?,
        status: match r.status.as_str() {
            "queued" => ImportStatus::Queued,
            "running" => ImportStatus::Running,
            "done" => ImportStatus::Done,
            _ => ImportStatus::Failed,
        },
        dry_run: r.dry_run,
        on_duplicate: OnDuplicate::parse(&r.on_duplicate).ok_or_else(|| {
            crate::unknown_stored("import", r.id, "on_duplicate", &r.on_duplicate)
        })?,
        filename: r.filename,
        encoding: options["encoding"].as_str().unwrap_or("utf-8").to_owned(),
        separator: options["separator"].as_str().unwrap_or(",").to_owned(),
        mapping: stored_mapping(r.id, &options)?,
        total_rows: r.total_rows,
        processed_rows: r.processed_rows,
        created: r.created_count,
        updated: r.updated_count,
        skipped: r.skipped_count,
        failed: r.failed_count,
        rows: from_json("import", r.id, "report", &r.report)?,
        error: r.error.or(if waiting { r.last_error } else { None }),
        retry_at: waiting.then(|| r.next_attempt_at.and_utc()),
        created_by_id: r.created_by_id,
        created_at: r.created_at.and_utc(),
        started_at: r.started_at.map(|t| t.and_utc()),
        finished_at: r.finished_at.map(|t| t.and_utc()),
    })
}

impl Services {
    /// The fields each kind of record takes, with the headers recognised without a mapping.
    pub fn import_fields(&self, actor: &Actor) -> Result<ImportFields, AppError> {
        actor.staff_read()?;
        Ok(ImportFields {
            organizations: field_list(ImportEntity::Organizations),
            contacts: field_list(ImportEntity::Contacts),
            leads: field_list(ImportEntity::Leads),
        })
    }

    /// Starts an import of a file already in the file store. The file is read and its mapping
    /// checked now; a small file is imported before this returns, a larger one is queued for
    /// the worker.
    pub fn start_import(
        &self,
        actor: &Actor,
        options: &ImportOptions,
        file: &StoredFile,
        filename: &str,
    ) -> Result<Import, AppError> {
        actor.staff_write()?;
        let (text, encoding) = decode(&self.read_stored(file)?, options.encoding)?;
        let sep = separator(options.separator.as_deref(), &text)?;
        let parsed = parse(&text, sep, options.entity, &options.mapping)?;
        let now = self.now();
        let row = self.db.write(|c| {
            Ok::<_, AppError>(store::insert(
                c,
                &NewImport {
                    entity_type: options.entity.as_str().to_owned(),
                    status: "queued".into(),
                    dry_run: options.dry_run,
                    on_duplicate: options.on_duplicate.as_str().to_owned(),
                    options: json!({
                        "encoding": encoding,
                        "separator": (sep as char).to_string(),
                        "mapping": parsed.mapping,
                    })
                    .to_string(),
                    filename: crate::attachments::clean_filename(filename),
                    sha256: file.sha256.clone(),
                    total_rows: parsed.rows.len() as i64,
                    created_by_id: Some(actor.user_id),
                    created_at: now,
                },
            )?)
        })?;
        if row.total_rows <= INLINE_ROWS {
            self.run_import(row.id)?;
        }
        self.get_import(actor, row.id)
    }

    pub fn get_import(&self, actor: &Actor, id: i64) -> Result<Import, AppError> {
        actor.staff_read()?;
        import_dto(
            self.db
                .read(|c| store::get(c, id))
                .map_err(not_found("import"))?,
        )
    }

    pub fn list_imports(
        &self,
        actor: &Actor,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<ImportPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        let page = self.db.read(|c| store::list(c, limit, cursor))?;
        Ok(ImportPage {
            items: page
                .items
                .into_iter()
                .map(import_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    fn read_stored(&self, file: &StoredFile) -> Result<Vec<u8>, AppError> {
        self.files
            .read(&file.sha256)
            .map_err(|e| AppError::failed("reading an upload", e))
    }
}

fn progress(
    t: &Tally,
    status: &str,
    processed: i64,
    error: Option<String>,
    lease_until: Option<NaiveDateTime>,
    finished_at: Option<NaiveDateTime>,
) -> Progress {
    Progress {
        status: status.to_owned(),
        processed_rows: processed,
        created_count: t.created,
        updated_count: t.updated,
        skipped_count: t.skipped,
        failed_count: t.failed,
        report: to_json(&t.rows),
        error,
        lease_until,
        finished_at,
    }
}
