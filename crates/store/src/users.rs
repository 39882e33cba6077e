//! Users (admins, agents, portal users) and teams.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::assignment::AssignmentStrategy;
use helpdesk_domain::{CaseStatus, Role};

use crate::schema::{cases, team_members, team_rotation, teams, users};
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub support_line: Option<i32>,
    pub language: String,
    pub contact_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub auto_follow: bool,
    pub notification_settings: String,
    pub available: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
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
    pub role: Option<Role>,
    pub password_hash: Option<Option<String>>,
    pub support_line: Option<Option<i32>>,
    pub language: Option<String>,
    pub contact_id: Option<Option<i64>>,
    pub active: Option<bool>,
    pub available: Option<bool>,
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
    role: Option<Role>,
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
    pub assignment: AssignmentStrategy,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub support_line: Option<Option<i32>>,
    pub description: Option<Option<String>>,
    pub assignment: Option<AssignmentStrategy>,
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
        .filter(users::role.eq_any([Role::Agent, Role::Admin]))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// The active portal user acting as `contact_id`, if there is one.
pub fn portal_user_of_contact(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::contact_id.eq(contact_id))
        .filter(users::role.eq(Role::Portal))
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

/// Agents who can take a team's new cases: active, available, agents or admins, members of the
/// team; by id.
pub fn eligible_members(conn: &mut AnyConnection, team_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(team_members::table
        .inner_join(users::table)
        .filter(team_members::team_id.eq(team_id))
        .filter(users::active.eq(true))
        .filter(users::available.eq(true))
        .filter(users::role.eq_any([Role::Agent, Role::Admin]))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?)
}

/// The team's rotation position, locked until the transaction ends (PostgreSQL; a SQLite write
/// transaction is exclusive), so two cases given out at once never read the same position.
pub fn lock_rotation(
    conn: &mut AnyConnection,
    team_id: i64,
    now: NaiveDateTime,
) -> Result<Option<i64>, StoreError> {
    let insert = diesel::insert_into(team_rotation::table)
        .values((
            team_rotation::team_id.eq(team_id),
            team_rotation::updated_at.eq(now),
        ))
        .on_conflict_do_nothing();
    let last = match conn {
        AnyConnection::Postgresql(c) => {
            insert.execute(c)?;
            team_rotation::table
                .find(team_id)
                .select(team_rotation::last_user_id)
                .for_update()
                .first(c)?
        }
        AnyConnection::Sqlite(c) => {
            insert.execute(c)?;
            team_rotation::table
                .find(team_id)
                .select(team_rotation::last_user_id)
                .first(c)?
        }
    };
    Ok(last)
}

pub fn set_rotation(
    conn: &mut AnyConnection,
    team_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(team_rotation::table.find(team_id))
        .set((
            team_rotation::last_user_id.eq(user_id),
            team_rotation::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Open cases (new, open, awaiting the customer, on hold) per agent of `user_ids`; agents with
/// none are listed with 0.
pub fn open_case_counts(
    conn: &mut AnyConnection,
    user_ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    let counted: Vec<(Option<i64>, i64)> = cases::table
        .filter(cases::assignee_id.eq_any(user_ids))
        .filter(cases::status.eq_any([
            CaseStatus::New,
            CaseStatus::Open,
            CaseStatus::AwaitingCustomer,
            CaseStatus::InformationRequested,
            CaseStatus::OnHold,
        ]))
        .group_by(cases::assignee_id)
        .select((cases::assignee_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(user_ids
        .iter()
        .map(|id| {
            let n = counted
                .iter()
                .find(|(a, _)| *a == Some(*id))
                .map_or(0, |(_, n)| *n);
            (*id, n)
        })
        .collect())
}

pub fn set_available(
    conn: &mut AnyConnection,
    id: i64,
    available: bool,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(users::table.find(id))
        .set((users::available.eq(available), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}
