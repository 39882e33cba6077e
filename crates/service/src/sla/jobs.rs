//! The SLA jobs: recomputing every case, and firing the timers that fall due (warnings, breaches).

use super::*;
use diesel::Connection;
use helpdesk_domain::event::{Event, SlaAlert};

impl Services {
    /// Computes the clocks of every case that can still change, in batches of `batch` cases
    /// per transaction; returns how many cases were computed. Clocks of cases no active policy
    /// covers any more are dropped.
    pub fn recompute_all_slas(&self, batch: i64) -> Result<usize, AppError> {
        let now = self.now();
        let mut after = 0;
        let mut done = 0;
        loop {
            let n = self.db.write(|c| {
                let Some(ctx) = SlaContext::load(c)? else {
                    store::clear_uncovered(c, &[])?;
                    return Ok::<_, StoreError>(None);
                };
                let ids = store::live_case_ids(c, after, batch)?;
                refresh_batch(c, &ctx, &ids, now)?;
                if after == 0 {
                    let active: Vec<i64> = ctx.policies.iter().map(|(p, _, _)| p.id).collect();
                    store::clear_uncovered(c, &active)?;
                }
                Ok(ids.last().copied().map(|last| (last, ids.len())))
            })?;
            match n {
                Some((last, count)) => {
                    after = last;
                    done += count;
                }
                None => return Ok(done),
            }
        }
    }

    /// Fires due timers, the cases of up to `limit` per transaction, until none is due. A
    /// worker takes a case by locking its clocks (skipping cases another worker holds), so each
    /// warning and breach is announced once, as an event in the outbox and an entry in the
    /// stream; a timer whose clock has since stopped or moved changes nothing. Returns how many
    /// were announced.
    pub fn run_due_jobs(&self, limit: i64) -> Result<usize, AppError> {
        let now = self.now();
        let recompute = self
            .db
            .read(|c| store::due_jobs_of_kind(c, store::SLA_RECOMPUTE, now))?;
        if !recompute.is_empty() {
            self.recompute_all_slas(500)?;
            self.db.write(|c| {
                for job in &recompute {
                    store::finish_job(c, job.id, now)?;
                }
                Ok::<_, StoreError>(())
            })?;
        }
        let mut announced = 0;
        loop {
            let now = self.now();
            let cases = self.db.read(|c| store::due_cases(c, now, limit))?;
            if cases.is_empty() {
                return Ok(announced);
            }
            let (taken, fired) = self.db.write(|c| {
                let Some(ctx) = SlaContext::load(c)? else {
                    return Ok::<_, AppError>((0, 0));
                };
                let (mut taken, mut fired) = (0, 0);
                for case_id in &cases {
                    if store::try_lock_case_sla(c, *case_id)?.is_none() {
                        continue;
                    }
                    taken += 1;
                    // Each case in its own savepoint: one whose timers fail is put back by
                    // the queue rule (retried later, then given up) without holding up the
                    // others.
                    let one = c.transaction(|c| self.fire_due_of_case(c, &ctx, *case_id, now));
                    match one {
                        Ok(n) => fired += n,
                        Err(e) => {
                            let why = crate::error::chain(&e);
                            tracing::error!(case_id, error = %why, "firing a case's timers failed");
                            for job in store::due_jobs_of_case(c, *case_id, now)? {
                                TimerQueue::failed(c, job.id, None, &why, now)?;
                            }
                        }
                    }
                }
                Ok((taken, fired))
            })?;
            announced += fired;
            // Every case was another worker's, or there were fewer than a batch: done here.
            if taken == 0 || (cases.len() as i64) < limit {
                return Ok(announced);
            }
        }
    }

    /// Fires the due timers of a case whose clocks the caller holds; returns how many were
    /// announced.
    fn fire_due_of_case(
        &self,
        c: &mut AnyConnection,
        ctx: &SlaContext,
        case_id: i64,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        let mut fired = 0;
        // Firing one timer recomputes the case's timers; a due one that was replaced is taken
        // in the next round.
        for _ in 0..6 {
            let due = store::due_jobs_of_case(c, case_id, now)?;
            if due.is_empty() {
                break;
            }
            for job in due {
                if store::finish_job(c, job.id, now)? && self.fire(c, ctx, case_id, &job, now)? {
                    fired += 1;
                }
            }
        }
        Ok(fired)
    }

    pub(super) fn fire(
        &self,
        c: &mut AnyConnection,
        ctx: &SlaContext,
        case_id: i64,
        job: &store::JobRow,
        now: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let Some(current) = refresh_case(c, ctx, case_id, now, None)? else {
            return Ok(false);
        };
        if current.fired.contains(&job.key) {
            return Ok(false);
        }
        let breach = job.kind == store::SLA_BREACH;
        let clock = current.clocks.iter().find(|k| {
            timer_key(case_id, k, &job.kind) == job.key && {
                let at = if breach { k.due_at } else { k.warn_at };
                at.is_some_and(|at| at <= utc(now) && k.stopped_at.is_none_or(|s| s > at))
            }
        });
        let Some(clock) = clock else {
            return Ok(false);
        };
        let case = case_store::case(c, case_id)?;
        let alert = SlaAlert {
            id: case_id,
            number: case.number,
            metric: clock.metric,
            policy_id: current.policy_id,
            due_at: clock.due_at,
            left_seconds: clock.left_seconds(),
        };
        let event = if breach {
            Event::SlaBreached(alert)
        } else {
            Event::SlaWarning(alert)
        };
        let said = helpdesk_domain::SystemEvent::Sla {
            metric: clock.metric,
            breached: breach,
            due_at: clock.due_at,
        };
        self.system_entry_as(c, case_id, None, &[said], now)?;
        emit(c, now, None, &event)?;
        // The clocks were just computed; only the announcement is new.
        let mut fired = current.fired;
        fired.insert(job.key.clone());
        store::mark_fired(
            c,
            case_id,
            &serde_json::to_string(&fired).unwrap_or_else(|_| "[]".into()),
            &job.key,
        )?;
        Ok(true)
    }

    /// The SLA of one case, as of now.
    pub(crate) fn sla_of(
        &self,
        c: &mut AnyConnection,
        case_id: i64,
    ) -> Result<Option<CaseSla>, StoreError> {
        Ok(slas_of(c, &[case_id], self.now())?.remove(&case_id))
    }
}
