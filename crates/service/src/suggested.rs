//! Suggested follow-ups: a mail whose headers name a case its sender is not a participant of
//! (a forwarded thread, or someone guessing a Message-ID) is filed there as an internal entry
//! (see [`crate::email`]). An agent reads it and decides: it belongs to the case (accept: it
//! becomes the customer's public message and the sender a contact of the case), or it is a
//! matter of its own (split: a new case from it).

use helpdesk_api_types::cases::{Case, StreamEntry};
use helpdesk_domain::event::{EntryKind, Event};
use helpdesk_domain::{CaseStatus, CaseType, Channel, Priority};
use helpdesk_store::cases::{self as store, CaseChanges};
use helpdesk_store::{crm, email as mail_store, AnyConnection};

use crate::cases::{one_entry, Draft, References};
use crate::outbox::emit;
use crate::users::not_found;
use crate::{Actor, AppError, Services};

impl Services {
    /// Lets a suggested follow-up into its case: a public message of the sender, who becomes a
    /// contact of the case (their next mail threads by itself). A case waiting on the customer
    /// opens again, as for any customer message.
    pub fn accept_suggested(
        &self,
        actor: &Actor,
        case_id: i64,
        entry_id: i64,
    ) -> Result<StreamEntry, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let (case, entry) = suggestion(c, case_id, entry_id)?;
            if !store::settle_suggested_entry(c, entry_id, "public", "accepted")? {
                return Err(decided());
            }
            if let Some(contact) = entry.author_contact_id {
                let known = store::case_contact_ids(c, case_id)?;
                if case.requester_id != Some(contact) && !known.contains(&contact) {
                    store::add_case_contacts(c, case_id, &[contact])?;
                }
            }
            let waiting = matches!(
                case.status.as_str(),
                "awaiting_customer" | "information_requested" | "on_hold" | "resolved"
            );
            if waiting {
                let to = CaseStatus::Open;
                self.move_case(c, Some(actor), &case, to, CaseChanges::default(), now)?;
            } else {
                store::touch_case(c, case_id, now)?;
            }
            emit(
                c,
                now,
                Some(actor),
                &Event::EntryAdded {
                    case_id,
                    number: Some(case.number),
                    entry_id,
                    kind: EntryKind::Public,
                    suggested: false,
                    accepted: true,
                },
            )?;
            Ok(())
        })?;
        self.db.read(|c| one_entry(c, entry_id))
    }

    /// Starts a new case from a suggested follow-up: the mail's subject, its text as the
    /// description, its sender as the requester. The entry stays on the old case as an internal
    /// record of where the mail went.
    pub fn split_suggested(
        &self,
        actor: &Actor,
        case_id: i64,
        entry_id: i64,
    ) -> Result<Case, AppError> {
        actor.staff_write()?;
        let new_id = self.db.write(|c| -> Result<i64, AppError> {
            let (case, entry) = suggestion(c, case_id, entry_id)?;
            if !store::settle_suggested_entry(c, entry_id, "internal", "split")? {
                return Err(decided());
            }
            let mail = mail_store::inbound_of_entry(c, entry_id)?;
            let mailbox = match mail.as_ref().and_then(|m| m.mailbox_id) {
                Some(id) => mail_store::list_mailboxes(c)?
                    .into_iter()
                    .find(|m| m.id == id),
                None => None,
            };
            let requester = entry.author_contact_id;
            let organization_id = match requester {
                Some(id) => crm::contact(c, id)?.organization_id,
                None => None,
            };
            let subject = mail
                .as_ref()
                .and_then(|m| m.subject.clone())
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| format!("Re: {}", case.subject));
            let draft = Draft {
                subject: subject.trim().chars().take(300).collect(),
                description: entry.body.clone(),
                priority: mailbox
                    .as_ref()
                    .map(|m| m.default_priority)
                    .unwrap_or(Priority::Normal),
                case_type: CaseType::Consultation,
                channel: Channel::Email,
                refs: References {
                    organization_id,
                    customer_id: None,
                    requester_id: requester,
                    contact_ids: requester.into_iter().collect(),
                    product_id: None,
                    component_id: None,
                    team_id: mailbox.as_ref().and_then(|m| m.default_team_id),
                    assignee_id: None,
                },
                support_line: 1,
                system_info: None,
                tags: Vec::new(),
                follow_up_of_id: None,
                mailbox_id: mailbox.as_ref().map(|m| m.id),
            };
            let new = self.insert_case(c, Some(actor), draft)?;
            Ok(new.row.id)
        })?;
        self.get_case(actor, new_id)
    }
}

/// The case and the suggested entry of it named, or why not.
fn suggestion(
    c: &mut AnyConnection,
    case_id: i64,
    entry_id: i64,
) -> Result<(store::CaseRow, store::StreamEntryRow), AppError> {
    let case = store::case(c, case_id).map_err(not_found("case"))?;
    let entry = store::stream_entry(c, entry_id)
        .ok()
        .filter(|e| e.case_id == case_id)
        .ok_or(AppError::NotFound("stream entry"))?;
    if entry.thread_rule.as_deref() != Some("suggested") {
        return Err(decided());
    }
    Ok((case, entry))
}

fn decided() -> AppError {
    AppError::Conflict("this entry is not a suggested follow-up (any more)".into())
}
