//! One event, many recipients: who is told of it (followers, the assignee, mentioned staff,
//! the customer), in the app and by mail, each in their own language.

use super::*;

impl Services {
    /// Writes the notifications and emails one event causes; call it in the transaction that
    /// marks the event processed.
    pub fn fan_out(&self, c: &mut AnyConnection, event: &Recorded) -> Result<FanOut, AppError> {
        let Some(case_id) = event.event.case_id() else {
            return Ok(FanOut::default());
        };
        let case = match case_store::case(c, case_id) {
            Ok(case) => case,
            // Deleted since: nobody to tell.
            Err(helpdesk_store::StoreError::NotFound) => return Ok(FanOut::default()),
            Err(e) => return Err(e.into()),
        };
        let at = event.created_at;
        let mut plan = Plan::new(self, event, case);
        match &event.event {
            Event::CaseCreated { assignee_id, .. } => {
                // A case that came by email was answered by its mailbox's auto-reply.
                if plan.case.channel != Channel::Email {
                    plan.tell_requester(c, CustomerMail::Registered)?;
                }
                if let Some(assignee) = assignee_id {
                    plan.tell_users(c, &[*assignee], NotificationKind::Assigned, None)?;
                }
                let followers = case_store::followers_at(c, plan.case.id, at)?;
                plan.tell_users(c, &followers, NotificationKind::NewCase, None)?;
            }
            Event::CaseAssigned {
                assignee_id: Some(assignee),
                assignee_changed: true,
                ..
            }
            | Event::CaseUpdated {
                fields:
                    CaseFields {
                        assignee_id: Some(Some(assignee)),
                        assignee_changed: Some(true),
                        ..
                    },
                ..
            } => {
                plan.tell_users(c, &[*assignee], NotificationKind::Assigned, None)?;
            }
            Event::EntryAdded { entry_id, .. } => {
                let entry = case_store::stream_entry(c, *entry_id)?;
                match entry.kind {
                    EntryKind::Public => {
                        let from_customer = match entry.author_user_id {
                            Some(uid) => user_store::user(c, uid)?.role == Role::Portal,
                            None => entry.author_contact_id.is_some(),
                        };
                        if !from_customer {
                            plan.tell_requester(c, CustomerMail::Reply(&entry))?;
                        }
                        let followers = case_store::followers_at(c, plan.case.id, at)?;
                        plan.tell_users(c, &followers, NotificationKind::Message, Some(&entry))?;
                    }
                    EntryKind::Internal => {
                        let mentioned = mentioned_staff(c, &entry.body)?;
                        plan.tell_users(c, &mentioned, NotificationKind::Mention, Some(&entry))?;
                        let followers = case_store::followers_at(c, plan.case.id, at)?;
                        plan.tell_users(c, &followers, NotificationKind::Message, Some(&entry))?;
                    }
                    EntryKind::System => {}
                }
            }
            Event::CaseStatusChanged { from, to, .. } => {
                use helpdesk_domain::CaseStatus as S;
                let notable = matches!(to, S::Resolved | S::Closed | S::Rejected | S::OnHold)
                    || *to == S::Open && matches!(from, S::Resolved | S::Closed | S::Rejected);
                if notable {
                    plan.detail = Some(Detail::Status(to.as_str().to_owned()));
                    let followers = case_store::followers_at(c, plan.case.id, at)?;
                    plan.tell_users(c, &followers, NotificationKind::Status, None)?;
                }
            }
            Event::CaseEscalated { support_line, .. } => {
                plan.detail = Some(Detail::Escalated(i64::from(*support_line)));
                let followers = case_store::followers_at(c, plan.case.id, at)?;
                plan.tell_users(c, &followers, NotificationKind::Status, None)?;
            }
            Event::CaseMerged { target_number, .. } => {
                plan.detail = Some(Detail::Merged(*target_number));
                let followers = case_store::followers_at(c, plan.case.id, at)?;
                plan.tell_users(c, &followers, NotificationKind::Status, None)?;
            }
            _ => {}
        }
        let out = FanOut {
            notifications: store::insert_notifications(c, &plan.notes)?,
            mails: store::insert_mails(c, &plan.mails)?,
        };
        Ok(out)
    }
}

/// Mail to the requester, in the customer's words.
enum CustomerMail<'a> {
    Registered,
    Reply(&'a StreamEntryRow),
}

/// What a status notification says.
pub(super) enum Detail {
    Status(String),
    Escalated(i64),
    Merged(i64),
}

