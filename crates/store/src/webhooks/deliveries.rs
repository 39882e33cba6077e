//! Deliveries and their attempts: written from the outbox, leased by the worker one ordering key at a time, recorded, retried.

use super::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: i64,
    pub event_id: Option<i64>,
    pub event_type: String,
    pub ordering_key: String,
    pub message_id: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i32>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct NewDelivery {
    pub subscription_id: i64,
    pub event_id: Option<i64>,
    pub event_type: String,
    pub ordering_key: String,
    pub message_id: String,
    pub payload: String,
    pub status: String,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert_delivery(
    conn: &mut AnyConnection,
    row: &NewDelivery,
) -> Result<DeliveryRow, StoreError> {
    Ok(diesel::insert_into(webhook_deliveries::table)
        .values(row)
        .returning(webhook_deliveries::all_columns)
        .get_result(conn)?)
}

pub fn delivery(conn: &mut AnyConnection, id: i64) -> Result<DeliveryRow, StoreError> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)?)
}

/// A subscription's deliveries, newest first, optionally of one status.
/// A subscription's deliveries, newest first; `tried`: only those attempted (or not) yet.
pub fn deliveries(
    conn: &mut AnyConnection,
    subscription_id: i64,
    status: Option<&str>,
    tried: Option<bool>,
    limit: i64,
    before: Option<i64>,
) -> Result<Page<DeliveryRow>, StoreError> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(webhook_deliveries::status.eq(s.to_owned()));
    }
    match tried {
        Some(true) => q = q.filter(webhook_deliveries::attempts.gt(0)),
        Some(false) => q = q.filter(webhook_deliveries::attempts.eq(0)),
        None => {}
    }
    if let Some(b) = before {
        q = q.filter(webhook_deliveries::id.lt(b));
    }
    Ok(Page::from_overfetch(q.load(conn)?, limit, |d| d.id))
}

/// Deliveries that may go now: pending, due, not being sent by another worker, of an active
/// subscription, and the oldest pending one of their subscription and ordering key.
pub fn due_heads(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let earlier = diesel::alias!(webhook_deliveries as earlier);
    Ok(webhook_deliveries::table
        .inner_join(webhook_subscriptions::table)
        .filter(webhook_deliveries::status.eq(PENDING))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::lease_until
                .is_null()
                .or(webhook_deliveries::lease_until.lt(now)),
        )
        .filter(webhook_subscriptions::active.eq(true))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            earlier
                .filter(
                    earlier
                        .field(webhook_deliveries::subscription_id)
                        .eq(webhook_deliveries::subscription_id),
                )
                .filter(
                    earlier
                        .field(webhook_deliveries::ordering_key)
                        .eq(webhook_deliveries::ordering_key),
                )
                .filter(earlier.field(webhook_deliveries::status).eq(PENDING))
                .filter(
                    earlier
                        .field(webhook_deliveries::id)
                        .lt(webhook_deliveries::id),
                ),
        )))
        .order((
            webhook_deliveries::next_attempt_at.asc(),
            webhook_deliveries::id.asc(),
        ))
        .limit(limit)
        .select(webhook_deliveries::id)
        .load(conn)?)
}

/// Leases the given deliveries until `until` (the shared queue rule,
/// [`crate::queue::DeliveryQueue`]); returns those this call leased, in id order (another
/// worker may have taken some in between).
pub fn lease(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let taken: Vec<i64> = crate::queue::DeliveryQueue::take(conn, ids, now, until)?
        .into_iter()
        .map(|l| l.id)
        .collect();
    if taken.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::id.eq_any(&taken))
        .order(webhook_deliveries::id.asc())
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i32,
}

/// Logs an attempt and keeps what the receiver said on the delivery (its state is the queue's:
/// [`crate::queue::DeliveryQueue::finish`] or [`crate::queue::DeliveryQueue::failed`]).
pub fn note_attempt(
    conn: &mut AnyConnection,
    delivery_id: i64,
    attempt: &AttemptResult,
    delivered: bool,
) -> Result<(), StoreError> {
    log_attempt(conn, delivery_id, attempt)?;
    diesel::update(webhook_deliveries::table.find(delivery_id))
        .set((
            webhook_deliveries::last_status_code.eq(attempt.status_code),
            webhook_deliveries::last_error.eq(&attempt.error),
            webhook_deliveries::last_latency_ms.eq(attempt.latency_ms),
            webhook_deliveries::delivered_at.eq(delivered.then_some(attempt.at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a delivery back in the queue, due now (manual redelivery).
pub fn requeue(
    conn: &mut AnyConnection,
    delivery_id: i64,
    now: NaiveDateTime,
) -> Result<DeliveryRow, StoreError> {
    Ok(diesel::update(webhook_deliveries::table.find(delivery_id))
        .set((
            webhook_deliveries::status.eq(PENDING),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
        ))
        .returning(webhook_deliveries::all_columns)
        .get_result(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i32,
}

pub fn attempts(conn: &mut AnyConnection, delivery_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(delivery_id))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?)
}
