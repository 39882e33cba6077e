//! Webhook subscriptions, deliveries and attempts.
//!
//! A delivery is written when the worker takes its event from the outbox, with the body it will
//! send on every attempt. Deliveries of one subscription that share an ordering key (one case,
//! one contact...) go out one at a time in id order: only the oldest pending one is ever due.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::{Page, StoreError};

mod deliveries;

pub use deliveries::*;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub secret: String,
    pub event_types: String,
    pub include_internal: bool,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// While failing: when one delivery may next be tried early.
    pub probe_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_null = true)]
pub struct SubscriptionValues {
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub include_internal: bool,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn subscriptions(conn: &mut AnyConnection) -> Result<Vec<SubscriptionRow>, StoreError> {
    Ok(webhook_subscriptions::table
        .order(webhook_subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

pub fn active_subscriptions(conn: &mut AnyConnection) -> Result<Vec<SubscriptionRow>, StoreError> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .order(webhook_subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?)
}

pub fn subscription(conn: &mut AnyConnection, id: i64) -> Result<SubscriptionRow, StoreError> {
    Ok(webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)?)
}

pub fn insert_subscription(
    conn: &mut AnyConnection,
    values: &SubscriptionValues,
    secret: &str,
    now: NaiveDateTime,
) -> Result<SubscriptionRow, StoreError> {
    Ok(diesel::insert_into(webhook_subscriptions::table)
        .values((
            values,
            webhook_subscriptions::secret.eq(secret),
            webhook_subscriptions::created_at.eq(now),
        ))
        .returning(webhook_subscriptions::all_columns)
        .get_result(conn)?)
}

pub fn update_subscription(
    conn: &mut AnyConnection,
    id: i64,
    values: &SubscriptionValues,
) -> Result<SubscriptionRow, StoreError> {
    Ok(diesel::update(webhook_subscriptions::table.find(id))
        .set(values)
        .returning(webhook_subscriptions::all_columns)
        .get_result(conn)?)
}

pub fn set_secret(
    conn: &mut AnyConnection,
    id: i64,
    secret: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let n = diesel::update(webhook_subscriptions::table.find(id))
        .set((
            webhook_subscriptions::secret.eq(secret),
            webhook_subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn delete_subscription(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(webhook_subscriptions::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A success: the failure streak ends.
pub fn clear_failing(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    diesel::update(
        webhook_subscriptions::table
            .find(id)
            .filter(webhook_subscriptions::failing_since.is_not_null()),
    )
    .set((
        webhook_subscriptions::failing_since.eq(None::<NaiveDateTime>),
        webhook_subscriptions::probe_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// When a failing subscription may next be probed.
pub fn set_probe_at(
    conn: &mut AnyConnection,
    id: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(webhook_subscriptions::table.find(id))
        .set(webhook_subscriptions::probe_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// The deliveries to probe now: for each active subscription that is failing and due for a
/// probe, its oldest pending delivery that is not due by its schedule and not leased.
pub fn probe_heads(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let subs: Vec<i64> = webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .filter(webhook_subscriptions::failing_since.is_not_null())
        .filter(webhook_subscriptions::probe_at.le(now))
        .select(webhook_subscriptions::id)
        .load(conn)?;
    let mut out = Vec::new();
    for sub in subs {
        let head: Option<(i64, NaiveDateTime, Option<NaiveDateTime>)> = webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(sub))
            .filter(webhook_deliveries::status.eq(PENDING))
            .order(webhook_deliveries::id.asc())
            .select((
                webhook_deliveries::id,
                webhook_deliveries::next_attempt_at,
                webhook_deliveries::lease_until,
            ))
            .first(conn)
            .optional()?;
        if let Some((id, next, locked)) = head {
            if next > now && locked.is_none_or(|l| l < now) {
                out.push((sub, id));
            }
        }
    }
    Ok(out)
}

/// One line of a delivery's attempt log.
fn log_attempt(
    conn: &mut AnyConnection,
    delivery_id: i64,
    attempt: &AttemptResult,
) -> Result<(), StoreError> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(delivery_id),
            webhook_attempts::attempted_at.eq(attempt.at),
            webhook_attempts::status_code.eq(attempt.status_code),
            webhook_attempts::error.eq(&attempt.error),
            webhook_attempts::latency_ms.eq(attempt.latency_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// A probe that failed: logged as an attempt, the delivery's schedule unchanged.
pub fn record_probe(
    conn: &mut AnyConnection,
    delivery_id: i64,
    attempt: &AttemptResult,
) -> Result<(), StoreError> {
    log_attempt(conn, delivery_id, attempt)?;
    diesel::update(webhook_deliveries::table.find(delivery_id))
        .set((
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::last_status_code.eq(attempt.status_code),
            webhook_deliveries::last_error.eq(&attempt.error),
            webhook_deliveries::last_latency_ms.eq(attempt.latency_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// The receiver is back: every delivery of the subscription waiting for a later retry is due
/// now (they still go in order per case).
pub fn release_backlog(
    conn: &mut AnyConnection,
    subscription_id: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(subscription_id))
            .filter(webhook_deliveries::status.eq(PENDING))
            .filter(webhook_deliveries::next_attempt_at.gt(now)),
    )
    .set(webhook_deliveries::next_attempt_at.eq(now))
    .execute(conn)?)
}

/// A failure: the streak starts now unless it already runs; returns when it started.
pub fn mark_failing(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<NaiveDateTime, StoreError> {
    diesel::update(
        webhook_subscriptions::table
            .find(id)
            .filter(webhook_subscriptions::failing_since.is_null()),
    )
    .set(webhook_subscriptions::failing_since.eq(now))
    .execute(conn)?;
    Ok(webhook_subscriptions::table
        .find(id)
        .select(webhook_subscriptions::failing_since)
        .first::<Option<NaiveDateTime>>(conn)?
        .unwrap_or(now))
}

/// Turns a subscription off; true when this call did it (it was active).
pub fn disable(
    conn: &mut AnyConnection,
    id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        webhook_subscriptions::table
            .find(id)
            .filter(webhook_subscriptions::active.eq(true)),
    )
    .set((
        webhook_subscriptions::active.eq(false),
        webhook_subscriptions::disabled_reason.eq(reason),
        webhook_subscriptions::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n > 0)
}
