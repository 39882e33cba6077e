//! Case actions (assign, take, request information, escalate, hold, resolve, close, reopen,
//! reject, merge), followers, and the status rules of the stream. Each action is one
//! transaction: the case change, its system entry in the stream and its outbox event.

use chrono::NaiveDateTime;
use helpdesk_api_types::cases::{
    ActionNote, AskWhom, AssignAction, Case, EscalateAction, Followers, MergeAction, RejectAction,
    RequestInfo, ResolveAction,
};
use helpdesk_domain::event::{EntryKind, Event};
use helpdesk_domain::{CaseStatus, SystemEvent};
use helpdesk_store::cases::{self as store, CaseChanges, CaseRow};
use helpdesk_store::{users, AnyConnection, StoreError};
use validator::Validate;

use crate::cases::{active_agent, case_snapshot};
use crate::error::Problems;
use crate::outbox::emit;
use crate::users::not_found;
use crate::{Actor, AppError, Services};

mod handoff;
mod merge;
mod status;

/// The highest support line.
const LAST_LINE: i32 = 3;

/// Refuses changes to a case nobody works on any more.
fn not_terminal(row: &CaseRow, action: &str) -> Result<(), AppError> {
    if row.status.is_terminal() {
        return Err(AppError::Conflict(format!(
            "case #{} is {}; reopen it before you {action} it",
            row.number, row.status
        )));
    }
    Ok(())
}

impl Services {
    /// Runs `f` on the current row of case `id` inside one write transaction, then returns
    /// the case as it is afterwards.
    fn act(
        &self,
        actor: &Actor,
        id: i64,
        f: impl FnOnce(&mut AnyConnection, CaseRow, NaiveDateTime) -> Result<(), AppError>,
    ) -> Result<Case, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            let (row, before) = case_snapshot(c, id)?;
            f(c, row, now)?;
            let (_, after) = case_snapshot(c, id)?;
            crate::audit::record(c, Some(actor), ("case", id), &before, &after, now)?;
            Ok::<_, AppError>(())
        })?;
        self.get_case(actor, id)
    }

    /// Moves `row` to `to` through the status machine (409 when it refuses), with the other
    /// `changes`, a system entry and a `case.status_changed` event.
    pub(crate) fn move_case(
        &self,
        c: &mut AnyConnection,
        actor: Option<&Actor>,
        row: &CaseRow,
        to: CaseStatus,
        mut changes: CaseChanges,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let from = row.status;
        from.transition(to)?;
        changes.status = Some(to);
        changes.updated_at = Some(now);
        changes.closed_at = Some((to == CaseStatus::Closed).then_some(now));
        store::update_case(c, row.id, &changes)?;
        let event = SystemEvent::StatusChanged { from, to };
        self.system_entry_as(c, row.id, actor, &[event], now)?;
        emit(
            c,
            now,
            actor,
            &Event::CaseStatusChanged {
                id: row.id,
                number: row.number,
                from,
                to,
            },
        )?;
        Ok(())
    }

    fn note(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        case_id: i64,
        kind: EntryKind,
        body: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        if let Some(body) = body.map(str::trim).filter(|b| !b.is_empty()) {
            let entry = store::insert_stream_entry(
                c,
                &store::NewStreamEntry {
                    case_id,
                    kind,
                    author_user_id: Some(actor.user_id),
                    author_contact_id: None,
                    body,
                    created_at: now,
                },
            )?;
            emit(
                c,
                now,
                Some(actor),
                &Event::EntryAdded {
                    case_id,
                    number: None,
                    entry_id: entry,
                    kind,
                    suggested: false,
                    accepted: false,
                },
            )?;
        }
        Ok(())
    }

    pub fn followers(&self, actor: &Actor, id: i64) -> Result<Followers, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            store::case(c, id).map_err(not_found("case"))?;
            Ok(Followers {
                user_ids: store::followers(c, id)?,
            })
        })
    }

    /// The acting agent follows (`true`) or stops following the case.
    pub fn set_following(&self, actor: &Actor, id: i64, on: bool) -> Result<Followers, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            store::case(c, id).map_err(not_found("case"))?;
            if on {
                store::follow(c, id, actor.user_id, now)?;
            } else {
                store::unfollow(c, id, actor.user_id)?;
            }
            Ok(Followers {
                user_ids: store::followers(c, id)?,
            })
        })
    }
}
