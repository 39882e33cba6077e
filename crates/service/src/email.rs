//! Email into cases: store the raw message first, then turn it into a case or an entry of one.
//!
//! [`Services::receive_email`] is the one path every message takes (the inbound endpoint now,
//! IMAP polling in the worker): the raw bytes go to the file store and an `inbound_messages` row
//! commits before anything else, so nothing is lost; a Message-ID seen before creates nothing.
//! Processing runs in its own transaction that claims the row; if it fails or the process dies,
//! the row stays `received` and [`Services::process_pending_email`] picks it up again.
//!
//! Threading, in order: In-Reply-To/References against every Message-ID we received or sent
//! for a case; then a `[#N]` tag in the subject; otherwise a new case. Never fuzzy subject
//! matching. Only a participant of the case (its requester or a case contact, or someone at
//! the requester's domain when the mailbox trusts organization domains) gets into it: a tag
//! from anyone else starts a new case, and a header match from anyone else (a forwarded
//! thread, or a guessed Message-ID) is filed on the case as a suggested follow-up, an internal
//! entry an agent accepts into the case or splits off into a new one
//! ([`Services::accept_suggested`], [`Services::split_suggested`]).

use chrono::NaiveDateTime;
use helpdesk_domain::{CaseType, Channel, Priority};
use helpdesk_store::cases::{self as case_store, CaseRow};
use helpdesk_store::email::{self as store, MailboxRow, NewInbound};
use helpdesk_store::notifications::{self as mail_store, NewMail};
use helpdesk_store::{attachments as file_rows, crm, AnyConnection, StoreError};
use mail_parser::{Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::cases::{Draft, References};
use crate::portal::CustomerMessage;
use crate::{AppError, Services};

/// The largest raw message accepted: room for one attachment at the size limit, base64
/// encoded, and the rest of the message. Attachments are then held to the limit one by one.
pub fn raw_mail_limit(max_attachment_bytes: u64) -> u64 {
    max_attachment_bytes
        .saturating_mul(2)
        .saturating_add(1 << 20)
}

/// Auto-replies to one sender per hour at most.
pub const AUTO_REPLIES_PER_HOUR: i64 = 3;

/// What happened to a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `created` (a new case), `threaded` (an entry of an existing case), `suggested` (its
    /// headers name a case its sender is not a participant of: an internal entry there, for an
    /// agent to accept or split off), `duplicate` (this Message-ID was received before; nothing
    /// done), `ignored` (our own mail, a bounce...), `received` (stored; processing will be
    /// retried).
    pub status: String,
    pub message_id: String,
    pub case_id: Option<i64>,
    pub case_number: Option<i64>,
    pub entry_id: Option<i64>,
    /// `in_reply_to`, `references`, `subject_tag` or `new_case`.
    pub thread_rule: Option<String>,
    pub note: Option<String>,
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Posted to the inbound endpoint.
    Inbound,
    /// Fetched over IMAP.
    Imap,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Inbound => "inbound",
            Source::Imap => "imap",
        }
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

/// Why a message must never get an automatic answer (RFC 3834 and common practice).
fn no_auto_reply_reason(msg: &Message<'_>, from: &str) -> Option<&'static str> {
    let header = |name: &str| msg.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header("Auto-Submitted").is_some_and(|v| v != "no") {
        return Some("auto-submitted");
    }
    if header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list")) {
        return Some("bulk or list mail");
    }
    if header("List-Id").is_some() || header("List-Unsubscribe").is_some() {
        return Some("list mail");
    }
    if header("X-Autoreply").is_some() || header("X-Autorespond").is_some() {
        return Some("auto-reply");
    }
    let local = from.split('@').next().unwrap_or("");
    if matches!(
        local,
        "mailer-daemon" | "postmaster" | "noreply" | "no-reply" | "donotreply"
    ) {
        return Some("a system sender");
    }
    None
}

fn is_bounce(msg: &Message<'_>, from: &str) -> bool {
    let report = msg.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    let local = from.split('@').next().unwrap_or("");
    report || matches!(local, "mailer-daemon" | "postmaster")
}

fn message_ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    if let Some(list) = value.as_text_list() {
        list.iter().map(|s| normalize_message_id(s)).collect()
    } else if let Some(one) = value.as_text() {
        one.split_whitespace().map(normalize_message_id).collect()
    } else {
        Vec::new()
    }
}

