//! Who is told what about a case, in the app and by email.
//!
//! The worker hands every committed outbox event to [`Services::fan_out`], which writes in-app
//! notifications and queues emails in the same transaction that marks the event processed: an
//! event is fanned out once, and a recipient gets at most one notification and one email per
//! event. Rules:
//! - the requester (a contact) gets "your case #N is registered" on creation and every public
//!   reply by an agent by email — never an internal note or system event;
//! - the assignee hears of an assignment (not their own);
//! - followers hear of new messages (agents of internal notes too; customers only of public
//!   ones), notable status changes, escalation and merging;
//! - `@name` in an internal note tells that agent (`name` is the part of their email before `@`,
//!   or their name without spaces);
//! - each user's [`NotificationSettings`] decide the channel; nobody hears of their own doing.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use helpdesk_api_types::notifications::{
    MarkedRead, Notification, NotificationKind, NotificationPage, NotificationQuery,
    NotificationSettings, UnreadCount,
};
use helpdesk_store::cases::{self as case_store, CaseRow, StreamEntryRow};
use helpdesk_store::events::EventRow;
use helpdesk_store::notifications::{self as store, NewMail, NewNotification};
use helpdesk_store::users::{self as user_store, UserRow};
use helpdesk_store::{crm, AnyConnection};
use serde_json::Value;

use crate::{cursor_string, page_params, Actor, AppError, Services};

/// What one event produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub notifications: usize,
    pub mails: usize,
}

/// A user's settings as stored (defaults for anything missing).
pub fn settings_of(user: &UserRow) -> NotificationSettings {
    let defaults = NotificationSettings::default();
    let stored: Value = serde_json::from_str(&user.notification_settings).unwrap_or(Value::Null);
    let channel = |name: &str, d: helpdesk_api_types::notifications::ChannelSettings| {
        serde_json::from_value(stored[name].clone()).unwrap_or(d)
    };
    NotificationSettings {
        auto_follow: user.auto_follow,
        in_app: channel("in_app", defaults.in_app),
        email: channel("email", defaults.email),
    }
}

fn notification_dto(row: store::NotificationRow) -> Result<Notification, AppError> {
    Ok(Notification {
        kind: NotificationKind::parse(&row.kind)
            .ok_or_else(|| AppError::Internal(format!("unknown notification kind {}", row.kind)))?,
        id: row.id,
        case_id: row.case_id,
        entry_id: row.entry_id,
        actor_user_id: row.actor_user_id,
        title: row.title,
        created_at: row.created_at.and_utc(),
        read_at: row.read_at.map(|t| t.and_utc()),
    })
}

