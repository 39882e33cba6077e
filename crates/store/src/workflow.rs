//! Workflow rules.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::schema::workflow_rules;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workflow_rules)]
pub struct RuleRow {
    pub id: i64,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub trigger_on: String,
    pub match_all: bool,
    pub conditions: String,
    pub actions: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub after_minutes: Option<i32>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = workflow_rules, treat_none_as_null = true)]
pub struct RuleValues {
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub trigger_on: String,
    pub match_all: bool,
    pub conditions: String,
    pub actions: String,
    pub after_minutes: Option<i32>,
    pub updated_at: NaiveDateTime,
}

pub fn rules(conn: &mut AnyConnection) -> Result<Vec<RuleRow>, StoreError> {
    Ok(workflow_rules::table
        .order((workflow_rules::position.asc(), workflow_rules::id.asc()))
        .select(RuleRow::as_select())
        .load(conn)?)
}

/// Active rules of a trigger, in the order they run.
pub fn active_rules(conn: &mut AnyConnection, trigger: &str) -> Result<Vec<RuleRow>, StoreError> {
    Ok(workflow_rules::table
        .filter(workflow_rules::active.eq(true))
        .filter(workflow_rules::trigger_on.eq(trigger))
        .order((workflow_rules::position.asc(), workflow_rules::id.asc()))
        .select(RuleRow::as_select())
        .load(conn)?)
}

pub fn rule(conn: &mut AnyConnection, id: i64) -> Result<RuleRow, StoreError> {
    Ok(workflow_rules::table
        .find(id)
        .select(RuleRow::as_select())
        .first(conn)?)
}

pub fn insert_rule(
    conn: &mut AnyConnection,
    values: &RuleValues,
    now: NaiveDateTime,
) -> Result<RuleRow, StoreError> {
    Ok(diesel::insert_into(workflow_rules::table)
        .values((values, workflow_rules::created_at.eq(now)))
        .returning(workflow_rules::all_columns)
        .get_result(conn)?)
}

pub fn update_rule(
    conn: &mut AnyConnection,
    id: i64,
    values: &RuleValues,
) -> Result<RuleRow, StoreError> {
    Ok(diesel::update(workflow_rules::table.find(id))
        .set(values)
        .returning(workflow_rules::all_columns)
        .get_result(conn)?)
}

pub fn delete_rule(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    match diesel::delete(workflow_rules::table.find(id)).execute(conn)? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}
