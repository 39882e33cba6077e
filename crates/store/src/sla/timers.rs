//! The durable timers of cases (warnings, breaches, rules triggered by time) and the jobs that fire them.

use super::*;

/// Replaces the pending SLA timers of a case with `new`.
pub fn replace_case_timers(
    conn: &mut AnyConnection,
    case_id: i64,
    new: &[NewJob],
) -> Result<(), StoreError> {
    replace_timers_of(conn, &[case_id], new)
}

/// Replaces the pending SLA timers of several cases with `new`.
pub fn replace_timers_of(
    conn: &mut AnyConnection,
    case_ids: &[i64],
    new: &[NewJob],
) -> Result<(), StoreError> {
    diesel::delete(
        jobs::table
            .filter(jobs::case_id.eq_any(case_ids))
            .filter(jobs::status.eq("pending"))
            // The case's jobs other than rule timers (`!=`, so that SQLite picks the case index
            // rather than walking every timer of a kind).
            .filter(jobs::kind.ne(RULE_TIME)),
    )
    .execute(conn)?;
    if new.is_empty() {
        return Ok(());
    }
    // One statement for all of them (batch inserts are per backend).
    match conn {
        AnyConnection::Postgresql(c) => diesel::insert_into(jobs::table).values(new).execute(c)?,
        AnyConnection::Sqlite(c) => diesel::insert_into(jobs::table).values(new).execute(c)?,
    };
    Ok(())
}

/// Queues a job unless one with the same key is already waiting.
pub fn enqueue_once(conn: &mut AnyConnection, job: &NewJob) -> Result<bool, StoreError> {
    let waiting: i64 = jobs::table
        .filter(jobs::key.eq(&job.key))
        .filter(jobs::status.eq("pending"))
        .count()
        .get_result(conn)?;
    if waiting > 0 {
        return Ok(false);
    }
    diesel::insert_into(jobs::table).values(job).execute(conn)?;
    Ok(true)
}

/// Cases with due SLA timers, the most overdue first.
pub fn due_cases(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(Option<i64>, Option<NaiveDateTime>)> = jobs::table
        .filter(jobs::status.eq("pending"))
        .filter(jobs::run_at.le(now))
        .filter(jobs::kind.eq_any([SLA_WARNING, SLA_BREACH]))
        .group_by(jobs::case_id)
        .select((jobs::case_id, diesel::dsl::min(jobs::run_at)))
        .order(diesel::dsl::min(jobs::run_at).asc())
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, _)| id).collect())
}

/// Due timers of one case (whose clocks the caller has locked).
pub fn due_jobs_of_case(
    conn: &mut AnyConnection,
    case_id: i64,
    now: NaiveDateTime,
) -> Result<Vec<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::case_id.eq(case_id))
        .filter(jobs::status.eq("pending"))
        .filter(jobs::run_at.le(now))
        .order((jobs::run_at.asc(), jobs::id.asc()))
        .select(JobRow::as_select())
        .load(conn)?)
}

/// Due jobs of a kind that belong to no case (the recomputation after policy changes).
pub fn due_jobs_of_kind(
    conn: &mut AnyConnection,
    kind: &str,
    now: NaiveDateTime,
) -> Result<Vec<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq("pending"))
        .filter(jobs::run_at.le(now))
        .order(jobs::id.asc())
        .select(JobRow::as_select())
        .load(conn)?)
}

/// Marks a claimed job done; false when it was not pending any more.
pub fn finish_job(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq("pending")),
    )
    .set((jobs::status.eq("done"), jobs::done_at.eq(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Pending jobs of a case (for the API and tests).
pub fn pending_jobs(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<JobRow>, StoreError> {
    Ok(jobs::table
        .filter(jobs::case_id.eq(case_id))
        .filter(jobs::status.eq("pending"))
        .order((jobs::run_at.asc(), jobs::id.asc()))
        .select(JobRow::as_select())
        .load(conn)?)
}

/// How many jobs are waiting, and how many of them are due by `now`.
pub fn job_backlog(conn: &mut AnyConnection, now: NaiveDateTime) -> Result<(i64, i64), StoreError> {
    let waiting: i64 = jobs::table
        .filter(jobs::status.eq("pending"))
        .count()
        .get_result(conn)?;
    let due: i64 = jobs::table
        .filter(jobs::status.eq("pending"))
        .filter(jobs::run_at.le(now))
        .count()
        .get_result(conn)?;
    Ok((waiting, due))
}