impl Services {
    pub fn list_notifications(
        &self,
        actor: &Actor,
        q: &NotificationQuery,
    ) -> Result<NotificationPage, AppError> {
        actor.any_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let unread = q.unread.unwrap_or(false);
        self.db.read(|c| {
            let page = store::list(c, actor.user_id, unread, limit, cursor)?;
            Ok(NotificationPage {
                items: page
                    .items
                    .into_iter()
                    .map(notification_dto)
                    .collect::<Result<_, _>>()?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    pub fn unread_notifications(&self, actor: &Actor) -> Result<UnreadCount, AppError> {
        actor.any_read()?;
        self.db.read(|c| {
            Ok(UnreadCount {
                unread: store::unread_count(c, actor.user_id)?,
            })
        })
    }

    /// Marks one of the caller's notifications read; another user's is "not found".
    pub fn mark_notification_read(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.any_write()?;
        let now = self.now();
        let found = self
            .db
            .write(|c| store::mark_read(c, actor.user_id, id, now))?;
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound("notification"))
        }
    }

    pub fn mark_all_notifications_read(&self, actor: &Actor) -> Result<MarkedRead, AppError> {
        actor.any_write()?;
        let now = self.now();
        let marked = self
            .db
            .write(|c| store::mark_all_read(c, actor.user_id, now))?;
        Ok(MarkedRead {
            marked: marked as i64,
        })
    }

    pub fn notification_settings(&self, actor: &Actor) -> Result<NotificationSettings, AppError> {
        actor.any_read()?;
        self.db
            .read(|c| Ok(settings_of(&user_store::user(c, actor.user_id)?)))
    }

    /// Replaces the caller's settings. Only agents and admins can auto-follow new cases.
    pub fn set_notification_settings(
        &self,
        actor: &Actor,
        input: &NotificationSettings,
    ) -> Result<NotificationSettings, AppError> {
        actor.any_write()?;
        if input.auto_follow && actor.is_portal() {
            return Err(AppError::field(
                "auto_follow",
                "only agents and admins can follow every new case",
            ));
        }
        let now = self.now();
        let channels = serde_json::json!({ "in_app": input.in_app, "email": input.email });
        self.db.write(|c| {
            user_store::set_notification_settings(
                c,
                actor.user_id,
                input.auto_follow,
                &channels.to_string(),
                now,
            )
        })?;
        self.notification_settings(actor)
    }

    /// Writes the notifications and emails one event causes; call it in the transaction that
    /// marks the event processed.
    pub fn fan_out(&self, c: &mut AnyConnection, event: &EventRow) -> Result<FanOut, AppError> {
        if event.aggregate_type != "case" {
            return Ok(FanOut::default());
        }
        let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let case = match case_store::case(c, event.aggregate_id) {
            Ok(case) => case,
            // Deleted since: nobody to tell.
            Err(helpdesk_store::StoreError::NotFound) => return Ok(FanOut::default()),
            Err(e) => return Err(e.into()),
        };
        let mut plan = Plan::new(self, event, case);
        match event.event_type.as_str() {
            "case.created" => {
                // A case that came by email was answered by its mailbox's auto-reply.
                if plan.case.channel != "email" {
                    plan.tell_requester(c, CustomerMail::Registered)?;
                }
                if let Some(assignee) = payload["assignee_id"].as_i64() {
                    plan.tell_users(c, &[assignee], NotificationKind::Assigned, None)?;
                }
                let followers = case_store::followers_at(c, plan.case.id, event.created_at)?;
                plan.tell_users(c, &followers, NotificationKind::NewCase, None)?;
            }
            "case.assigned" | "case.updated"
                if payload["assignee_changed"].as_bool() == Some(true) =>
            {
                if let Some(assignee) = payload["assignee_id"].as_i64() {
                    plan.tell_users(c, &[assignee], NotificationKind::Assigned, None)?;
                }
            }
            "case.entry_added" => {
                let Some(entry_id) = payload["entry_id"].as_i64() else {
                    return Ok(FanOut::default());
                };
                let entry = case_store::stream_entry(c, entry_id)?;
                match entry.kind.as_str() {
                    "public" => {
                        let from_customer = match entry.author_user_id {
                            Some(uid) => user_store::user(c, uid)?.role == "portal",
                            None => entry.author_contact_id.is_some(),
                        };
                        if !from_customer {
                            plan.tell_requester(c, CustomerMail::Reply(&entry))?;
                        }
                        let followers =
                            case_store::followers_at(c, plan.case.id, event.created_at)?;
                        plan.tell_users(c, &followers, NotificationKind::Message, Some(&entry))?;
                    }
                    "internal" => {
                        let mentioned = mentioned_staff(c, &entry.body)?;
                        plan.tell_users(c, &mentioned, NotificationKind::Mention, Some(&entry))?;
                        let followers =
                            case_store::followers_at(c, plan.case.id, event.created_at)?;
                        plan.tell_users(c, &followers, NotificationKind::Message, Some(&entry))?;
                    }
                    _ => {}
                }
            }
            "case.status_changed" => {
                let from = payload["from"].as_str().unwrap_or("");
                let to = payload["to"].as_str().unwrap_or("");
                let notable = matches!(to, "resolved" | "closed" | "rejected" | "on_hold")
                    || to == "open" && matches!(from, "resolved" | "closed" | "rejected");
                if notable {
                    plan.detail = Some(Detail::Status(to.to_owned()));
                    let followers = case_store::followers_at(c, plan.case.id, event.created_at)?;
                    plan.tell_users(c, &followers, NotificationKind::Status, None)?;
                }
            }
            "case.escalated" => {
                let line = payload["support_line"].as_i64().unwrap_or(0);
                plan.detail = Some(Detail::Escalated(line));
                let followers = case_store::followers_at(c, plan.case.id, event.created_at)?;
                plan.tell_users(c, &followers, NotificationKind::Status, None)?;
            }
            "case.merged" => {
                let target = payload["target_number"]
                    .as_i64()
                    .or_else(|| payload["target_id"].as_i64())
                    .unwrap_or(0);
                plan.detail = Some(Detail::Merged(target));
                let followers = case_store::followers_at(c, plan.case.id, event.created_at)?;
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
enum Detail {
    Status(String),
    Escalated(i64),
    Merged(i64),
}

struct Plan<'a> {
    svc: &'a Services,
    event: &'a EventRow,
    case: CaseRow,
    now: NaiveDateTime,
    detail: Option<Detail>,
    notes: Vec<NewNotification>,
    mails: Vec<NewMail>,
    told: HashSet<i64>,
    mailed: HashSet<String>,
}

impl<'a> Plan<'a> {
    fn new(svc: &'a Services, event: &'a EventRow, case: CaseRow) -> Self {
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
        let internal = entry.is_some_and(|e| e.kind != "public");
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
            let portal = user.role == "portal";
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

/// The domain of our Message-IDs: the sender's (`Support <support@example.com>` gives
/// `example.com`).
pub(crate) fn message_id_domain(from: &str) -> &str {
    from.rsplit('@')
        .next()
        .unwrap_or("helpdesk.local")
        .trim_end_matches('>')
        .trim()
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
        if ch == '@' && !prev.is_some_and(|p| p.is_alphanumeric()) {
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

/// The languages of notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Ru,
}

impl Lang {
    fn of(code: &str) -> Lang {
        if code.to_ascii_lowercase().starts_with("ru") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    fn status(self, status: &str) -> &'static str {
        match (self, status) {
            (Lang::En, "new") => "new",
            (Lang::En, "open") => "open",
            (Lang::En, "awaiting_customer") => "awaiting customer",
            (Lang::En, "on_hold") => "on hold",
            (Lang::En, "resolved") => "resolved",
            (Lang::En, "closed") => "closed",
            (Lang::En, "rejected") => "rejected",
            (Lang::En, _) => "merged",
            (Lang::Ru, "new") => "новое",
            (Lang::Ru, "open") => "в работе",
            (Lang::Ru, "awaiting_customer") => "ожидает клиента",
            (Lang::Ru, "on_hold") => "отложено",
            (Lang::Ru, "resolved") => "решено",
            (Lang::Ru, "closed") => "закрыто",
            (Lang::Ru, "rejected") => "отклонено",
            (Lang::Ru, _) => "объединено",
        }
    }

    fn title(
        self,
        kind: NotificationKind,
        case: &CaseRow,
        internal: bool,
        actor: &str,
        detail: Option<&Detail>,
    ) -> String {
        let (n, s) = (case.number, &case.subject);
        let what = match (self, kind) {
            (Lang::En, NotificationKind::Assigned) => "Assigned to you".to_owned(),
            (Lang::Ru, NotificationKind::Assigned) => "Назначено вам".to_owned(),
            (Lang::En, NotificationKind::Message) if internal => "New internal note".to_owned(),
            (Lang::Ru, NotificationKind::Message) if internal => {
                "Новая внутренняя заметка".to_owned()
            }
            (Lang::En, NotificationKind::Message) => "New message".to_owned(),
            (Lang::Ru, NotificationKind::Message) => "Новое сообщение".to_owned(),
            (Lang::En, NotificationKind::Mention) => format!("{actor} mentioned you"),
            (Lang::Ru, NotificationKind::Mention) => format!("{actor} упоминает вас"),
            (Lang::En, NotificationKind::NewCase) => "New case".to_owned(),
            (Lang::Ru, NotificationKind::NewCase) => "Новое обращение".to_owned(),
            (Lang::En, NotificationKind::System) => "Notice".to_owned(),
            (Lang::Ru, NotificationKind::System) => "Уведомление".to_owned(),
            (lang, NotificationKind::Status) => match (lang, detail) {
                (Lang::En, Some(Detail::Status(to))) => format!("Status: {}", lang.status(to)),
                (Lang::Ru, Some(Detail::Status(to))) => format!("Статус: {}", lang.status(to)),
                (Lang::En, Some(Detail::Escalated(line))) => {
                    format!("Escalated to line {line}")
                }
                (Lang::Ru, Some(Detail::Escalated(line))) => {
                    format!("Передано на {line}-ю линию")
                }
                (Lang::En, Some(Detail::Merged(target))) => format!("Merged into #{target}"),
                (Lang::Ru, Some(Detail::Merged(target))) => format!("Объединено с #{target}"),
                (Lang::En, None) => "Updated".to_owned(),
                (Lang::Ru, None) => "Изменено".to_owned(),
            },
        };
        format!("[#{n}] {what}: {s}")
    }

    fn registered_subject(self, n: i64, subject: &str) -> String {
        match self {
            Lang::En => format!("[#{n}] Your request is registered: {subject}"),
            Lang::Ru => format!("[#{n}] Ваше обращение зарегистрировано: {subject}"),
        }
    }

    fn registered_body(self, n: i64, subject: &str, link: Option<&str>) -> String {
        let mut body = match self {
            Lang::En => format!(
                "Hello,\n\nwe have registered your request as case #{n}: {subject}\n\n\
                 To add information, reply to this email and keep [#{n}] in the subject."
            ),
            Lang::Ru => format!(
                "Здравствуйте!\n\nВаше обращение зарегистрировано под номером #{n}: {subject}\n\n\
                 Чтобы дополнить его, ответьте на это письмо, сохранив [#{n}] в теме."
            ),
        };
        if let Some(link) = link {
            body.push_str("\n\n");
            body.push_str(link);
        }
        body
    }

    fn reply_body(self, n: i64, text: &str, link: Option<&str>) -> String {
        let footer = match self {
            Lang::En => format!("Reply to this email to answer; keep [#{n}] in the subject."),
            Lang::Ru => format!("Чтобы ответить, ответьте на это письмо, сохранив [#{n}] в теме."),
        };
        let mut body = format!("{text}\n\n-- \n{footer}");
        if let Some(link) = link {
            body.push('\n');
            body.push_str(link);
        }
        body
    }
}

impl Services {
    /// A Message-ID for a mail of ours: `<{local}.{seal}@{domain}>`. The seal, an HMAC of the
    /// rest under the server's key, makes it unguessable: nobody can name one of our mails in
    /// `In-Reply-To` or `References` without having received it (threading still lets only a
    /// participant into a case).
    pub(crate) fn our_message_id(&self, local: &str, domain: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.auth.jwt_secret)
            .expect("HMAC takes a key of any length");
        mac.update(b"helpdesk message-id\0");
        mac.update(local.as_bytes());
        mac.update(b"@");
        mac.update(domain.as_bytes());
        let seal = hex::encode(&mac.finalize().into_bytes()[..10]);
        format!("<{local}.{seal}@{domain}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_names_after_a_free_standing_at() {
        assert_eq!(
            mentions("@anna please check, cc @Boris.Ivanov and ivan@example.com."),
            vec!["anna", "boris.ivanov"]
        );
        assert_eq!(mentions("(@пётр) и @пётр"), vec!["пётр"]);
        assert!(mentions("mail me at a@b.c or @ alone").is_empty());
    }

    #[test]
    fn titles_carry_the_case_tag_in_both_languages() {
        let case = CaseRow {
            id: 1,
            number: 1042,
            subject: "VPN drops".into(),
            description: String::new(),
            status: "open".into(),
            priority: "normal".into(),
            case_type: "consultation".into(),
            channel: "agent".into(),
            organization_id: None,
            customer_id: None,
            requester_id: None,
            product_id: None,
            component_id: None,
            support_line: 1,
            team_id: None,
            assignee_id: None,
            system_info: None,
            tags: "[]".into(),
            created_by_id: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            resolution: None,
            merged_into_id: None,
            follow_up_of_id: None,
            closed_at: None,
            mailbox_id: None,
        };
        let en = Lang::En.title(NotificationKind::Message, &case, true, "Anna", None);
        assert_eq!(en, "[#1042] New internal note: VPN drops");
        let ru = Lang::Ru.title(
            NotificationKind::Status,
            &case,
            false,
            "",
            Some(&Detail::Status("resolved".into())),
        );
        assert_eq!(ru, "[#1042] Статус: решено: VPN drops");
        assert_eq!(Lang::of("ru-RU"), Lang::Ru);
        assert_eq!(Lang::of("pt"), Lang::En);
    }
}
