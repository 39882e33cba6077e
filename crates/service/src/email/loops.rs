//! Mail loops and bounces: when not to answer automatically, and the auto-reply itself.

use super::*;

impl Services {
    /// The new-case auto-reply: from the mailbox, in the thread, marked `auto-replied`, at most
    /// [`AUTO_REPLIES_PER_HOUR`] per sender.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn auto_reply(
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

/// Why a message must never get an automatic answer (RFC 3834 and common practice).
pub(super) fn no_auto_reply_reason(msg: &Message<'_>, from: &str) -> Option<&'static str> {
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

pub(super) fn is_bounce(msg: &Message<'_>, from: &str) -> bool {
    let report = msg.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    let local = from.split('@').next().unwrap_or("");
    report || matches!(local, "mailer-daemon" | "postmaster")
}
