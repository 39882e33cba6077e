//! Invitations of customers to the portal: single-use links, only the newest one working.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::portal_invitations;
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = portal_invitations)]
pub struct InvitationRow {
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub invited_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Voids the open invitations of a user; returns how many.
pub fn revoke_invitations(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        portal_invitations::table
            .filter(portal_invitations::user_id.eq(user_id))
            .filter(portal_invitations::accepted_at.is_null())
            .filter(portal_invitations::revoked_at.is_null()),
    )
    .set(portal_invitations::revoked_at.eq(now))
    .execute(conn)?)
}

/// Stores a new invitation for `user_id` and revokes the earlier ones still open: only the
/// newest link works.
pub fn replace_invitation(
    conn: &mut AnyConnection,
    user_id: i64,
    token_hash: &str,
    invited_by: Option<i64>,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    revoke_invitations(conn, user_id, now)?;
    diesel::insert_into(portal_invitations::table)
        .values((
            portal_invitations::user_id.eq(user_id),
            portal_invitations::token_hash.eq(token_hash),
            portal_invitations::invited_by.eq(invited_by),
            portal_invitations::created_at.eq(now),
            portal_invitations::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn invitation_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<InvitationRow>, StoreError> {
    Ok(portal_invitations::table
        .filter(portal_invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks an invitation used; false when it was used or revoked meanwhile.
pub fn accept_invitation(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        portal_invitations::table
            .find(id)
            .filter(portal_invitations::accepted_at.is_null())
            .filter(portal_invitations::revoked_at.is_null()),
    )
    .set(portal_invitations::accepted_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// When the newest invitation of a user was sent, if any.
pub fn last_invitation_of(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Option<InvitationRow>, StoreError> {
    Ok(portal_invitations::table
        .filter(portal_invitations::user_id.eq(user_id))
        .order(portal_invitations::id.desc())
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}
