//! A user's password over its life: changed by its owner (who proves the current one), reset by
//! e-mail with a single-use link valid for an hour, and checked wherever one is chosen
//! ([`helpdesk_domain::password::check_new`]).

use chrono::{Duration, NaiveDateTime};
use helpdesk_api_types::auth::{
    ChangePassword, PasswordResetConfirm, PasswordResetInfo, PasswordResetRequest, TokenPair,
};
use helpdesk_domain::event::Event;
use helpdesk_domain::password;
use helpdesk_domain::security::SecurityEventKind;
use helpdesk_domain::Role;
use helpdesk_store::notifications::{self as mail_store, NewMail};
use helpdesk_store::security as store;
use helpdesk_store::users::{self as user_store, UserChanges, UserRow};
use helpdesk_store::AnyConnection;
use validator::Validate;

use crate::auth::{
    hash_password, portal_open, random_token, sha256_hex, verify_password, ClientInfo,
};
use crate::notify::message_id_domain;
use crate::outbox::emit;
use crate::security_log::{self, Entry};
use crate::sign_in::{count_attempt, take_back};
use crate::two_factor::Gate;
use crate::{Actor, AppError, Services};

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 60;
/// A second request within this many seconds sends no second mail.
const RESET_EVERY_SECONDS: i64 = 60;

/// `Ok` when `password` may be chosen by the account of `email`, else a problem at `field`.
pub(crate) fn check_new(field: &'static str, password: &str, email: &str) -> Result<(), AppError> {
    password::check_new(password, email).map_err(|why| AppError::field(field, why))
}

impl Services {
    /// Changes the caller's password. The current one must be given (and wrong guesses count
    /// against the account's sign-in throttle); every other session of the user ends, the one
    /// it was changed from stays.
    pub fn change_password(&self, actor: &Actor, input: &ChangePassword) -> Result<(), AppError> {
        actor.any_write()?;
        if actor.scopes.is_some() {
            return Err(AppError::forbidden(
                "a password is changed from a signed-in session, not with an API token",
            ));
        }
        input.validate()?;
        let now = self.now();
        let user = self.db.read(|c| user_store::user(c, actor.user_id))?;
        check_new("new_password", &input.new_password, &user.email)?;
        let counted = [self.account_counter(&user.email)];
        let waited = self.db.write(|c| count_attempt(c, &counted, now))?;
        if let Some(retry_after_seconds) = waited {
            return Err(AppError::TooManyRequests {
                retry_after_seconds,
            });
        }
        let current = user.password_hash.as_deref().unwrap_or_default();
        if !verify_password(&input.current_password, current) {
            return Err(AppError::field(
                "current_password",
                "is not your current password",
            ));
        }
        if input.new_password == input.current_password {
            return Err(AppError::field(
                "new_password",
                "must differ from the current password",
            ));
        }
        let hash = hash_password(&input.new_password)?;
        self.db.write(|c| -> Result<(), AppError> {
            take_back(c, &counted, now)?;
            set_password(c, user.id, hash, now)?;
            match actor.session_id {
                Some(keep) => {
                    helpdesk_store::auth::revoke_other_sessions(c, user.id, keep, now)?;
                }
                None => {
                    helpdesk_store::auth::revoke_user_refresh_tokens(c, user.id, now)?;
                }
            }
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::PasswordChanged, user.id)
                    .reason("changed by the user; other sessions ended"),
            )
        })?;
        tracing::info!(user_id = user.id, "password changed");
        Ok(())
    }

    /// Mails a link to choose a new password, when the address belongs to an account that may
    /// sign in. The answer is the same whether or not it does, so the form tells nobody which
    /// addresses have accounts; a second request within a minute sends nothing more.
    pub fn request_password_reset(
        &self,
        input: &PasswordResetRequest,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        input.validate()?;
        let (Some(from), Some(public_url)) = (
            self.notify.mail_from.clone(),
            self.notify.public_url.clone(),
        ) else {
            return Err(AppError::Unavailable(
                "password reset needs outgoing mail and the public address \
                 (HELPDESK_SMTP_URL, HELPDESK_MAIL_FROM, HELPDESK_PUBLIC_URL)"
                    .into(),
            ));
        };
        let email = input.email.trim().to_lowercase();
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let Some(user) = user_store::user_by_email(c, &email)? else {
                return Ok(());
            };
            if !may_reset(c, &user)? || self.password_sign_in_off(user.role) {
                return Ok(());
            }
            let recent = store::last_password_reset(c, user.id)?
                .is_some_and(|t| now - t < Duration::seconds(RESET_EVERY_SECONDS));
            if recent {
                return Ok(());
            }
            let token = random_token(32);
            let expires_at = now + Duration::minutes(RESET_MINUTES);
            store::replace_password_reset(c, user.id, &sha256_hex(&token), now, expires_at)?;
            let link = format!("{}/reset/{token}", public_url.trim_end_matches('/'));
            let (subject, body) = reset_text(&user.language, &user.name, &link, client);
            let domain = message_id_domain(&from);
            // The mail hangs off an event, as every queued mail does (its key is event and
            // recipient); the event says nothing of the link.
            let event_id = emit(
                c,
                now,
                None,
                &Event::UserPasswordResetRequested { id: user.id },
            )?;
            mail_store::insert_mails(
                c,
                &[NewMail {
                    event_id,
                    recipient: user.email.clone(),
                    kind: "password_reset".into(),
                    case_id: None,
                    subject,
                    body,
                    message_id: format!("<reset-{}@{domain}>", random_token(12)),
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
            security_log::record(
                c,
                now,
                Entry {
                    kind: SecurityEventKind::PasswordResetRequested,
                    user_id: Some(user.id),
                    actor_id: None,
                    email: Some(&email),
                    client,
                    reason: None,
                    session_id: None,
                },
            )
        })
    }

    /// Who a reset link is for; "not found" when it is unknown, used, replaced or expired.
    pub fn password_reset(&self, token: &str) -> Result<PasswordResetInfo, AppError> {
        let now = self.now();
        self.db.read(|c| {
            let (reset, user) = open_reset(c, token, now)?;
            Ok(PasswordResetInfo {
                email: user.email,
                expires_at: reset.expires_at.and_utc(),
            })
        })
    }

    /// Sets the password chosen with a reset link and signs the user in. The link works once;
    /// every earlier session of the user ends, and the account's sign-in throttle starts over
    /// (the owner has shown they read its mail).
    pub fn confirm_password_reset(
        &self,
        input: &PasswordResetConfirm,
        client: &ClientInfo,
    ) -> Result<TokenPair, AppError> {
        input.validate()?;
        let now = self.now();
        let (_, user) = self.db.read(|c| open_reset(c, &input.token, now))?;
        check_new("password", &input.password, &user.email)?;
        let hash = hash_password(&input.password)?;
        // A code for the second factor is guessed no faster here than at sign-in.
        let counted = [self.account_counter(&user.email)];
        if let Some(retry_after_seconds) = self.db.write(|c| count_attempt(c, &counted, now))? {
            return Err(AppError::TooManyRequests {
                retry_after_seconds,
            });
        }
        self.db
            .write(|c| -> Result<Result<TokenPair, AppError>, AppError> {
                let (reset, user) = open_reset(c, &input.token, now)?;
                // An account with two factors needs its code here too, before the link is used;
                // one whose role requires them but has none sets its password, then enrols at
                // sign-in.
                let enrol_next = match self.second_factor(c, &user, input.otp.as_deref())? {
                    Gate::Pass { .. } => false,
                    Gate::Refuse {
                        error: AppError::SecondFactor { setup: true },
                        ..
                    } => true,
                    Gate::Refuse { error, failure } => {
                        let who = (&user, user.email.as_str(), client);
                        return Ok(Err(Gate::refusal(c, now, who, error, failure)?));
                    }
                };
                if !store::use_password_reset(c, reset.id, now)? {
                    return Err(AppError::NotFound("password reset link"));
                }
                set_password(c, user.id, hash, now)?;
                helpdesk_store::auth::revoke_user_refresh_tokens(c, user.id, now)?;
                take_back(c, &counted, now)?;
                security_log::record(
                    c,
                    now,
                    Entry {
                        kind: SecurityEventKind::PasswordChanged,
                        user_id: Some(user.id),
                        actor_id: None,
                        email: Some(&user.email),
                        client,
                        reason: Some("reset by e-mail; every session ended"),
                        session_id: None,
                    },
                )?;
                if enrol_next {
                    return Ok(Err(AppError::SecondFactor { setup: true }));
                }
                let user = user_store::user(c, user.id)?;
                self.start_session(c, &user, client)
                    .map(|(pair, _)| Ok(pair))
            })?
    }
}

