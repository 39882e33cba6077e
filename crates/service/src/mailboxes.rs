//! Mailbox administration and the inbound endpoint's authentication.

use helpdesk_api_types::mailboxes::{
    InboundResult, InboundToken, Mailbox, MailboxCreated, MailboxInput,
};
use helpdesk_domain::{Email, Priority};
use helpdesk_store::email::{self as store, MailboxForm, MailboxRow};
use validator::Validate;

use crate::auth::{constant_time_eq, random_token, sha256_hex};
use crate::email::{Received, Source};
use crate::users::not_found;
use crate::{Actor, AppError, Services};

fn mailbox_dto(row: MailboxRow) -> Mailbox {
    Mailbox {
        id: row.id,
        name: row.name,
        address: row.address,
        imap_host: row.imap_host,
        imap_port: row.imap_port,
        imap_tls: row.imap_tls,
        imap_user: row.imap_user,
        imap_password_set: row.imap_password_enc.is_some(),
        imap_folder: row.imap_folder,
        processed_folder: row.processed_folder,
        smtp_host: row.smtp_host,
        smtp_port: row.smtp_port,
        smtp_tls: row.smtp_tls,
        smtp_user: row.smtp_user,
        smtp_password_set: row.smtp_password_enc.is_some(),
        default_team_id: row.default_team_id,
        default_priority: row.default_priority,
        auto_reply: row.auto_reply,
        auto_reply_en: row.auto_reply_en,
        auto_reply_ru: row.auto_reply_ru,
        language: row.language,
        trust_organization_domain: row.trust_organization_domain,
        active: row.active,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

pub fn inbound_dto(r: Received) -> InboundResult {
    InboundResult {
        status: r.status,
        message_id: r.message_id,
        case_id: r.case_id,
        case_number: r.case_number,
        entry_id: r.entry_id,
        thread_rule: r.thread_rule,
        note: r.note,
    }
}

fn tls_mode(field: &str, v: Option<&str>, default: &str) -> Result<String, AppError> {
    match v.unwrap_or(default) {
        m @ ("tls" | "starttls" | "none") => Ok(m.to_owned()),
        _ => Err(AppError::field(field, "must be tls, starttls or none")),
    }
}

impl Services {
    /// The form to store, from the input and (on replace) the current row.
    fn mailbox_form(
        &self,
        c: &mut helpdesk_store::AnyConnection,
        input: &MailboxInput,
        current: Option<&MailboxRow>,
    ) -> Result<MailboxForm, AppError> {
        input.validate()?;
        let address = Email::parse(&input.address)
            .map_err(|e| AppError::field("address", e.to_string()))?
            .as_str()
            .to_owned();
        if let Some(team) = input.default_team_id {
            helpdesk_store::users::team(c, team)
                .map_err(|_| AppError::field("default_team_id", "no such team"))?;
        }
        let language = match input.language.as_deref().unwrap_or("en") {
            l @ ("en" | "ru") => l.to_owned(),
            _ => return Err(AppError::field("language", "must be en or ru")),
        };
        let secret =
            |field: &str, given: &Option<String>, stored: Option<&String>| match given.as_deref() {
                None => Ok(stored.cloned()),
                Some("") => Ok(None),
                Some(plain) => match &self.secrets {
                    Some(b) => Ok(Some(b.seal(plain))),
                    None => Err(AppError::field(
                        field,
                        "passwords are stored encrypted: set HELPDESK_ENCRYPTION_KEY first",
                    )),
                },
            };
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        Ok(MailboxForm {
            name: input.name.trim().to_owned(),
            address,
            imap_host: nonempty(&input.imap_host),
            imap_port: input.imap_port,
            imap_tls: tls_mode("imap_tls", input.imap_tls.as_deref(), "tls")?,
            imap_user: nonempty(&input.imap_user),
            imap_password_enc: secret(
                "imap_password",
                &input.imap_password,
                current.and_then(|m| m.imap_password_enc.as_ref()),
            )?,
            imap_folder: input.imap_folder.clone().unwrap_or_else(|| "INBOX".into()),
            processed_folder: nonempty(&input.processed_folder),
            smtp_host: nonempty(&input.smtp_host),
            smtp_port: input.smtp_port,
            smtp_tls: tls_mode("smtp_tls", input.smtp_tls.as_deref(), "starttls")?,
            smtp_user: nonempty(&input.smtp_user),
            smtp_password_enc: secret(
                "smtp_password",
                &input.smtp_password,
                current.and_then(|m| m.smtp_password_enc.as_ref()),
            )?,
            default_team_id: input.default_team_id,
            default_priority: input.default_priority.unwrap_or(Priority::Normal),
            auto_reply: input.auto_reply.unwrap_or(true),
            auto_reply_en: nonempty(&input.auto_reply_en),
            auto_reply_ru: nonempty(&input.auto_reply_ru),
            language,
            trust_organization_domain: input.trust_organization_domain.unwrap_or(false),
            active: input.active.unwrap_or(true),
            updated_at: self.now(),
        })
    }

    pub fn list_mailboxes(&self, actor: &Actor) -> Result<Vec<Mailbox>, AppError> {
        actor.admin()?;
        self.db.read(|c| {
            Ok(store::list_mailboxes(c)?
                .into_iter()
                .map(mailbox_dto)
                .collect())
        })
    }

    pub fn get_mailbox(&self, actor: &Actor, id: i64) -> Result<Mailbox, AppError> {
        actor.admin()?;
        self.db.read(|c| {
            Ok(mailbox_dto(
                store::mailbox(c, id).map_err(not_found("mailbox"))?,
            ))
        })
    }

    pub fn create_mailbox(
        &self,
        actor: &Actor,
        input: &MailboxInput,
    ) -> Result<MailboxCreated, AppError> {
        actor.admin()?;
        let token = random_token(32);
        let now = self.now();
        let id = self.db.write(|c| {
            let form = self.mailbox_form(c, input, None)?;
            Ok::<_, AppError>(store::insert_mailbox(c, &form, &sha256_hex(&token), now)?)
        })?;
        Ok(MailboxCreated {
            mailbox: self.get_mailbox(actor, id)?,
            inbound_token: token,
        })
    }

    pub fn update_mailbox(
        &self,
        actor: &Actor,
        id: i64,
        input: &MailboxInput,
    ) -> Result<Mailbox, AppError> {
        actor.admin()?;
        self.db.write(|c| {
            let current = store::mailbox(c, id).map_err(not_found("mailbox"))?;
            let form = self.mailbox_form(c, input, Some(&current))?;
            Ok::<_, AppError>(store::update_mailbox(c, id, &form)?)
        })?;
        self.get_mailbox(actor, id)
    }

    /// A new inbound token; the old one stops working.
    pub fn rotate_inbound_token(&self, actor: &Actor, id: i64) -> Result<InboundToken, AppError> {
        actor.admin()?;
        let token = random_token(32);
        let now = self.now();
        self.db.write(|c| {
            store::set_inbound_token(c, id, &sha256_hex(&token), now).map_err(not_found("mailbox"))
        })?;
        Ok(InboundToken {
            inbound_token: token,
        })
    }

    /// The inbound endpoint: a raw message for mailbox `id`, authorized by its token.
    pub fn receive_inbound(
        &self,
        id: i64,
        token: Option<&str>,
        raw: &[u8],
    ) -> Result<InboundResult, AppError> {
        let token = token.ok_or_else(|| {
            AppError::Unauthorized("the mailbox's inbound token is required".into())
        })?;
        let mailbox = self
            .db
            .read(|c| Ok::<_, AppError>(store::mailbox(c, id).ok()))?;
        let valid = mailbox.as_ref().is_some_and(|m| {
            m.active
                && m.inbound_token_hash
                    .as_deref()
                    .is_some_and(|h| constant_time_eq(h.as_bytes(), sha256_hex(token).as_bytes()))
        });
        if !valid {
            // The same answer for an unknown mailbox and a wrong token.
            return Err(AppError::Unauthorized(
                "not a valid inbound token for this mailbox".into(),
            ));
        }
        if raw.is_empty() {
            return Err(AppError::field(
                "body",
                "send the message as message/rfc822",
            ));
        }
        self.receive_email(id, raw, Source::Inbound)
            .map(inbound_dto)
    }
}

impl Services {
    /// A mailbox's IMAP password in the clear, for the poller; `None` when none is stored or it
    /// cannot be opened with the configured key.
    pub fn imap_password(&self, mailbox: &MailboxRow) -> Option<String> {
        let sealed = mailbox.imap_password_enc.as_deref()?;
        self.secrets.as_ref()?.open(sealed)
    }
}
