//! Running an import in the worker: one batch of rows per transaction, each row checked, failures reported by line without stopping the rest.

use super::*;

impl Services {
    /// The worker's step: takes the next import that needs work (queued, or left by a worker
    /// that stopped) and runs it to the end. Returns whether there was one.
    pub fn run_next_import(&self) -> Result<bool, AppError> {
        let now = self.now();
        let claimed = self.db.write(|c| {
            Ok::<_, AppError>(store::claim(
                c,
                now,
                lease_until(now, Duration::seconds(LEASE)),
            )?)
        })?;
        match claimed {
            Some(row) => {
                self.process_import(row)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs one import now (used for small files, in the request).
    pub(super) fn run_import(&self, id: i64) -> Result<(), AppError> {
        let now = self.now();
        let row = self.db.write(|c| {
            let lease = lease_until(now, Duration::seconds(LEASE));
            let claimed = store::claim_queued(c, id, now, lease)?;
            Ok::<_, AppError>(claimed.map(|r| (r, lease)))
        })?;
        if let Some((row, _)) = row {
            self.process_import(row)?;
        }
        Ok(())
    }

    pub(super) fn process_import(&self, job: store::ImportRow) -> Result<(), AppError> {
        let entity = ImportEntity::parse(&job.entity_type)
            .ok_or_else(|| AppError::Internal(format!("import kind {}", job.entity_type)))?;
        let on_duplicate = OnDuplicate::parse(&job.on_duplicate).ok_or_else(|| {
            crate::unknown_stored("import", job.id, "on_duplicate", &job.on_duplicate)
        })?;
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
            rows: from_json("import", job.id, "report", &job.report)?,
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
        let options: serde_json::Value = from_json("import", job.id, "options", &job.options)?;
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
            let mapping = stored_mapping(job.id, &options)?;
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
            let next_lease = lease_until(now, Duration::seconds(LEASE));
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
                    // Not the rows' fault (they fail one by one into the report): the run
                    // is tried again from this batch as the import retry rule says, and
                    // given up when it is spent.
                    let why = crate::error::chain(&e);
                    tracing::error!(import = job.id, error = %why, "import batch failed");
                    let now = self.now();
                    return self.db.write(|c| {
                        match ImportQueue::failed(c, job.id, Some(lease), &why, now)? {
                            Failed::GivenUp => store::give_up(c, job.id, &why, now)?,
                            Failed::RetryAt(at) => {
                                tracing::info!(import = job.id, %at, "import to be taken up again");
                            }
                            Failed::NotHeld => {
                                tracing::warn!(import = job.id, "import handed over");
                            }
                        }
                        Ok::<_, AppError>(())
                    });
                }
            }
        }
    }
}