fn set_password(
    c: &mut AnyConnection,
    user_id: i64,
    hash: String,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    user_store::update_user(
        c,
        user_id,
        &UserChanges {
            password_hash: Some(Some(hash)),
            updated_at: Some(now),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Whether the account may get a reset link: active, and for customers, portal access on.
fn may_reset(c: &mut AnyConnection, user: &UserRow) -> Result<bool, AppError> {
    if !user.active {
        return Ok(false);
    }
    if user.role == Role::Portal {
        return portal_open(c, user);
    }
    Ok(true)
}

/// The reset of a token and its user, when it may still be used.
fn open_reset(
    c: &mut AnyConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<(store::PasswordResetRow, UserRow), AppError> {
    let gone = || AppError::NotFound("password reset link");
    let reset = store::password_reset_by_hash(c, &sha256_hex(token))?.ok_or_else(gone)?;
    if reset.used_at.is_some() || reset.expires_at <= now {
        return Err(gone());
    }
    let user = user_store::user(c, reset.user_id)?;
    if !may_reset(c, &user)? {
        return Err(gone());
    }
    Ok((reset, user))
}

fn reset_text(language: &str, name: &str, link: &str, client: &ClientInfo) -> (String, String) {
    let from = if client.ip.is_empty() {
        String::new()
    } else {
        client.ip.clone()
    };
    if language == "ru" {
        (
            "Смена пароля".into(),
            format!(
                "Здравствуйте, {name}!\n\nКто-то (адрес {from}) попросил сменить пароль вашей \
                 учётной записи в службе поддержки. Чтобы задать новый пароль, откройте ссылку \
                 (она действует {RESET_MINUTES} минут и только один раз):\n{link}\n\nЕсли это \
                 были не вы, ничего не делайте: пароль останется прежним.\n"
            ),
        )
    } else {
        (
            "Choose a new password".into(),
            format!(
                "Hello {name},\n\nSomeone (from {from}) asked to reset the password of your \
                 helpdesk account. To choose a new password, open this link (it works once, for \
                 {RESET_MINUTES} minutes):\n{link}\n\nIf it was not you, do nothing: your \
                 password stays as it is.\n"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_mail_carries_the_link_and_where_it_was_asked_from() {
        let client = ClientInfo::new("203.0.113.5", "Firefox");
        let (subject, body) = reset_text("ru", "Анна", "https://h.example/reset/x", &client);
        assert_eq!(subject, "Смена пароля");
        assert!(body.contains("https://h.example/reset/x") && body.contains("203.0.113.5"));
        let (subject, body) = reset_text("en", "Ann", "https://h.example/reset/y", &client);
        assert_eq!(subject, "Choose a new password");
        assert!(body.contains("Hello Ann") && body.contains("60 minutes"));
    }
}
