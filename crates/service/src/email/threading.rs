//! Which case a mail belongs to: Message-IDs, subject tags, who may thread in, and the
//! suggested follow-up filed when a stranger's mail names a case.

use super::*;
use helpdesk_domain::event::{EntryKind, Event};

impl Services {
    pub(super) fn is_participant(
        &self,
        c: &mut AnyConnection,
        mailbox: &MailboxRow,
        case: &CaseRow,
        from: &str,
        contact_id: i64,
    ) -> Result<bool, AppError> {
        let contacts = case_store::case_contact_ids(c, case.id)?;
        if case.requester_id == Some(contact_id) || contacts.contains(&contact_id) {
            return Ok(true);
        }
        if mailbox.trust_organization_domain {
            let domain = from.rsplit('@').next().unwrap_or("");
            let known: Vec<i64> = case.requester_id.into_iter().chain(contacts).collect();
            let same = crm::emails_of(c, &known)?
                .iter()
                .any(|(_, e)| e.rsplit('@').next() == Some(domain));
            return Ok(same);
        }
        Ok(false)
    }

    /// Files a mail from a non-participant on the case its headers name: an internal entry by
    /// the sender's contact, changing nothing else (no status move, no auto-reply), that agents
    /// are told of like any note.
    pub(super) fn suggested_follow_up(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        contact_id: i64,
        body: &str,
        now: NaiveDateTime,
    ) -> Result<i64, AppError> {
        case_store::touch_case(c, case.id, now)?;
        let entry = case_store::insert_stream_entry(
            c,
            &case_store::NewStreamEntry {
                case_id: case.id,
                kind: helpdesk_domain::EntryKind::Internal,
                author_user_id: None,
                author_contact_id: Some(contact_id),
                body,
                created_at: now,
            },
        )?;
        crate::outbox::emit(
            c,
            now,
            None,
            &Event::EntryAdded {
                case_id: case.id,
                number: Some(case.number),
                entry_id: entry,
                kind: EntryKind::Internal,
                suggested: true,
                accepted: false,
            },
        )?;
        Ok(entry)
    }

    /// The contact of a sender: the one with this address, or a new one (at the organization
    /// whose domain the address is at, when there is one).
    pub(crate) fn sender_contact(
        &self,
        c: &mut AnyConnection,
        from: &str,
        name: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<(i64, Option<i64>), AppError> {
        if let Some(found) = crm::contact_by_email(c, from)? {
            return Ok(found);
        }
        let domain = from.rsplit('@').next().unwrap_or("");
        let organization_id = crm::organization_by_domain(c, domain)?;
        let display = name
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.contains('@'));
        let (first, last) = match display {
            Some(n) => match n.rsplit_once(' ') {
                Some((f, l)) => (f.trim().to_owned(), l.trim().to_owned()),
                None => (n.to_owned(), String::new()),
            },
            None => (
                from.split('@').next().unwrap_or(from).to_owned(),
                String::new(),
            ),
        };
        let id = crm::insert_contact(
            c,
            &crm::NewContact {
                first_name: first,
                last_name: last,
                organization_id,
                title: None,
                department: None,
                phones: "[]".into(),
                do_not_email: false,
                do_not_call: false,
                owner_id: None,
                portal_access: false,
                portal_sees_organization: false,
                created_at: now,
                updated_at: now,
            },
            &[from.to_owned()],
        )?;
        // Integrators hear of every new contact, whichever way it came.
        crate::outbox::emit(
            c,
            now,
            None,
            &Event::ContactCreated {
                id,
                from_lead_id: None,
            },
        )?;
        Ok((id, organization_id))
    }
}

/// `<id>` → `id`, trimmed and lowercased on the domain side as mail clients vary.
pub fn normalize_message_id(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_owned()
}

/// The case number of a `[#1234]` tag in a subject.
pub fn subject_tag(subject: &str) -> Option<i64> {
    let mut rest = subject;
    while let Some(i) = rest.find("[#") {
        let after = &rest[i + 2..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

pub(super) fn message_ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    if let Some(list) = value.as_text_list() {
        list.iter().map(|s| normalize_message_id(s)).collect()
    } else if let Some(one) = value.as_text() {
        one.split_whitespace().map(normalize_message_id).collect()
    } else {
        Vec::new()
    }
}
