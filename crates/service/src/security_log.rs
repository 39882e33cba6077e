//! The security log: what happened to accounts (sign-ins and their failures, sessions and API
//! tokens created and ended, roles, accounts and passwords changed), written in the transaction
//! of the change it records, listed for admins, kept 180 days.

use chrono::Duration;
use helpdesk_api_types::auth::{
    SecurityEvent, SecurityEventKind, SecurityEventPage, SecurityEventQuery,
};
use helpdesk_store::security::{self as store, EventFilter, NewSecurityEvent, SecurityEventRow};
use helpdesk_store::AnyConnection;

use crate::auth::ClientInfo;
use crate::{cursor_string, page_params, Actor, AppError, Services};

/// How long the log keeps an event.
pub const KEEP_DAYS: i64 = 180;

/// One event to record.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'a> {
    pub kind: SecurityEventKind,
    /// The account concerned.
    pub user_id: Option<i64>,
    /// Who did it, when not the account itself.
    pub actor_id: Option<i64>,
    pub email: Option<&'a str>,
    pub client: &'a ClientInfo,
    pub reason: Option<&'a str>,
    pub session_id: Option<i64>,
}

impl<'a> Entry<'a> {
    /// An event concerning `user_id`, done by `actor` (the user themself or an admin), from
    /// where the actor's request came.
    pub fn by(actor: &'a Actor, kind: SecurityEventKind, user_id: i64) -> Self {
        Entry {
            kind,
            user_id: Some(user_id),
            actor_id: (actor.user_id != user_id).then_some(actor.user_id),
            email: None,
            client: &actor.client,
            reason: None,
            session_id: actor.session_id.filter(|_| actor.user_id == user_id),
        }
    }

    /// A refused sign-in of `email` (and of `user`, when the address has an account).
    pub fn failure(
        user: Option<&helpdesk_store::users::UserRow>,
        email: &'a str,
        client: &'a ClientInfo,
        reason: helpdesk_domain::security::SignInFailure,
    ) -> Self {
        Entry {
            kind: SecurityEventKind::SignInFailed,
            user_id: user.map(|u| u.id),
            actor_id: None,
            email: Some(email),
            client,
            reason: Some(reason.as_str()),
            session_id: None,
        }
    }

    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn session(mut self, session_id: Option<i64>) -> Self {
        self.session_id = session_id;
        self
    }
}

/// Records `entry` in the transaction of `c`.
pub(crate) fn record(
    c: &mut AnyConnection,
    now: chrono::NaiveDateTime,
    entry: Entry<'_>,
) -> Result<(), AppError> {
    store::record(
        c,
        &NewSecurityEvent {
            occurred_at: now,
            kind: entry.kind.as_str(),
            user_id: entry.user_id,
            actor_id: entry.actor_id,
            email: entry.email,
            ip: &entry.client.ip,
            user_agent: &entry.client.user_agent,
            reason: entry.reason,
            session_id: entry.session_id,
        },
    )?;
    Ok(())
}

fn dto(row: SecurityEventRow) -> Result<SecurityEvent, AppError> {
    let kind = SecurityEventKind::parse(&row.kind).map_err(|_| {
        AppError::Internal(format!(
            "security event {} has an unknown kind `{}`",
            row.id, row.kind
        ))
    })?;
    Ok(SecurityEvent {
        id: row.id,
        occurred_at: row.occurred_at.and_utc(),
        kind,
        user_id: row.user_id,
        actor_id: row.actor_id,
        email: row.email,
        ip: row.ip,
        user_agent: row.user_agent,
        reason: row.reason,
        session_id: row.session_id,
    })
}

impl Services {
    /// The security log, newest first (admins).
    pub fn security_events(
        &self,
        actor: &Actor,
        q: &SecurityEventQuery,
    ) -> Result<SecurityEventPage, AppError> {
        actor.admin()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let filter = EventFilter {
            kinds: q
                .kind
                .map(|k| vec![k.as_str().to_owned()])
                .unwrap_or_default(),
            user_id: q.user_id,
            ip: q.ip.clone().filter(|ip| !ip.trim().is_empty()),
            since: q.since.map(|t| t.naive_utc()),
            until: q.until.map(|t| t.naive_utc()),
        };
        self.db.read(|c| {
            let page = store::list(c, &filter, limit, cursor)?;
            Ok(SecurityEventPage {
                items: page.items.into_iter().map(dto).collect::<Result<_, _>>()?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    /// Forgets security events older than [`KEEP_DAYS`] and sign-in counters quiet for a day;
    /// returns how many rows went.
    pub fn purge_security_log(&self) -> Result<usize, AppError> {
        let now = self.now();
        let events = now - Duration::days(KEEP_DAYS);
        let counters = now - helpdesk_domain::throttle::forget_after();
        self.db
            .write(|c| Ok(store::purge_events(c, events)? + store::purge_counters(c, counters)?))
    }
}
