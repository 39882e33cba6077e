//! Calendars and SLA policies.

use super::*;

// Calendars.

pub fn calendars(conn: &mut AnyConnection) -> Result<Vec<CalendarRow>, StoreError> {
    Ok(calendars::table
        .order(calendars::id.asc())
        .select(CalendarRow::as_select())
        .load(conn)?)
}

pub fn calendar(conn: &mut AnyConnection, id: i64) -> Result<CalendarRow, StoreError> {
    Ok(calendars::table
        .find(id)
        .select(CalendarRow::as_select())
        .first(conn)?)
}

pub fn insert_calendar(
    conn: &mut AnyConnection,
    values: &CalendarValues,
    now: NaiveDateTime,
) -> Result<CalendarRow, StoreError> {
    Ok(diesel::insert_into(calendars::table)
        .values((values, calendars::created_at.eq(now)))
        .returning(calendars::all_columns)
        .get_result(conn)?)
}

pub fn update_calendar(
    conn: &mut AnyConnection,
    id: i64,
    values: &CalendarValues,
) -> Result<CalendarRow, StoreError> {
    Ok(diesel::update(calendars::table.find(id))
        .set(values)
        .returning(calendars::all_columns)
        .get_result(conn)?)
}

/// Deletes a calendar no policy uses; `Conflict` when one does.
pub fn delete_calendar(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let used: i64 = sla_policies::table
        .filter(sla_policies::calendar_id.eq(id))
        .count()
        .get_result(conn)?;
    if used > 0 {
        return Err(StoreError::Conflict(format!(
            "the calendar is used by {used} SLA policies"
        )));
    }
    match diesel::delete(calendars::table.find(id)).execute(conn)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

// Policies.

/// Every policy in the order they are tried.
pub fn policies(conn: &mut AnyConnection) -> Result<Vec<PolicyRow>, StoreError> {
    Ok(sla_policies::table
        .order((sla_policies::position.asc(), sla_policies::id.asc()))
        .select(PolicyRow::as_select())
        .load(conn)?)
}

pub fn active_policies(conn: &mut AnyConnection) -> Result<Vec<PolicyRow>, StoreError> {
    Ok(sla_policies::table
        .filter(sla_policies::active.eq(true))
        .order((sla_policies::position.asc(), sla_policies::id.asc()))
        .select(PolicyRow::as_select())
        .load(conn)?)
}

pub fn policy(conn: &mut AnyConnection, id: i64) -> Result<PolicyRow, StoreError> {
    Ok(sla_policies::table
        .find(id)
        .select(PolicyRow::as_select())
        .first(conn)?)
}

pub fn insert_policy(
    conn: &mut AnyConnection,
    values: &PolicyValues,
    now: NaiveDateTime,
) -> Result<PolicyRow, StoreError> {
    Ok(diesel::insert_into(sla_policies::table)
        .values((values, sla_policies::created_at.eq(now)))
        .returning(sla_policies::all_columns)
        .get_result(conn)?)
}

pub fn update_policy(
    conn: &mut AnyConnection,
    id: i64,
    values: &PolicyValues,
) -> Result<PolicyRow, StoreError> {
    Ok(diesel::update(sla_policies::table.find(id))
        .set(values)
        .returning(sla_policies::all_columns)
        .get_result(conn)?)
}

pub fn delete_policy(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    match diesel::delete(sla_policies::table.find(id)).execute(conn)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}
