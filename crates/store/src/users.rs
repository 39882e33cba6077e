//! Users (admins, agents, portal users) and teams.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{team_members, teams, users};
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub support_line: Option<i32>,
    pub language: String,
    pub contact_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub auto_follow: bool,
    pub notification_settings: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub support_line: Option<i32>,
    pub language: String,
    pub contact_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<String>,
    pub password_hash: Option<Option<String>>,
    pub support_line: Option<Option<i32>>,
    pub language: Option<String>,
    pub contact_id: Option<Option<i64>>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_user(conn: &mut AnyConnection, new: &NewUser) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)?)
}

pub fn update_user(
    conn: &mut AnyConnection,
    id: i64,
    changes: &UserChanges,
) -> Result<(), StoreError> {
    match diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)?
    {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub fn user(conn: &mut AnyConnection, id: i64) -> Result<UserRow, StoreError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)?)
}

pub fn user_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn count_users(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn list_users(
    conn: &mut AnyConnection,
    role: Option<&str>,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<UserRow>, StoreError> {
    let mut q = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(role) = role {
        q = q.filter(users::role.eq(role));
    }
    if let Some(c) = cursor {
        q = q.filter(users::id.gt(c));
    }
    let rows = q.order(users::id.asc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub support_line: Option<i32>,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub support_line: Option<Option<i32>>,
    pub description: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_team(
    conn: &mut AnyConnection,
    name: &str,
    support_line: Option<i32>,
    description: Option<&str>,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(teams::table)
        .values((
            teams::name.eq(name),
            teams::support_line.eq(support_line),
            teams::description.eq(description),
            teams::created_at.eq(now),
            teams::updated_at.eq(now),
        ))
        .returning(teams::id)
        .get_result(conn)?)
}

pub fn update_team(
    conn: &mut AnyConnection,
    id: i64,
    changes: &TeamChanges,
) -> Result<(), StoreError> {
    match diesel::update(teams::table.find(id))
        .set(changes)
        .execute(conn)?
    {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub fn team(conn: &mut AnyConnection, id: i64) -> Result<TeamRow, StoreError> {
    Ok(teams::table
        .find(id)
        .select(TeamRow::as_select())
        .first(conn)?)
}

pub fn list_teams(conn: &mut AnyConnection) -> Result<Vec<TeamRow>, StoreError> {
    Ok(teams::table
        .order(teams::name)
        .select(TeamRow::as_select())
        .load(conn)?)
}

pub fn team_member_ids(conn: &mut AnyConnection, team_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(team_members::table
        .filter(team_members::team_id.eq(team_id))
        .order(team_members::user_id)
        .select(team_members::user_id)
        .load(conn)?)
}

pub fn set_team_members(
    conn: &mut AnyConnection,
    team_id: i64,
    user_ids: &[i64],
) -> Result<(), StoreError> {
    diesel::delete(team_members::table.filter(team_members::team_id.eq(team_id))).execute(conn)?;
    for user_id in user_ids {
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team_id),
                team_members::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn teams_of(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(team_members::table
        .filter(team_members::user_id.eq(user_id))
        .order(team_members::team_id)
        .select(team_members::team_id)
        .load(conn)?)
}

/// Users by id (any that exist), in id order.
pub fn users_by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<UserRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Active agents and admins (who can be mentioned or auto-follow cases).
pub fn active_staff(conn: &mut AnyConnection) -> Result<Vec<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["agent", "admin"]))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Who follows a new case from the start, in one query: agents and admins who follow every
/// new case, and the active portal users acting as the requester `contact_id`.
pub fn new_case_followers(
    conn: &mut AnyConnection,
    requester: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let everything = users::auto_follow
        .eq(true)
        .and(users::role.eq_any(["agent", "admin"]));
    let query = users::table
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(users::id);
    Ok(match requester {
        Some(contact) => query
            .filter(everything.or(users::role.eq("portal").and(users::contact_id.eq(contact))))
            .load(conn)?,
        None => query.filter(everything).load(conn)?,
    })
}

/// The active portal user acting as `contact_id`, if there is one.
pub fn portal_user_of_contact(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::contact_id.eq(contact_id))
        .filter(users::role.eq("portal"))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_notification_settings(
    conn: &mut AnyConnection,
    id: i64,
    auto_follow: bool,
    settings: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set((
            users::auto_follow.eq(auto_follow),
            users::notification_settings.eq(settings),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
