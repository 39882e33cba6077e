//! What a received mail does: a message on the case it threads into, or a new case.

use super::*;

impl Services {
    pub(super) fn apply_email(
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
                    self.auto_reply(c, mailbox, &case, &from, message_id, &refs, now, &mut out)?;
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

    #[allow(clippy::too_many_arguments)]
    pub(super) fn case_from_email(
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
            priority: mailbox.default_priority,
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
}
