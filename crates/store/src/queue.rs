//! One way of working a queue table, shared by every one of them: mail to send
//! ([`MailQueue`]), webhook deliveries ([`DeliveryQueue`]), received mail to process
//! ([`ReceivedQueue`]), CSV imports ([`ImportQueue`]) and the timers of cases ([`TimerQueue`]).
//!
//! A row waits in one of its table's waiting states, due at `next_attempt_at` (a timer's
//! `run_at`). A worker takes it
//! with a lease (`lease_until`, set by compare-and-set, so two workers never hold the same row;
//! on PostgreSQL a second taker blocks on the row and then finds it taken). The attempt ends in
//! one of three ways, each recorded at once and each counted in `attempts`: done (a final
//! state), failed and tried again later by the queue's [`Retry`] (back to waiting, with
//! `last_error`), or given up when the retries are spent. A worker that stops before the end
//! [`release`](MailQueue::release)s what it holds, uncounted; one that dies leaves a lease that
//! runs out, and the row is taken again. Rows left in a working state (mail being handed to a
//! server) after their lease ran out are settled by [`expire`](MailQueue::expire).
//!
//! What a table adds of its own stays with the table: which rows may go first (webhook
//! deliveries go in order per case), and the states between taking and finishing (a mail is
//! `claimed`, then `sending`).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use helpdesk_domain::retry::Retry;

use crate::{truncate_time, AnyConnection, StoreError};

/// A row held by this worker until `until` (the value written, so it identifies the holder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub id: i64,
    pub until: NaiveDateTime,
}

/// When a lease taken at `now` for `length` runs out, as the database will keep it.
pub fn lease_until(now: NaiveDateTime, length: Duration) -> NaiveDateTime {
    truncate_time(now + length)
}

/// What a failed attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Waiting again, due at this time.
    RetryAt(NaiveDateTime),
    /// The retries are spent: left in the given-up state.
    GivenUp,
    /// The row was no longer this worker's (or no longer waiting): nothing was written.
    NotHeld,
}

