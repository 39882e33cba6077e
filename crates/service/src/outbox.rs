//! Writing outbox events beside the change that causes them, and reading them back.

use helpdesk_domain::event::{Event, Recorded};
use helpdesk_store::events::{insert_event, EventRow, NewEvent};
use helpdesk_store::{AnyConnection, StoreError};

use crate::{Actor, AppError};

pub(crate) fn emit(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    actor: Option<&Actor>,
    event: &Event,
) -> Result<i64, StoreError> {
    emit_timed(conn, now, actor, event).map(|(id, _)| id)
}

/// [`emit`], telling too whether the event ran the case's SLA clocks (some policy is active):
/// when it did not, the case has no clocks to read back.
pub(crate) fn emit_timed(
    conn: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    actor: Option<&Actor>,
    event: &Event,
) -> Result<(i64, bool), StoreError> {
    let (aggregate_type, aggregate_id) = event.aggregate();
    let id = insert_event(
        conn,
        &NewEvent {
            event_type: event.type_name(),
            aggregate_type,
            aggregate_id,
            actor_user_id: actor.map(|a| a.user_id),
            payload: event.payload().to_string(),
            created_at: now,
        },
    )?;
    // The SLA clocks move with the case, in the same transaction.
    let timed = match event.case_id() {
        Some(case_id) => crate::sla::after_event(conn, event.type_name(), case_id, now)?,
        None => false,
    };
    Ok((id, timed))
}

/// An outbox row read back as its typed event; one that does not read is an error naming it.
pub fn recorded(row: &EventRow) -> Result<Recorded, AppError> {
    let event = Event::from_stored(row.id, &row.event_type, &row.payload)
        .map_err(|e| AppError::failed("reading the outbox", e))?;
    Ok(Recorded {
        id: row.id,
        event,
        actor_user_id: row.actor_user_id,
        created_at: row.created_at,
    })
}