impl Services {
    /// Stores a message received by `mailbox_id`, then processes it. A message whose
    /// Message-ID we already have is a duplicate and changes nothing.
    pub fn receive_email(
        &self,
        mailbox_id: i64,
        raw: &[u8],
        source: Source,
    ) -> Result<Received, AppError> {
        // Only the headers here; the whole message is parsed once, when it is processed.
        let parsed = MessageParser::default().parse_headers(raw);
        let message_id = parsed
            .as_ref()
            .and_then(|m| m.message_id())
            .map(normalize_message_id)
            .filter(|id| !id.is_empty())
            // No Message-ID: one made of the bytes, so a second delivery is still recognised.
            .unwrap_or_else(|| {
                format!("{}@no-message-id.invalid", hex::encode(Sha256::digest(raw)))
            });
        let from = parsed
            .as_ref()
            .and_then(|m| m.from())
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_lowercase);
        let subject = parsed.as_ref().and_then(|m| m.subject()).map(str::to_owned);
        // A Message-ID we already have is found by the unique index when the row goes in.
        // The bytes first, then the row: a crash between the two leaves an unreferenced file.
        let stored = self
            .files
            .put(raw, raw_mail_limit(self.files.max_bytes()))
            .map_err(|e| match e {
                helpdesk_store::files::UploadError::TooLarge { limit } => AppError::TooLarge(
                    format!("the message is larger than the limit of {limit} bytes"),
                ),
                other => AppError::Internal(other.to_string()),
            })?;
        let now = self.now();
        let inserted = self.db.write_one(|c| {
            let id = store::insert_inbound(
                c,
                &NewInbound {
                    mailbox_id: Some(mailbox_id),
                    message_id: &message_id,
                    raw_sha256: &stored.sha256,
                    size: stored.size as i64,
                    source: source.as_str(),
                    from_address: from.as_deref(),
                    subject: subject.as_deref(),
                    status: "received",
                    received_at: now,
                },
            );
            match id {
                Ok(id) => Ok(Some(id)),
                // Delivered twice at the same moment: the other delivery has it.
                Err(StoreError::Conflict(_)) => Ok(None),
                Err(e) => Err(AppError::from(e)),
            }
        })?;
        let Some(inbound_id) = inserted else {
            let done = self
                .db
                .read(|c| Ok::<_, AppError>(store::inbound_by_message_id(c, &message_id)?))?;
            return done
                .map(duplicate)
                .ok_or(AppError::Internal("duplicate vanished".into()));
        };
        match self.process_email_bytes(inbound_id, Some(raw)) {
            Ok(r) => Ok(r),
            Err(e @ AppError::Internal(_)) => {
                tracing::error!(inbound_id, error = %e, "processing a received message failed; it will be retried");
                Ok(Received {
                    status: "received".into(),
                    message_id,
                    case_id: None,
                    case_number: None,
                    entry_id: None,
                    thread_rule: None,
                    note: Some("stored; processing will be retried".into()),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Processes stored messages that are still waiting (after a crash or a failure); returns
    /// how many were processed.
    pub fn process_pending_email(&self, limit: i64) -> Result<usize, AppError> {
        let ids = self
            .db
            .read(|c| Ok::<_, AppError>(store::pending_inbound(c, limit)?))?;
        let mut n = 0;
        for id in ids {
            match self.process_email(id) {
                Ok(r) if r.status != "received" => n += 1,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(inbound_id = id, error = %e, "processing a received message failed")
                }
            }
        }
        Ok(n)
    }

    /// Turns one stored message into a case change, in one transaction with the claim of its
    /// row; another process holding it makes this a no-op.
    pub fn process_email(&self, inbound_id: i64) -> Result<Received, AppError> {
        self.process_email_bytes(inbound_id, None)
    }

    /// [`Services::process_email`] with the raw bytes at hand (just received), or read back
    /// from the file store.
    fn process_email_bytes(
        &self,
        inbound_id: i64,
        bytes: Option<&[u8]>,
    ) -> Result<Received, AppError> {
        let now = self.now();
        self.db.write(|c| {
            let Some(row) = store::claim_inbound(c, inbound_id)? else {
                return Ok(duplicate(store::inbound(c, inbound_id)?));
            };
            let path = self
                .files
                .path_of(&row.raw_sha256)
                .ok_or_else(|| AppError::Internal("bad raw digest".into()))?;
            let read;
            let raw = match bytes {
                Some(b) => b,
                None => {
                    read = std::fs::read(&path).map_err(|e| {
                        AppError::Internal(format!("reading a stored message: {e}"))
                    })?;
                    &read[..]
                }
            };
            let mailboxes = store::list_mailboxes(c)?;
            let Some(mailbox) = mailboxes.iter().find(|m| Some(m.id) == row.mailbox_id) else {
                return Err(AppError::Internal("a message without a mailbox".into()));
            };
            let ours: Vec<String> = mailboxes.iter().map(|m| m.address.to_lowercase()).collect();
            let outcome = self.apply_email(c, mailbox, &ours, &row.message_id, raw, now)?;
            store::finish_inbound(
                c,
                inbound_id,
                &outcome.status,
                outcome.case_id,
                outcome.entry_id,
                outcome.thread_rule.as_deref(),
                outcome.note.as_deref(),
                now,
            )?;
            Ok(outcome)
        })
    }

    fn apply_email(
        &self,
        c: &mut AnyConnection,
        mailbox: &MailboxRow,
        ours: &[String],
        message_id: &str,
        raw: &[u8],
        now: NaiveDateTime,
    ) -> Result<Received, AppError> {
        let mut out = Received {
            status: "ignored".into(),
            message_id: message_id.to_owned(),
            case_id: None,
            case_number: None,
            entry_id: None,
            thread_rule: None,
            note: None,
        };
        let Some(msg) = MessageParser::default().parse(raw) else {
            out.note = Some("not a mail message".into());
            return Ok(out);
        };
        let sender = msg.from().and_then(|a| a.first());
        let Some(from) = sender.and_then(|a| a.address()).map(str::to_lowercase) else {
            out.note = Some("no sender address".into());
            return Ok(out);
        };
        if ours.contains(&from) {
            out.note = Some("sent from one of our own addresses".into());
            return Ok(out);
        }
        if is_bounce(&msg, &from) {
            out.note = Some("a delivery report (bounce)".into());
            return Ok(out);
        }
        let quiet = no_auto_reply_reason(&msg, &from);
        let subject = msg.subject().unwrap_or("").trim().to_owned();
        let text = msg
            .body_text(0)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        // Only a real HTML part (mail-parser would otherwise render the text part as HTML).
        let html = msg
            .html_bodies()
            .find(|p| p.is_text_html())
            .and_then(|p| p.text_contents())
            .map(str::to_owned);
        let (contact_id, organization_id) =
            self.sender_contact(c, &from, sender.and_then(|a| a.name()), now)?;

        // Threading.
        let mut refs = message_ids(msg.in_reply_to());
        let in_reply_to_count = refs.len();
        refs.extend(message_ids(msg.references()));
        let mut target: Option<(CaseRow, &'static str)> = None;
        let by_in_reply_to = store::case_of_message_ids(c, &refs[..in_reply_to_count])?;
        let by_references = match by_in_reply_to {
            Some(_) => None,
            None => store::case_of_message_ids(c, &refs[in_reply_to_count..])?,
        };
        if let Some((_, case_id)) = by_in_reply_to {
            target = Some((case_store::case(c, case_id)?, "in_reply_to"));
        } else if let Some((_, case_id)) = by_references {
            target = Some((case_store::case(c, case_id)?, "references"));
        } else if let Some(number) = subject_tag(&subject) {
            if let Some(case) = case_store::case_by_number(c, number)? {
                if self.is_participant(c, mailbox, &case, &from, contact_id)? {
                    target = Some((case, "subject_tag"));
                } else {
                    out.note = Some(format!(
                        "the subject names case #{number}, but the sender is not one of its participants"
                    ));
                }
            }
        }
        // A merged case forwards to where it went.
        if let Some((case, rule)) = target.take() {
            let mut case = case;
            for _ in 0..10 {
                match case.merged_into_id {
                    Some(next) => case = case_store::case(c, next)?,
                    None => break,
                }
            }
            target = Some((case, rule));
        }

        // A header match lets in only a participant; anyone else's mail waits for an agent.
        let suggested = match &target {
            Some((case, "in_reply_to" | "references")) => {
                !self.is_participant(c, mailbox, case, &from, contact_id)?
            }
            _ => false,
        };
        let (case_id, entry_id, rule, created, known) = match target {
            Some((case, rule)) if suggested => {
                let body = if text.is_empty() {
                    subject.clone()
                } else {
                    text.clone()
                };
                let entry = self.suggested_follow_up(c, &case, contact_id, &body, now)?;
                out.note = Some(format!(
                    "the headers name case #{}, but {from} is not one of its participants: filed there as a suggested follow-up for an agent to accept or split off",
                    case.number
                ));
                (case.id, entry, rule, false, Some(case))
            }
            Some((case, rule)) => {
                let body = if text.is_empty() {
                    subject.clone()
                } else {
                    text.clone()
                };
                let m = CustomerMessage {
                    by: None,
                    contact_id: Some(contact_id),
                    body: &body,
                    channel: Channel::Email,
                    // An out-of-office reply is kept but changes nothing.
                    moves_status: quiet.is_none(),
                };
                let (case_id, entry) = self.customer_message(c, &case, &m, now)?;
                (case_id, entry, rule, case_id != case.id, None)
            }
            None => {
                let requester = (contact_id, organization_id);
                let (case, entry) = self
                    .case_from_email(c, mailbox, &msg, &subject, &text, requester, &from, ours)?;
                (case.id, entry, "new_case", true, Some(case))
            }
        };
        // Files first: inline images (cid:) in the HTML then point at their attachments.
        let inline = self.attachments_from_email(c, &msg, case_id, entry_id, now)?;
        let html = html.map(|h| sanitize_html(&h, &inline));
        let entry_rule = if suggested { "suggested" } else { rule };
        case_store::set_entry_email(c, entry_id, &from, message_id, entry_rule, html.as_deref())?;
        store::remember_message_id(c, message_id, case_id, Some(entry_id), "in", now)?;
        let case = match known {
            Some(case) => case,
            None => case_store::case(c, case_id)?,
        };
        if created {
            match quiet {
                Some(why) => out.note = Some(format!("no auto-reply: {why}")),
                None => {
                    self.auto_reply(c, mailbox, &case, &from, message_id, &refs, now, &mut out)?
                }
            }
        }
        out.status = match (created, suggested) {
            (true, _) => "created",
            (false, true) => "suggested",
            (false, false) => "threaded",
        }
        .into();
        out.case_id = Some(case_id);
        out.case_number = Some(case.number);
        out.entry_id = Some(entry_id);
        out.thread_rule = Some(rule.into());
        Ok(out)
    }

    /// Files a mail from a non-participant on the case its headers name: an internal entry by
    /// the sender's contact, changing nothing else (no status move, no auto-reply), that agents
    /// are told of like any note.
    fn suggested_follow_up(
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
                kind: "internal",
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
            "case.entry_added",
            ("case", case.id),
            serde_json::json!({
                "case_id": case.id, "number": case.number, "entry_id": entry, "kind": "internal",
                "suggested": true,
            }),
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
            "contact.created",
            ("contact", id),
            serde_json::json!({ "id": id }),
        )?;
        Ok((id, organization_id))
    }

    fn is_participant(
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

    #[allow(clippy::too_many_arguments)]
    fn case_from_email(
        &self,
        c: &mut AnyConnection,
        mailbox: &MailboxRow,
        msg: &Message<'_>,
        subject: &str,
        text: &str,
        (requester, organization_id): (i64, Option<i64>),
        from: &str,
        ours: &[String],
    ) -> Result<(CaseRow, i64), AppError> {
        // Cc recipients (not our own addresses) become contacts of the case.
        let mut contact_ids = vec![requester];
        if let Some(cc) = msg.cc() {
            for a in cc.iter() {
                let Some(addr) = a.address().map(str::to_lowercase) else {
                    continue;
                };
                if ours.contains(&addr) || addr == from {
                    continue;
                }
                let (id, _) = self.sender_contact(c, &addr, a.name(), self.now())?;
                if !contact_ids.contains(&id) {
                    contact_ids.push(id);
                }
            }
        }
        let subject = if subject.is_empty() {
            "(no subject)"
        } else {
            subject
        };
        let draft = Draft {
            subject: subject.chars().take(300).collect(),
            description: if text.is_empty() {
                subject.to_owned()
            } else {
                text.to_owned()
            },
            priority: Priority::parse(&mailbox.default_priority).unwrap_or(Priority::Normal),
            case_type: CaseType::Consultation,
            channel: Channel::Email,
            refs: References {
                organization_id,
                customer_id: None,
                requester_id: Some(requester),
                contact_ids,
                product_id: None,
                component_id: None,
                team_id: mailbox.default_team_id,
                assignee_id: None,
            },
            support_line: 1,
            system_info: None,
            tags: Vec::new(),
            follow_up_of_id: None,
            mailbox_id: Some(mailbox.id),
        };
        let new = self.insert_case(c, None, draft)?;
        let entry = new
            .first_entry_id
            .ok_or_else(|| AppError::Internal("a new case without its first entry".into()))?;
        Ok((new.row, entry))
    }

    /// Files of a message become attachments of its entry; one over the size limit is
    /// recorded as refused, with the reason, instead of silently dropped. Returns the
    /// attachments that carry a Content-ID (inline images), by that id.
    fn attachments_from_email(
        &self,
        c: &mut AnyConnection,
        msg: &Message<'_>,
        case_id: i64,
        entry_id: i64,
        now: NaiveDateTime,
    ) -> Result<Vec<(String, i64)>, AppError> {
        let mut inline = Vec::new();
        for part in msg.attachments() {
            let bytes = part.contents();
            let filename =
                crate::attachments::clean_filename(part.attachment_name().unwrap_or("attachment"));
            let content_type = crate::attachments::clean_content_type(
                part.content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_owned(),
                    })
                    .as_deref(),
            );
            let (sha256, refused) = match self.files.put(bytes, self.files.max_bytes()) {
                Ok(f) => (f.sha256, None),
                Err(helpdesk_store::files::UploadError::TooLarge { limit }) => (
                    String::new(),
                    Some(format!(
                        "larger than the limit of {limit} bytes; not stored"
                    )),
                ),
                Err(e) => return Err(AppError::Internal(e.to_string())),
            };
            let row = file_rows::insert_attachment(
                c,
                &file_rows::NewAttachment {
                    case_id,
                    entry_id: Some(entry_id),
                    sha256: &sha256,
                    size: bytes.len() as i64,
                    filename: &filename,
                    content_type: &content_type,
                    uploaded_by_id: None,
                    created_at: now,
                    refused,
                },
            )?;
            if let Some(cid) = part.content_id().filter(|_| row.refused.is_none()) {
                inline.push((normalize_message_id(cid), row.id));
            }
        }
        Ok(inline)
    }

    /// The new-case auto-reply: from the mailbox, in the thread, marked `auto-replied`, at most
    /// [`AUTO_REPLIES_PER_HOUR`] per sender.
    #[allow(clippy::too_many_arguments)]
    fn auto_reply(
        &self,
        c: &mut AnyConnection,
        mailbox: &MailboxRow,
        case: &CaseRow,
        to: &str,
        their_id: &str,
        their_refs: &[String],
        now: NaiveDateTime,
        out: &mut Received,
    ) -> Result<(), AppError> {
        if !mailbox.auto_reply {
            return Ok(());
        }
        if self.notify.mail_from.is_none() {
            out.note = Some("no auto-reply: email sending is not configured".into());
            return Ok(());
        }
        let since = now - chrono::Duration::hours(1);
        if mail_store::count_recent(c, to, "auto_reply", since)? >= AUTO_REPLIES_PER_HOUR {
            out.note = Some("no auto-reply: the sender got enough of them this hour".into());
            return Ok(());
        }
        let ru = mailbox.language.starts_with("ru");
        let template = if ru {
            &mailbox.auto_reply_ru
        } else {
            &mailbox.auto_reply_en
        };
        let n = case.number;
        let default_text = if ru {
            format!("Здравствуйте!\n\nВаше обращение зарегистрировано под номером #{n}. Чтобы дополнить его, ответьте на это письмо, сохранив [#{n}] в теме.")
        } else {
            format!("Hello,\n\nwe have registered your request as case #{n}. To add information, reply to this email and keep [#{n}] in the subject.")
        };
        let body = template
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.replace("{number}", &n.to_string())
                    .replace("{subject}", &case.subject)
            })
            .unwrap_or(default_text);
        let domain = mailbox
            .address
            .rsplit('@')
            .next()
            .unwrap_or("helpdesk.local");
        let sealed = self.our_message_id(
            &format!(
                "case-{n}.auto-reply.{}",
                hex::encode(&Sha256::digest(their_id.as_bytes())[..6])
            ),
            domain,
        );
        let ours = normalize_message_id(&sealed);
        let mut thread: Vec<String> = their_refs.to_vec();
        thread.push(their_id.to_owned());
        let references = thread
            .iter()
            .map(|id| format!("<{id}>"))
            .collect::<Vec<_>>()
            .join(" ");
        mail_store::insert_mails(
            c,
            &[NewMail {
                event_id: -case.id,
                recipient: to.to_owned(),
                kind: "auto_reply".into(),
                case_id: Some(case.id),
                subject: format!("[#{n}] {}", case.subject),
                body,
                message_id: sealed,
                status: "pending".into(),
                next_attempt_at: now,
                created_at: now,
                from_address: Some(mailbox.address.clone()),
                in_reply_to: Some(format!("<{their_id}>")),
                references_header: Some(references),
                auto_submitted: "auto-replied".into(),
                mailbox_id: Some(mailbox.id),
                attachment_ids: "[]".into(),
            }],
        )?;
        store::remember_message_id(c, &ours, case.id, None, "out", now)?;
        Ok(())
    }
}