macro_rules! queue_table {
    (
        $(#[$doc:meta])*
        $name:ident, $table:ident,
        due: $due:ident,
        waiting: [$($waiting:literal),+],
        taken: $taken:literal,
        retry: $retry:expr,
        given_up: $given_up:literal
    ) => {
        $(#[$doc])*
        pub struct $name;

        impl $name {
            /// The states in which a row waits to be taken; the first is where a retried or
            /// released row goes back to.
            pub const WAITING: &'static [&'static str] = &[$($waiting),+];
            /// The state of a row taken by a worker.
            pub const TAKEN: &'static str = $taken;
            /// When a failed attempt is tried again.
            pub const RETRY: Retry = $retry;
            /// The state of a row whose retries are spent.
            pub const GIVEN_UP: &'static str = $given_up;

            /// Rows that may be taken now, the longest due first: waiting, due, and not held
            /// by a live lease — or taken under a lease that ran out (its worker stopped).
            pub fn due(
                conn: &mut AnyConnection,
                now: NaiveDateTime,
                limit: i64,
            ) -> Result<Vec<i64>, StoreError> {
                use crate::schema::$table::dsl as t;
                Ok(t::$table
                    .filter(
                        t::status
                            .eq_any(Self::WAITING)
                            .and(t::$due.le(now))
                            .and(t::lease_until.is_null().or(t::lease_until.lt(now)))
                            .or(t::status.eq(Self::TAKEN).and(t::lease_until.lt(now))),
                    )
                    .order((t::$due.asc(), t::id.asc()))
                    .limit(limit)
                    .select(t::id)
                    .load(conn)?)
            }

            /// Takes those of `ids` that are still free (waiting and not leased, or under a
            /// lease that ran out) until `until`, whether due or not (a probe may go early);
            /// returns the ones this call took, in id order.
            pub fn take(
                conn: &mut AnyConnection,
                ids: &[i64],
                now: NaiveDateTime,
                until: NaiveDateTime,
            ) -> Result<Vec<Lease>, StoreError> {
                use crate::schema::$table::dsl as t;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let until = truncate_time(until);
                let mut taken: Vec<i64> = diesel::update(
                    t::$table.filter(t::id.eq_any(ids)).filter(
                        t::status
                            .eq_any(Self::WAITING)
                            .and(t::lease_until.is_null().or(t::lease_until.lt(now)))
                            .or(t::status.eq(Self::TAKEN).and(t::lease_until.lt(now))),
                    ),
                )
                .set((t::status.eq(Self::TAKEN), t::lease_until.eq(until)))
                .returning(t::id)
                .get_results(conn)?;
                taken.sort_unstable();
                Ok(taken.into_iter().map(|id| Lease { id, until }).collect())
            }

            /// [`Self::due`] then [`Self::take`]: up to `limit` due rows, leased until `until`.
            pub fn take_due(
                conn: &mut AnyConnection,
                now: NaiveDateTime,
                until: NaiveDateTime,
                limit: i64,
            ) -> Result<Vec<Lease>, StoreError> {
                let due = Self::due(conn, now, limit)?;
                Self::take(conn, &due, now, until)
            }

            /// Moves a held row to another working state (`to`) with a new lease; `None` when
            /// the lease is no longer this worker's.
            pub fn advance(
                conn: &mut AnyConnection,
                lease: Lease,
                to: &str,
                until: NaiveDateTime,
            ) -> Result<Option<Lease>, StoreError> {
                use crate::schema::$table::dsl as t;
                let until = truncate_time(until);
                let n = diesel::update(
                    t::$table
                        .find(lease.id)
                        .filter(t::lease_until.eq(lease.until)),
                )
                .set((t::status.eq(to), t::lease_until.eq(until)))
                .execute(conn)?;
                Ok((n == 1).then_some(Lease { id: lease.id, until }))
            }

            /// Keeps holding a row for longer; `None` when the lease is no longer this
            /// worker's.
            pub fn extend(
                conn: &mut AnyConnection,
                lease: Lease,
                until: NaiveDateTime,
            ) -> Result<Option<Lease>, StoreError> {
                use crate::schema::$table::dsl as t;
                let until = truncate_time(until);
                let n = diesel::update(
                    t::$table
                        .find(lease.id)
                        .filter(t::lease_until.eq(lease.until)),
                )
                .set(t::lease_until.eq(until))
                .execute(conn)?;
                Ok((n == 1).then_some(Lease { id: lease.id, until }))
            }

            /// Gives a held row back untried: waiting, due at once, the attempt not counted
            /// (a worker stopping before it began). `false` when it was no longer held.
            pub fn release(
                conn: &mut AnyConnection,
                lease: Lease,
                now: NaiveDateTime,
            ) -> Result<bool, StoreError> {
                use crate::schema::$table::dsl as t;
                Ok(diesel::update(
                    t::$table
                        .find(lease.id)
                        .filter(t::lease_until.eq(lease.until)),
                )
                .set((
                    t::status.eq(Self::WAITING[0]),
                    t::lease_until.eq(None::<NaiveDateTime>),
                    t::$due.eq(now),
                ))
                .execute(conn)?
                    == 1)
            }

            /// An attempt that came to an end: counted, the row in state `to` (done, or
            /// failed for good), the lease cleared, `error` kept as the last error. Whoever
            /// holds the row, so that an outcome learned late is not lost.
            pub fn finish(
                conn: &mut AnyConnection,
                id: i64,
                to: &str,
                error: Option<&str>,
            ) -> Result<(), StoreError> {
                use crate::schema::$table::dsl as t;
                diesel::update(t::$table.find(id))
                    .set((
                        t::status.eq(to),
                        t::attempts.eq(t::attempts + 1),
                        t::lease_until.eq(None::<NaiveDateTime>),
                        t::last_error.eq(error),
                    ))
                    .execute(conn)?;
                Ok(())
            }

            /// An attempt that failed and may succeed later: counted, and the row waits
            /// again until [`Self::RETRY`] says, or — once the retries are spent — is left
            /// [`Self::GIVEN_UP`]. With `held`, only while that lease is this worker's;
            /// without, only while the row is waiting and free (an attempt made inside a
            /// transaction that rolled back).
            pub fn failed(
                conn: &mut AnyConnection,
                id: i64,
                held: Option<NaiveDateTime>,
                error: &str,
                now: NaiveDateTime,
            ) -> Result<Failed, StoreError> {
                use crate::schema::$table::dsl as t;
                let row = t::$table.find(id);
                let attempts: Option<i32> = match held {
                    Some(until) => row
                        .filter(t::lease_until.eq(until))
                        .select(t::attempts)
                        .first(conn)
                        .optional()?,
                    None => row
                        .filter(t::status.eq_any(Self::WAITING))
                        .filter(t::lease_until.is_null().or(t::lease_until.lt(now)))
                        .select(t::attempts)
                        .first(conn)
                        .optional()?,
                };
                let Some(attempts) = attempts else {
                    return Ok(Failed::NotHeld);
                };
                let made = attempts.max(0) as u32 + 1;
                let (status, at, outcome) = match Self::RETRY.after(made) {
                    Some(wait) => {
                        let at = truncate_time(now + wait);
                        (Self::WAITING[0], at, Failed::RetryAt(at))
                    }
                    None => (Self::GIVEN_UP, now, Failed::GivenUp),
                };
                // Compare-and-set on the count read, so two recorders never both count.
                let n = diesel::update(row.filter(t::attempts.eq(attempts)))
                    .set((
                        t::status.eq(status),
                        t::attempts.eq(attempts + 1),
                        t::$due.eq(at),
                        t::lease_until.eq(None::<NaiveDateTime>),
                        t::last_error.eq(error),
                    ))
                    .execute(conn)?;
                Ok(if n == 1 { outcome } else { Failed::NotHeld })
            }

            /// Moves a waiting row's next attempt to `at` (sooner or later), keeping its count.
            /// `false` when it is not waiting.
            pub fn reschedule(
                conn: &mut AnyConnection,
                id: i64,
                at: NaiveDateTime,
            ) -> Result<bool, StoreError> {
                use crate::schema::$table::dsl as t;
                Ok(diesel::update(
                    t::$table
                        .find(id)
                        .filter(t::status.eq_any(Self::WAITING))
                        .filter(t::lease_until.is_null()),
                )
                .set(t::$due.eq(at))
                .execute(conn)?
                    == 1)
            }

            /// Rows left in working state `from` under a lease that ran out (their worker
            /// died mid-way): counted as an attempt and moved to `to` with `error`. Returns
            /// how many.
            pub fn expire(
                conn: &mut AnyConnection,
                from: &str,
                to: &str,
                error: &str,
                now: NaiveDateTime,
            ) -> Result<usize, StoreError> {
                use crate::schema::$table::dsl as t;
                Ok(diesel::update(
                    t::$table
                        .filter(t::status.eq(from))
                        .filter(t::lease_until.lt(now)),
                )
                .set((
                    t::status.eq(to),
                    t::attempts.eq(t::attempts + 1),
                    t::lease_until.eq(None::<NaiveDateTime>),
                    t::last_error.eq(error),
                ))
                .execute(conn)?)
            }
        }
    };
}

queue_table!(
    /// Mail to send: `pending` until a worker `claimed` it; then `sending` once a server
    /// greeted (see the mailer), and `sent`, `failed` or `unknown`.
    MailQueue, mail_outbox,
    due: next_attempt_at,
    waiting: ["pending"],
    taken: "claimed",
    retry: helpdesk_domain::retry::MAIL,
    given_up: "failed"
);

queue_table!(
    /// Webhook deliveries: `pending` (leased while being sent), then `delivered` or `failed`.
    /// Which pending ones may go is the table's own rule (the oldest of each case first).
    DeliveryQueue, webhook_deliveries,
    due: next_attempt_at,
    waiting: ["pending"],
    taken: "pending",
    retry: helpdesk_domain::retry::WEBHOOKS,
    given_up: "failed"
);

queue_table!(
    /// Received mail: `received` until processed (`processing` while a worker has it), then
    /// what processing made of it; `failed` when every retry failed.
    ReceivedQueue, inbound_messages,
    due: next_attempt_at,
    waiting: ["received"],
    taken: "processing",
    retry: helpdesk_domain::retry::RECEIVED_MAIL,
    given_up: "failed"
);

queue_table!(
    /// CSV imports: `queued`, `running` batch by batch under a lease renewed with each, then
    /// `done` or `failed`.
    ImportQueue, crm_imports,
    due: next_attempt_at,
    waiting: ["queued"],
    taken: "running",
    retry: helpdesk_domain::retry::IMPORTS,
    given_up: "failed"
);

queue_table!(
    /// The timers of cases (SLA warnings and breaches, time rules): `pending` until fired
    /// (`done`). They are fired in the case's transaction under its lock, so they are not
    /// leased; a case whose timers fail to fire is retried by [`Retry`] without holding up the
    /// others, and left `failed` once that is spent.
    TimerQueue, jobs,
    due: run_at,
    waiting: ["pending"],
    taken: "pending",
    retry: helpdesk_domain::retry::TIMERS,
    given_up: "failed"
);
