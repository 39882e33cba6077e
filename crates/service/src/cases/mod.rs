//! Cases and their streams, for agents and for portal users. What a case can do, by module:
//! `create` (the one insert every channel uses), `list` (one case, lists, queues), `update`
//! (fields and status), `stream` (messages and notes), `references` (what a case refers to,
//! checked), `dto` (as the API shows them). The imports below serve every submodule.

mod create;
mod dto;
mod list;
mod references;
mod stream;
mod update;

pub(crate) use create::*;
pub(crate) use dto::*;
pub(crate) use references::*;

use helpdesk_api_types::cases::{
    Case, CasePage, CasePatch, CaseQuery, NewCase, NewStreamEntry, PageQuery, QueueView, Queues,
    StatusChange, StreamEntry, StreamKind, StreamPage,
};
use helpdesk_domain::case::{check_case_type, initial_assignment, Creator};
use helpdesk_domain::{CaseStatus, CaseType, Channel, Priority, Role, SupportLine, SystemEvent};
use helpdesk_store::cases::{self as store, CaseChanges, CaseFilter, CaseSort, SlaFilter};
use helpdesk_store::{catalog, crm, users, AnyConnection, StoreError};
use validator::Validate;

use crate::error::Problems;
use crate::outbox::{emit, emit_timed};
use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

/// The stored row of a case and the case as the API shows it, read inside a transaction (the
/// row for the rules, the DTO for the audit).
pub(crate) fn case_snapshot(
    c: &mut AnyConnection,
    id: i64,
) -> Result<(store::CaseRow, Case), AppError> {
    let row = store::case(c, id).map_err(not_found("case"))?;
    let dto = case_dto(row.clone(), store::case_contact_ids(c, id)?)?;
    Ok((row, dto))
}
