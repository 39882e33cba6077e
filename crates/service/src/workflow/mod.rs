//! Workflow rules: admin CRUD, and running them for each case event the worker takes from the
//! outbox, in the transaction that marks the event processed. Rules of the event's trigger run
//! in position order, each at most once per event, each seeing what the ones before it did;
//! every rule that acts leaves a system entry saying what it did. Changes made by rules emit
//! events marked `by_rule`, which start no rules, so rules never loop.
//!
//! By module: `rules` (admins' management, checked), `run` (on each event and on time),
//! `actions` (what a matching rule does). The imports below serve every submodule.

mod actions;
mod rules;
mod run;

use rules::*;

use std::collections::HashSet;

use chrono::NaiveDateTime;
use helpdesk_api_types::workflow::{Action, Condition, Trigger, WorkflowRule, WorkflowRuleInput};
use helpdesk_domain::event::{CaseFields, EntryKind, Event, Recorded};
use helpdesk_domain::workflow::{matches, FIELDS};
use helpdesk_domain::{assignment, NoEmail, RuleOutcome, SystemEvent};
use helpdesk_store::cases::{self as case_store, CaseChanges, CaseRow};
use helpdesk_store::notifications::{self as note_store, NewMail, NewNotification};
use helpdesk_store::sla as sla_store;
use helpdesk_store::users as user_store;
use helpdesk_store::workflow::{self as store, RuleRow, RuleValues};
use helpdesk_store::{crm, AnyConnection, StoreError};
use serde_json::{Map, Value};
use validator::Validate;

use crate::cases::case_snapshot;
use crate::outbox::emit;
use crate::users::not_found;
use crate::{Actor, AppError, Services};

/// Job kind of `time_in_status` timers.
pub(crate) const TIME_RULE: &str = sla_store::RULE_TIME;

/// The case fields an event changed, with their new values.
pub(crate) type Changed = Map<String, Value>;

/// What a rule runs for: an outbox event, or a `time_in_status` timer (a negative id, the
/// timer's), and the case it is about.
pub(super) struct Occasion {
    pub id: i64,
    pub case_id: i64,
    pub at: NaiveDateTime,
}