struct Plan<'a> {
    svc: &'a Services,
    event: &'a Recorded,
    case: CaseRow,
    now: NaiveDateTime,
    detail: Option<Detail>,
    notes: Vec<NewNotification>,
    mails: Vec<NewMail>,
    told: HashSet<i64>,
    mailed: HashSet<String>,
}

impl<'a> Plan<'a> {
    fn new(svc: &'a Services, event: &'a Recorded, case: CaseRow) -> Self {
        Plan {
            svc,
            event,
            case,
            now: svc.now(),
            detail: None,
            notes: Vec::new(),
            mails: Vec::new(),
            told: HashSet::new(),
            mailed: HashSet::new(),
        }
    }

    fn language(&self, user: Option<&UserRow>) -> Lang {
        Lang::of(
            user.map(|u| u.language.as_str())
                .unwrap_or(&self.svc.notify.default_language),
        )
    }

    /// Queues a mail unless this recipient has one for this event; returns its Message-ID.
    fn queue_mail(
        &mut self,
        to: &str,
        kind: &str,
        subject: String,
        body: String,
    ) -> Option<String> {
        let from = self.svc.notify.mail_from.as_deref()?;
        let key = to.trim().to_lowercase();
        if key.is_empty() || !self.mailed.insert(key) {
            return None;
        }
        let domain = message_id_domain(from);
        let message_id = self.svc.our_message_id(
            &format!(
                "case-{}.event-{}.{}",
                self.case.number,
                self.event.id,
                self.mails.len() + 1
            ),
            domain,
        );
        self.mails.push(NewMail {
            event_id: self.event.id,
            recipient: to.trim().to_owned(),
            kind: kind.to_owned(),
            case_id: Some(self.case.id),
            subject,
            body,
            message_id: message_id.clone(),
            status: "pending".to_owned(),
            next_attempt_at: self.now,
            created_at: self.now,
            from_address: None,
            in_reply_to: None,
            references_header: None,
            auto_submitted: "auto-generated".to_owned(),
            mailbox_id: None,
            attachment_ids: "[]".to_owned(),
        });
        Some(message_id)
    }

