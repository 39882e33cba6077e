//! Writing outbox events beside the change that causes them.

use helpdesk_store::events::{insert_event, NewEvent};
use helpdesk_store::{AnyConnection, StoreError};

use crate::Actor;

pub(crate) fn emit(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    actor: Option<&Actor>,
    event_type: &str,
    aggregate: (&str, i64),
    payload: serde_json::Value,
) -> Result<i64, StoreError> {
    emit_timed(conn, now, actor, event_type, aggregate, payload).map(|(id, _)| id)
}

/// [`emit`], telling too whether the event ran the case's SLA clocks (some policy is active):
/// when it did not, the case has no clocks to read back.
pub(crate) fn emit_timed(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    actor: Option<&Actor>,
    event_type: &str,
    aggregate: (&str, i64),
    payload: serde_json::Value,
) -> Result<(i64, bool), StoreError> {
    let id = insert_event(
        conn,
        &NewEvent {
            event_type,
            aggregate_type: aggregate.0,
            aggregate_id: aggregate.1,
            actor_user_id: actor.map(|a| a.user_id),
            payload: payload.to_string(),
            created_at: now,
        },
    )?;
    // The SLA clocks move with the case, in the same transaction.
    let timed =
        aggregate.0 == "case" && crate::sla::after_event(conn, event_type, aggregate.1, now)?;
    Ok((id, timed))
}
