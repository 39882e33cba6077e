//! Invitations to the customer portal.
//!
//! Switching a contact's portal access on (or asking again) creates the contact's portal user
//! if there is none, and mails a single-use link to the contact's primary address. The link
//! opens the SPA's page where the customer chooses a password; accepting it signs them in.
//! Only the SHA-256 of the token is stored, and a newer invitation voids the older ones. The
//! mail is queued in the same transaction, so an invitation is never recorded without its mail.

use chrono::{Duration, NaiveDateTime};
use helpdesk_api_types::auth::{AcceptInvitation, InvitationInfo, TokenPair};
use helpdesk_api_types::crm::PortalInvitation;
use helpdesk_domain::event::Event;
use helpdesk_store::invitations as store;
use helpdesk_store::notifications::{self as mail_store, NewMail};
use helpdesk_store::{auth as auth_store, crm as crm_store, users as user_store, AnyConnection};
use validator::Validate;

use crate::auth::{hash_password, random_token, sha256_hex};
use crate::notify::message_id_domain;
use crate::outbox::emit;
use crate::users::{insert_user_in, not_found};
use crate::{Actor, AppError, Services};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

impl Services {
    /// Mails (again) an invitation to the portal to a contact whose portal access is on.
    pub fn invite_contact(
        &self,
        actor: &Actor,
        contact_id: i64,
    ) -> Result<PortalInvitation, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            let contact = crm_store::contact(c, contact_id).map_err(not_found("contact"))?;
            crate::crm::not_merged("contact", contact_id, contact.merged_into_id)?;
            if !contact.portal_access {
                return Err(AppError::field(
                    "portal_access",
                    "switch portal access on before inviting the contact",
                ));
            }
            self.invite_in(c, actor, contact_id, now)
        })
    }

    /// What switching portal access on sends: an invitation when mail is set up and the
    /// contact has no password yet (one who had access before still signs in with theirs).
    pub(crate) fn invite_on_switch(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        contact_id: i64,
        now: NaiveDateTime,
    ) -> Result<Option<PortalInvitation>, AppError> {
        if self.notify.mail_from.is_none() || self.notify.public_url.is_none() {
            return Ok(None);
        }
        if let Some(user) = user_store::portal_user_of_contact(c, contact_id)? {
            if user.password_hash.is_some() {
                return Ok(None);
            }
        }
        self.invite_in(c, actor, contact_id, now).map(Some)
    }

    /// Switching portal access off voids the links not used yet and ends the sessions.
    pub(crate) fn void_invitations(
        &self,
        c: &mut AnyConnection,
        contact_id: i64,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        if let Some(user) = user_store::portal_user_of_contact(c, contact_id)? {
            store::revoke_invitations(c, user.id, now)?;
            // Switching access off signs the customer out everywhere, at once.
            auth_store::revoke_user_refresh_tokens(c, user.id, now)?;
        }
        Ok(())
    }

    /// Creates the portal user of a contact when needed, stores a new invitation and queues
    /// its mail; call it in the transaction that switches portal access on.
    pub(crate) fn invite_in(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        contact_id: i64,
        now: NaiveDateTime,
    ) -> Result<PortalInvitation, AppError> {
        let (Some(from), Some(public_url)) = (
            self.notify.mail_from.as_deref(),
            self.notify.public_url.as_deref(),
        ) else {
            return Err(AppError::Unavailable(
                "invitations need outgoing mail and the public address \
                 (HELPDESK_SMTP_URL, HELPDESK_MAIL_FROM, HELPDESK_PUBLIC_URL)"
                    .into(),
            ));
        };
        let contact = crate::crm::contact_by_id(c, contact_id)?;
        let Some(email) = contact.emails.first().cloned() else {
            return Err(AppError::field(
                "emails",
                "the contact has no e-mail address to send the invitation to",
            ));
        };
        let name = format!("{} {}", contact.first_name, contact.last_name)
            .trim()
            .to_owned();
        // The customer is written to in the language the inviting agent works in; the portal
        // opens in it too, until the customer chooses another.
        let language = user_store::user(c, actor.user_id)
            .map(|u| u.language)
            .unwrap_or_else(|_| self.notify.default_language.clone());
        let user = match user_store::portal_user_of_contact(c, contact_id)? {
            // Not signed in yet, so no language of their own: the newest invitation's.
            Some(user) if user.password_hash.is_none() && user.language != language => {
                user_store::update_user(
                    c,
                    user.id,
                    &user_store::UserChanges {
                        language: Some(language.clone()),
                        updated_at: Some(now),
                        ..Default::default()
                    },
                )?;
                user_store::user(c, user.id)?
            }
            Some(user) => user,
            None => {
                if user_store::user_by_email(c, &email)?.is_some() {
                    return Err(AppError::field(
                        "emails",
                        "another account already signs in with this e-mail address",
                    ));
                }
                let id = insert_user_in(
                    c,
                    now,
                    Some(actor),
                    &user_store::NewUser {
                        email: email.clone(),
                        name: name.clone(),
                        role: helpdesk_domain::Role::Portal,
                        password_hash: None,
                        support_line: None,
                        language,
                        contact_id: Some(contact_id),
                        active: true,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                user_store::user(c, id)?
            }
        };
        if user.password_hash.is_some() {
            return Err(AppError::Conflict(
                "the contact already has a portal account and signs in with their password".into(),
            ));
        }
        let token = random_token(32);
        let expires_at = now + Duration::days(INVITATION_DAYS);
        store::replace_invitation(
            c,
            user.id,
            &sha256_hex(&token),
            Some(actor.user_id),
            now,
            expires_at,
        )?;
        let event_id = emit(
            c,
            now,
            Some(actor),
            &Event::ContactPortalInvited {
                id: contact_id,
                user_id: user.id,
                expires_at: expires_at.and_utc(),
            },
        )?;
        let link = format!("{}/invite/{token}", public_url.trim_end_matches('/'));
        let (subject, body) = invitation_text(&user.language, &name, &link);
        let domain = message_id_domain(from);
        mail_store::insert_mails(
            c,
            &[NewMail {
                event_id,
                recipient: email.clone(),
                kind: "portal_invitation".into(),
                case_id: None,
                subject,
                body,
                message_id: format!("<invitation-{event_id}@{domain}>"),
                status: "pending".into(),
                next_attempt_at: now,
                created_at: now,
                from_address: None,
                in_reply_to: None,
                references_header: None,
                auto_submitted: "auto-generated".into(),
                mailbox_id: None,
                attachment_ids: "[]".into(),
            }],
        )?;
        tracing::info!(contact_id, user_id = user.id, "portal invitation queued");
        Ok(PortalInvitation {
            contact_id,
            user_id: user.id,
            email,
            expires_at: expires_at.and_utc(),
        })
    }

    /// Who an invitation link is for; "not found" when it is unknown, used, voided or expired.
    pub fn invitation(&self, token: &str) -> Result<InvitationInfo, AppError> {
        let now = self.now();
        self.db.read(|c| {
            let (invitation, user) = open_invitation(c, token, now)?;
            Ok(InvitationInfo {
                email: user.email,
                name: user.name,
                language: user.language,
                expires_at: invitation.expires_at.and_utc(),
            })
        })
    }

    /// Sets the password chosen with an invitation link and signs the customer in.
    pub fn accept_invitation(
        &self,
        input: &AcceptInvitation,
        client: &crate::auth::ClientInfo,
    ) -> Result<TokenPair, AppError> {
        input.validate()?;
        let password_hash = hash_password(&input.password)?;
        let now = self.now();
        self.db
            .write(|c| -> Result<Result<TokenPair, AppError>, AppError> {
                let (invitation, user) = open_invitation(c, &input.token, now)?;
                crate::passwords::check_new("password", &input.password, &user.email)?;
                if !store::accept_invitation(c, invitation.id, now)? {
                    return Err(AppError::NotFound("invitation"));
                }
                user_store::update_user(
                    c,
                    user.id,
                    &user_store::UserChanges {
                        password_hash: Some(Some(password_hash)),
                        updated_at: Some(now),
                        ..Default::default()
                    },
                )?;
                emit(
                    c,
                    now,
                    None,
                    &Event::UserInvitationAccepted {
                        id: user.id,
                        contact_id: user.contact_id,
                    },
                )?;
                tracing::info!(user_id = user.id, "portal invitation accepted");
                // A customer invited again who has two factors on signs in with a code.
                let two_factor = helpdesk_store::two_factor::two_factor(c, user.id)?;
                if two_factor.is_some_and(|t| t.confirmed_at.is_some()) {
                    return Ok(Err(AppError::SecondFactor { setup: false }));
                }
                let user = user_store::user(c, user.id)?;
                self.start_session(c, &user, client)
                    .map(|(pair, _)| Ok(pair))
            })?
    }
}

/// The invitation of a token and its user, when it may still be used.
fn open_invitation(
    c: &mut AnyConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<(store::InvitationRow, user_store::UserRow), AppError> {
    let gone = || AppError::NotFound("invitation");
    let invitation = store::invitation_by_hash(c, &sha256_hex(token))?.ok_or_else(gone)?;
    if invitation.accepted_at.is_some()
        || invitation.revoked_at.is_some()
        || invitation.expires_at <= now
    {
        return Err(gone());
    }
    let user = user_store::user(c, invitation.user_id)?;
    if !user.active || user.role != helpdesk_domain::Role::Portal {
        return Err(gone());
    }
    Ok((invitation, user))
}

/// The subject and text of the invitation mail, in the user's language.
fn invitation_text(language: &str, name: &str, link: &str) -> (String, String) {
    if language == "ru" {
        (
            "Приглашение в портал поддержки".into(),
            format!(
                "Здравствуйте, {name}!\n\nДля вас открыт доступ к порталу поддержки: там видны \
                 ваши обращения, можно ответить на них и создать новое.\n\nЧтобы задать пароль, \
                 откройте ссылку (она действует {INVITATION_DAYS} дней и только один раз):\n{link}\n"
            ),
        )
    } else {
        (
            "Your invitation to the support portal".into(),
            format!(
                "Hello {name},\n\nYou now have access to our support portal, where you can follow \
                 your cases, reply to them and open new ones.\n\nTo choose your password, open \
                 this link (it works once, for {INVITATION_DAYS} days):\n{link}\n"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_carries_the_link_in_the_users_language() {
        let (subject, body) = invitation_text("ru", "Анна Петрова", "https://h.example/invite/x");
        assert!(subject.contains("Приглашение"));
        assert!(body.contains("Анна Петрова") && body.contains("https://h.example/invite/x"));
        let (subject, body) = invitation_text("en", "Ann Lee", "https://h.example/invite/y");
        assert!(subject.contains("invitation"));
        assert!(body.contains("Hello Ann Lee") && body.ends_with("https://h.example/invite/y\n"));
    }
}