    /// Mail to the customers of the case: the registration notice to the requester; a public
    /// reply to the requester and every contact of the case (not its own author), from the
    /// case's mailbox when it came by email, in the mail thread, with the entry's files.
    fn tell_requester(
        &mut self,
        c: &mut AnyConnection,
        what: CustomerMail<'_>,
    ) -> Result<(), AppError> {
        let Some(requester) = self.case.requester_id else {
            return Ok(());
        };
        let mut people = vec![requester];
        if let CustomerMail::Reply(entry) = &what {
            for id in case_store::case_contact_ids(c, self.case.id)? {
                if !people.contains(&id) {
                    people.push(id);
                }
            }
            people.retain(|id| Some(*id) != entry.author_contact_id);
        }
        let files: Vec<i64> = match &what {
            CustomerMail::Reply(entry) => helpdesk_store::attachments::of_entries(c, &[entry.id])?
                .into_iter()
                .filter(|a| a.refused.is_none())
                .map(|a| a.id)
                .collect(),
            CustomerMail::Registered => Vec::new(),
        };
        let mailbox = match self.case.mailbox_id {
            Some(id) => Some(helpdesk_store::email::mailbox(c, id)?),
            None => None,
        };
        let thread = helpdesk_store::email::thread_of_case(c, self.case.id)?;
        for contact_id in people {
            let contact = match crm::contact(c, contact_id) {
                Ok(contact) => contact,
                Err(helpdesk_store::StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            if contact.do_not_email {
                continue;
            }
            let Some((_, address)) = crm::emails_of(c, &[contact_id])?.into_iter().next() else {
                continue;
            };
            let portal_user = user_store::portal_user_of_contact(c, contact_id)?;
            if let (CustomerMail::Reply(_), Some(user)) = (&what, &portal_user) {
                if !settings_of(user).email.message {
                    continue;
                }
            }
            let lang = match (&portal_user, &mailbox) {
                (Some(u), _) => self.language(Some(u)),
                (None, Some(m)) => Lang::of(&m.language),
                (None, None) => self.language(None),
            };
            let (n, subject) = (self.case.number, self.case.subject.clone());
            let link = self.link();
            let (kind, subj, body) = match &what {
                CustomerMail::Registered => (
                    "case_registered",
                    lang.registered_subject(n, &subject),
                    lang.registered_body(n, &subject, link.as_deref()),
                ),
                CustomerMail::Reply(entry) => (
                    "case_reply",
                    format!("Re: [#{n}] {subject}"),
                    lang.reply_body(n, &entry.body, link.as_deref()),
                ),
            };
            let Some(ours) = self.queue_mail(&address, kind, subj, body) else {
                continue;
            };
            if let Some(mail) = self.mails.last_mut() {
                // In the case's mail thread, so the customer's client keeps it together and
                // their answer threads back by In-Reply-To.
                if let Some(last) = thread.last() {
                    mail.in_reply_to = Some(format!("<{last}>"));
                    let recent = &thread[thread.len().saturating_sub(10)..];
                    mail.references_header = Some(
                        recent
                            .iter()
                            .map(|id| format!("<{id}>"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
                if let Some(m) = &mailbox {
                    mail.from_address = Some(m.address.clone());
                    mail.mailbox_id = Some(m.id);
                }
                mail.attachment_ids = crate::to_json(&files);
            }
            let bare = crate::email::normalize_message_id(&ours);
            let entry_id = match &what {
                CustomerMail::Reply(entry) => Some(entry.id),
                CustomerMail::Registered => None,
            };
            helpdesk_store::email::remember_message_id(
                c,
                &bare,
                self.case.id,
                entry_id,
                "out",
                self.now,
            )?;
        }
        Ok(())
    }

    /// Tells each of `user_ids` (except the actor and anyone told already) on the channels
    /// their settings allow. Customers never hear of internal notes.
    fn tell_users(
        &mut self,
        c: &mut AnyConnection,
        user_ids: &[i64],
        kind: NotificationKind,
        entry: Option<&StreamEntryRow>,
    ) -> Result<(), AppError> {
        let internal = entry.is_some_and(|e| e.kind != EntryKind::Public);
        let pending: Vec<i64> = user_ids
            .iter()
            .copied()
            .filter(|id| Some(*id) != self.event.actor_user_id && !self.told.contains(id))
            .collect();
        let actor_name = match self.event.actor_user_id {
            Some(id) => user_store::users_by_ids(c, &[id])?
                .pop()
                .map(|u| u.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        for user in user_store::users_by_ids(c, &pending)? {
            let portal = user.role == Role::Portal;
            // Customers hear of public messages and status changes of their cases — not of
            // escalation between support lines or merging with cases they may not see; the
            // registration itself reaches them by email.
            let for_customers = match kind {
                NotificationKind::Message => true,
                NotificationKind::Status => matches!(self.detail, Some(Detail::Status(_))),
                _ => false,
            };
            if !user.active || portal && (internal || !for_customers) {
                continue;
            }
            self.told.insert(user.id);
            let settings = settings_of(&user);
            let lang = self.language(Some(&user));
            let title = lang.title(
                kind,
                &self.case,
                internal,
                &actor_name,
                self.detail.as_ref(),
            );
            if settings.in_app.wants(kind) {
                self.notes.push(NewNotification {
                    user_id: user.id,
                    event_id: self.event.id,
                    kind: kind.as_str().to_owned(),
                    case_id: Some(self.case.id),
                    entry_id: entry.map(|e| e.id),
                    actor_user_id: self.event.actor_user_id,
                    title: title.clone(),
                    created_at: self.now,
                });
            }
            if settings.email.wants(kind) {
                let mut body = title.clone();
                if let Some(e) = entry {
                    body.push_str("\n\n");
                    body.push_str(&e.body);
                }
                if let Some(link) = self.link() {
                    body.push_str("\n\n");
                    body.push_str(&link);
                }
                let _ = self.queue_mail(&user.email, kind.as_str(), title, body);
            }
        }
        Ok(())
    }

    fn link(&self) -> Option<String> {
        self.svc
            .notify
            .public_url
            .as_deref()
            .map(|u| format!("{}/cases/{}", u.trim_end_matches('/'), self.case.id))
    }
}

/// Active agents and admins named by `@name` in a text.
fn mentioned_staff(c: &mut AnyConnection, text: &str) -> Result<Vec<i64>, AppError> {
    let names = mentions(text);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user_store::active_staff(c)?
        .into_iter()
        .filter(|u| {
            let local = u.email.split('@').next().unwrap_or("").to_lowercase();
            let joined: String = u.name.split_whitespace().collect::<String>().to_lowercase();
            names.iter().any(|n| *n == local || *n == joined)
        })
        .map(|u| u.id)
        .collect())
}

/// The lowercased `@names` in a text: letters, digits, `.`, `_` and `-` after an `@` that does
/// not follow a letter or digit (so `ivan@example.com` is no mention).
pub fn mentions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, ch) in text.char_indices() {
        if ch == '@' && !prev.is_some_and(char::is_alphanumeric) {
            let rest = &text[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let name = name.trim_end_matches(['.', '-', '_']).to_lowercase();
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        prev = Some(ch);
    }
    out
}