/// HTML of a message made safe to show: scripts, handlers and foreign schemes removed by
/// ammonia; `cid:` references to inline images rewritten to their attachments' download URLs
/// (the only `cid:` links kept).
fn sanitize_html(html: &str, inline: &[(String, i64)]) -> String {
    let mut builder = ammonia::Builder::default();
    let mut schemes = ammonia::Builder::default().clone_url_schemes();
    schemes.insert("cid");
    builder.url_schemes(schemes);
    let inline = inline.to_vec();
    builder.attribute_filter(move |element, attr, value| {
        if attr == "srcset" {
            return None;
        }
        if attr != "src" && attr != "href" {
            return Some(value.into());
        }
        match value.get(..4) {
            Some(scheme) if scheme.eq_ignore_ascii_case("cid:") => {
                let cid = normalize_message_id(&value[4..]);
                inline
                    .iter()
                    .find(|(id, _)| *id == cid)
                    .map(|(_, attachment)| {
                        format!("/api/v1/attachments/{attachment}/content").into()
                    })
            }
            // Remote content is not loaded by default: a picture from elsewhere (a tracking
            // pixel tells the sender when and where the mail was read) keeps only its `alt`.
            _ if element == "img" || attr == "src" => None,
            _ => Some(value.into()),
        }
    });
    builder.clean(html).to_string()
}

