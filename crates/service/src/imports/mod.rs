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

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use helpdesk_api_types::imports::{
    CsvEncoding, Import, ImportEntity, ImportFields, ImportOptions, ImportPage, ImportRow,
    ImportStatus, OnDuplicate,
};
use helpdesk_store::files::StoredFile;
use helpdesk_store::imports::{self as store, NewImport, Progress};
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

fn import_dto(r: store::ImportRow) -> Result<Import, AppError> {
    let options: serde_json::Value = serde_json::from_str(&r.options).unwrap_or_default();
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
        on_duplicate: OnDuplicate::parse(&r.on_duplicate).unwrap_or_default(),
        filename: r.filename,
        encoding: options["encoding"].as_str().unwrap_or("utf-8").to_owned(),
        separator: options["separator"].as_str().unwrap_or(",").to_owned(),
        mapping: serde_json::from_value(options["mapping"].clone()).unwrap_or_default(),
        total_rows: r.total_rows,
        processed_rows: r.processed_rows,
        created: r.created_count,
        updated: r.updated_count,
        skipped: r.skipped_count,
        failed: r.failed_count,
        rows: from_json(&r.report),
        error: r.error,
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
        let path = self
            .files
            .path_of(&file.sha256)
            .ok_or_else(|| AppError::Internal("uploaded file missing".into()))?;
        std::fs::read(path).map_err(|e| AppError::Internal(format!("reading an upload: {e}")))
    }

    /// The worker's step: takes the next import that needs work (queued, or left by a worker
    /// that stopped) and runs it to the end. Returns whether there was one.
    pub fn run_next_import(&self) -> Result<bool, AppError> {
        let now = self.now();
        let claimed = self
            .db
            .write(|c| Ok::<_, AppError>(store::claim(c, now, now + Duration::seconds(LEASE))?))?;
        match claimed {
            Some(row) => {
                self.process_import(row)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs one import now (used for small files, in the request).
    fn run_import(&self, id: i64) -> Result<(), AppError> {
        let now = self.now();
        let row = self.db.write(|c| {
            let lease = now + Duration::seconds(LEASE);
            let claimed = store::claim_queued(c, id, now, lease)?;
            Ok::<_, AppError>(claimed.map(|r| (r, lease)))
        })?;
        if let Some((row, _)) = row {
            self.process_import(row)?;
        }
        Ok(())
    }

    fn process_import(&self, job: store::ImportRow) -> Result<(), AppError> {
        let entity = ImportEntity::parse(&job.entity_type)
            .ok_or_else(|| AppError::Internal(format!("import kind {}", job.entity_type)))?;
        let on_duplicate = OnDuplicate::parse(&job.on_duplicate).unwrap_or_default();
        // The rows are written as the user who uploaded the file.
        let actor = Actor {
            user_id: job.created_by_id.unwrap_or_default(),
            role: helpdesk_domain::Role::Agent,
            contact_id: None,
            line: None,
            scopes: None,
            session_id: None,
            client: Default::default(),
        };
        let mut lease = job.lease_until.unwrap_or_else(|| self.now());
        let mut tally = Tally {
            created: job.created_count,
            updated: job.updated_count,
            skipped: job.skipped_count,
            failed: job.failed_count,
            rows: from_json(&job.report),
        };
        let fail =
            |svc: &Services, lease: NaiveDateTime, tally: &Tally, processed: i64, why: String| {
                let now = svc.now();
                svc.db.write(|c| {
                    store::save_progress(
                        c,
                        job.id,
                        lease,
                        &progress(
                            tally,
                            "failed",
                            processed,
                            Some(why.clone()),
                            None,
                            Some(now),
                        ),
                    )?;
                    Ok::<_, AppError>(())
                })
            };
        let options: serde_json::Value = serde_json::from_str(&job.options).unwrap_or_default();
        let parsed = (|| {
            let bytes = self.read_stored(&StoredFile {
                sha256: job.sha256.clone(),
                size: 0,
            })?;
            let encoding = match options["encoding"].as_str() {
                Some("windows-1251") => CsvEncoding::Windows1251,
                _ => CsvEncoding::Utf8,
            };
            let (text, _) = decode(&bytes, encoding)?;
            let sep = options["separator"].as_str().unwrap_or(",");
            let mapping: BTreeMap<String, String> =
                serde_json::from_value(options["mapping"].clone()).unwrap_or_default();
            // Map every header explicitly as the job recorded it; others are ignored.
            let mut asked = mapping;
            let header_line = text.lines().next().unwrap_or("");
            let headers = csv::ReaderBuilder::new()
                .delimiter(sep.as_bytes()[0])
                .from_reader(header_line.as_bytes())
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for h in headers {
                asked.entry(h).or_default();
            }
            parse(&text, sep.as_bytes()[0], entity, &asked)
        })();
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                let why = match &e {
                    AppError::Validation(errors) => format!("{errors:?}"),
                    other => other.to_string(),
                };
                tracing::error!(import = job.id, error = %why, "import failed");
                return fail(self, lease, &tally, job.processed_rows, why);
            }
        };
        let mut index = self.db.read(|c| Index::build(c, entity))?;
        let mut lookups = Lookups::default();
        let mut processed = job.processed_rows as usize;
        // Rows already imported by an earlier run still count as earlier rows for duplicates.
        for (line, cells) in parsed.rows.iter().take(processed) {
            let keys = self
                .db
                .read(|c| prepare(c, entity, cells, &mut lookups).map(|(_, k)| k))
                .unwrap_or_default();
            index.add(&keys, *line, None);
        }
        loop {
            let end = (processed + BATCH_ROWS).min(parsed.rows.len());
            let rows = &parsed.rows[processed..end];
            let now = self.now();
            let next_lease = now + Duration::seconds(LEASE);
            let done = end == parsed.rows.len();
            let result = self.db.write(|c| {
                let mut t = tally.clone();
                if job.dry_run {
                    // What the rows found stays in `t`, `index` and `lookups`; only the
                    // database is rolled back.
                    let undone = c.transaction::<(), Batch, _>(|c| {
                        run_rows(
                            c,
                            &actor,
                            entity,
                            on_duplicate,
                            true,
                            rows,
                            &mut t,
                            &mut index,
                            &mut lookups,
                            now,
                        )
                        .map_err(Batch::Failed)?;
                        Err(Batch::DryRun)
                    });
                    if let Err(Batch::Failed(e)) = undone {
                        return Err(e);
                    }
                } else {
                    run_rows(
                        c,
                        &actor,
                        entity,
                        on_duplicate,
                        false,
                        rows,
                        &mut t,
                        &mut index,
                        &mut lookups,
                        now,
                    )?;
                }
                let status = if done { "done" } else { "running" };
                let saved = store::save_progress(
                    c,
                    job.id,
                    lease,
                    &progress(
                        &t,
                        status,
                        end as i64,
                        None,
                        (!done).then_some(next_lease),
                        done.then_some(now),
                    ),
                )?;
                if !saved {
                    return Err(AppError::Conflict(
                        "another worker took this import over".into(),
                    ));
                }
                Ok(t)
            });
            match result {
                Ok(t) => {
                    tally = t;
                    lease = next_lease;
                    processed = end;
                    if done {
                        return Ok(());
                    }
                }
                Err(AppError::Conflict(why)) => {
                    tracing::warn!(import = job.id, %why, "import handed over");
                    return Ok(());
                }
                Err(e) => {
                    tracing::error!(import = job.id, error = %e, "import batch failed");
                    return fail(self, lease, &tally, processed as i64, e.to_string());
                }
            }
        }
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
