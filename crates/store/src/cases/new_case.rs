//! Writing a new case with what comes with it: its contacts, its followers and the first entry
//! of its stream.

use diesel::prelude::*;

use super::{
    add_case_contacts, insert_case, insert_stream_entry, CaseRow, NewCase, NewStreamEntry,
};
use crate::db::next_case_number;
use crate::schema::{case_followers, cases};
use crate::{AnyConnection, StoreError};

/// The users who follow a new case: those named (its assignee, the portal user registering it),
/// agents and admins who follow every new case, and the active portal users acting as the
/// requester contact. Inactive users follow nothing. One definition for both ways a new case is
/// written ([`insert_new_case`]).
macro_rules! new_case_followers {
    ($named:expr, $requester:expr) => {{
        use crate::schema::users;
        users::active.eq(true).and(
            users::id
                .eq_any($named)
                .or(users::auto_follow
                    .eq(true)
                    .and(users::role.eq_any(["agent", "admin"])))
                .or(users::role
                    .eq("portal")
                    .and(users::contact_id.eq($requester))),
        )
    }};
}

/// The first entry of a new case's stream: its description, as a public message.
#[derive(Debug, Clone, Copy)]
pub struct FirstEntry<'a> {
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub body: &'a str,
}

/// A new case with what is written with it.
#[derive(Debug, Clone, Copy)]
pub struct NewCaseRows<'a> {
    pub case: &'a NewCase,
    pub contact_ids: &'a [i64],
    /// Users who follow it besides those every new case gets (see `new_case_followers!`).
    pub followers: &'a [i64],
    /// The requester contact, whose portal users follow the case.
    pub requester: Option<i64>,
    pub first_entry: Option<FirstEntry<'a>>,
}

/// Inserts a new case with its registration number, its contacts, its followers and the first
/// entry of its stream; returns the stored case and the entry's id. On PostgreSQL the four go in
/// one statement (data-modifying `WITH` clauses, checked against the foreign keys at its end):
/// one round trip where four were. SQLite runs in process, where a statement costs no round
/// trip, so there they go one by one.
pub fn insert_new_case(
    conn: &mut AnyConnection,
    new: &NewCaseRows<'_>,
) -> Result<(CaseRow, Option<i64>), StoreError> {
    match conn {
        // The registration number comes from the sequence default of `cases.number`.
        AnyConnection::Postgresql(pg) => Ok(pg_new_case::Statement {
            insert: diesel::insert_into(cases::table)
                .values(new.case)
                .returning(cases::all_columns),
            rows: new,
            followers: new_case_followers!(new.followers, new.requester),
        }
        .get_result(pg)?),
        AnyConnection::Sqlite(_) => {
            use crate::schema::users;
            use diesel::sql_types::{BigInt, Timestamp};
            let now = new.case.created_at;
            let number = next_case_number(conn)?;
            let row = insert_case(conn, new.case, number)?;
            add_case_contacts(conn, row.id, new.contact_ids)?;
            let rows = users::table
                .filter(new_case_followers!(new.followers, new.requester))
                .select((
                    row.id.into_sql::<BigInt>(),
                    users::id,
                    now.into_sql::<Timestamp>(),
                ));
            diesel::insert_into(case_followers::table)
                .values(rows)
                .into_columns((
                    case_followers::case_id,
                    case_followers::user_id,
                    case_followers::created_at,
                ))
                .execute(conn)?;
            let entry = match new.first_entry {
                Some(e) => Some(insert_stream_entry(
                    conn,
                    &NewStreamEntry {
                        case_id: row.id,
                        kind: helpdesk_domain::EntryKind::Public,
                        author_user_id: e.author_user_id,
                        author_contact_id: e.author_contact_id,
                        body: e.body,
                        created_at: now,
                    },
                )?),
                None => None,
            };
            Ok((row, entry))
        }
    }
}

/// The PostgreSQL statement of [`insert_new_case`]: diesel writes the case's INSERT (its column
/// list stays the one of [`NewCase`]) and the followers' condition; the rest is spelled here.
mod pg_new_case {
    use diesel::pg::{Pg, PgConnection};
    use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
    use diesel::{QueryResult, RunQueryDsl};

    use super::NewCaseRows;
    use crate::schema::cases;

    pub(super) struct Statement<'a, I, F> {
        pub insert: I,
        pub rows: &'a NewCaseRows<'a>,
        pub followers: F,
    }

    impl<I, F> QueryId for Statement<'_, I, F> {
        type QueryId = ();
        const HAS_STATIC_QUERY_ID: bool = false;
    }

    impl<I, F> Query for Statement<'_, I, F> {
        type SqlType = (cases::SqlType, Nullable<BigInt>);
    }

    impl<I, F> RunQueryDsl<PgConnection> for Statement<'_, I, F> {}

    impl<I: QueryFragment<Pg>, F: QueryFragment<Pg>> QueryFragment<Pg> for Statement<'_, I, F> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
            let now = &self.rows.case.created_at;
            out.push_sql("WITH c AS (");
            self.insert.walk_ast(out.reborrow())?;
            out.push_sql(
                "), cc AS (INSERT INTO case_contacts (case_id, contact_id) \
                 SELECT c.id, x.id FROM c, unnest(",
            );
            out.push_bind_param::<Array<BigInt>, _>(self.rows.contact_ids)?;
            out.push_sql(
                ") AS x(id)), f AS (INSERT INTO case_followers (case_id, user_id, created_at) \
                 SELECT c.id, users.id, ",
            );
            out.push_bind_param::<Timestamp, _>(now)?;
            out.push_sql(" FROM c, users WHERE ");
            self.followers.walk_ast(out.reborrow())?;
            out.push_sql(")");
            match &self.rows.first_entry {
                Some(e) => {
                    out.push_sql(
                        ", s AS (INSERT INTO stream_entries \
                         (case_id, kind, author_user_id, author_contact_id, body, created_at) \
                         SELECT c.id, 'public', ",
                    );
                    out.push_bind_param::<Nullable<BigInt>, _>(&e.author_user_id)?;
                    out.push_sql(", ");
                    out.push_bind_param::<Nullable<BigInt>, _>(&e.author_contact_id)?;
                    out.push_sql(", ");
                    out.push_bind_param::<Text, _>(e.body)?;
                    out.push_sql(", ");
                    out.push_bind_param::<Timestamp, _>(now)?;
                    out.push_sql(" FROM c RETURNING id) SELECT c.*, (SELECT id FROM s) FROM c");
                }
                None => out.push_sql(" SELECT c.*, NULL::bigint FROM c"),
            }
            Ok(())
        }
    }
}