fn duplicate(row: store::InboundRow) -> Received {
    Received {
        status: "duplicate".into(),
        message_id: row.message_id,
        case_id: row.case_id,
        case_number: None,
        entry_id: row.entry_id,
        thread_rule: row.thread_rule,
        note: Some("this Message-ID was received before; nothing changed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_pictures_are_not_loaded() {
        let html = r#"<p>Hi</p><img src="https://tracker.example/p.gif?u=1" alt="logo" srcset="https://x.example/a.png 2x"><img src="cid:part1@mail"><a href="https://docs.example/">docs</a>"#;
        let clean = sanitize_html(html, &[("part1@mail".to_owned(), 7)]);
        assert!(
            !clean.contains("tracker.example") && !clean.contains("x.example"),
            "{clean}"
        );
        assert!(clean.contains(r#"alt="logo""#), "{clean}");
        assert!(
            clean.contains("/api/v1/attachments/7/content"),
            "inline pictures stay: {clean}"
        );
        assert!(
            clean.contains("https://docs.example/"),
            "links stay (they load only when followed): {clean}"
        );
    }

    #[test]
    fn subject_tags_are_exact() {
        assert_eq!(subject_tag("Re: [#1042] VPN drops"), Some(1042));
        assert_eq!(subject_tag("AW: [Ticket] [#7]"), Some(7));
        assert_eq!(subject_tag("[#12a] nope"), None);
        assert_eq!(subject_tag("#1042 VPN"), None);
    }

    #[test]
    fn message_ids_lose_their_brackets() {
        assert_eq!(normalize_message_id(" <a.b@c> "), "a.b@c");
    }
}
