//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238) and single-use recovery codes.
//!
//! A user enrols from their profile (or, when an admin requires two factors of their role, at
//! their next sign-in): the server makes a secret, shows it as a QR code, and keeps it sealed
//! until a first code proves the app has it. From then on a sign-in, and a password reset, asks
//! for a code after the password; each code works once, and wrong codes count against the
//! account's sign-in throttle. API tokens are unaffected: they are made by a signed-in user and
//! are a factor of their own.

use helpdesk_api_types::auth::{
    PasswordCheck, RecoveryCodes, TwoFactorConfirm, TwoFactorEnrolment, TwoFactorPolicy,
    TwoFactorStatus,
};
use helpdesk_domain::security::{SecurityEventKind, SignInFailure};
use helpdesk_domain::{totp, Role};
use helpdesk_store::two_factor::{self as store, TwoFactorRow};
use helpdesk_store::users::{self as user_store, UserRow};
use helpdesk_store::AnyConnection;
use rand::RngCore;
use validator::Validate;

use crate::auth::{keyed_mac, sha256_hex, verify_password};
use crate::secrets::SecretBox;
use crate::security_log::{self, Entry};
use crate::sign_in::{count_attempt, take_back};
use crate::{Actor, AppError, Services};

/// The setting that lists the roles required to use two factors.
const POLICY_KEY: &str = "two_factor_required_roles";

/// What the second step of a sign-in decided.
pub(crate) enum Gate {
    /// Go ahead; with the recovery codes of an enrolment this sign-in completed.
    Pass {
        recovery_codes: Option<Vec<String>>,
        used_recovery_code: bool,
    },
    /// Refused: `error` for the caller, and `failure` for the log when a code was wrong.
    Refuse {
        error: AppError,
        failure: Option<SignInFailure>,
    },
}

impl Gate {
    /// A refusal's answer, after logging the failed sign-in of `user` it counts as (a wrong
    /// code); the caller commits, so the log entry and the counted attempt stay.
    pub(crate) fn refusal(
        c: &mut AnyConnection,
        now: chrono::NaiveDateTime,
        (user, email, client): (&UserRow, &str, &crate::auth::ClientInfo),
        error: AppError,
        failure: Option<SignInFailure>,
    ) -> Result<AppError, AppError> {
        if let Some(reason) = failure {
            let entry = crate::security_log::Entry::failure(Some(user), email, client, reason);
            crate::security_log::record(c, now, entry)?;
        }
        Ok(error)
    }
}

impl Services {
    /// The second step of signing `user` in, in the transaction that starts their session:
    /// nothing to do for an account without two factors (and a role that does not require
    /// them), else `otp` must be a current code of their authenticator (or of the enrolment
    /// waiting for its first code) or an unused recovery code.
    pub(crate) fn second_factor(
        &self,
        c: &mut AnyConnection,
        user: &UserRow,
        otp: Option<&str>,
    ) -> Result<Gate, AppError> {
        let row = store::two_factor(c, user.id)?;
        let confirmed = row.as_ref().is_some_and(|r| r.confirmed_at.is_some());
        let required = self.requires_two_factor(c, user.role)?;
        let refuse = |setup: bool| Gate::Refuse {
            error: AppError::SecondFactor { setup },
            failure: None,
        };
        let Some(row) = row.filter(|_| confirmed || required) else {
            return Ok(if required {
                refuse(true)
            } else {
                Gate::Pass {
                    recovery_codes: None,
                    used_recovery_code: false,
                }
            });
        };
        let Some(otp) = otp.map(str::trim).filter(|o| !o.is_empty()) else {
            return Ok(refuse(!confirmed));
        };
        if self.take_code(c, &row, otp)? {
            let recovery_codes = if confirmed {
                None
            } else {
                Some(self.new_recovery_codes(c, user.id)?)
            };
            return Ok(Gate::Pass {
                recovery_codes,
                used_recovery_code: false,
            });
        }
        let hash = sha256_hex(&totp::normalise_recovery_code(otp));
        if confirmed && store::use_recovery_code(c, user.id, &hash, self.now())? {
            return Ok(Gate::Pass {
                recovery_codes: None,
                used_recovery_code: true,
            });
        }
        Ok(Gate::Refuse {
            error: AppError::field("otp", "is not a current code of your authenticator app"),
            failure: Some(SignInFailure::WrongCode),
        })
    }

    /// Whether members of `role` must sign in with two factors.
    pub(crate) fn requires_two_factor(
        &self,
        c: &mut AnyConnection,
        role: Role,
    ) -> Result<bool, AppError> {
        Ok(required_roles(c)?.contains(&role))
    }

    /// Starts an enrolment for `user` and answers what the authenticator app needs.
    pub(crate) fn enrol(
        &self,
        c: &mut AnyConnection,
        user: &UserRow,
    ) -> Result<TwoFactorEnrolment, AppError> {
        let mut secret = [0u8; totp::SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let sealed = self.totp_box().seal(&totp::base32_encode(&secret));
        store::start_enrolment(c, user.id, &sealed, self.now())?;
        let uri = totp::otpauth_uri(&self.issuer(), &user.email, &secret);
        let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::failed("QR code", e))?;
        let qr_svg = qr
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        Ok(TwoFactorEnrolment {
            secret: totp::base32_encode(&secret),
            otpauth_uri: uri,
            qr_svg,
        })
    }

    /// Where the caller stands with two-factor sign-in.
    pub fn my_two_factor(&self, actor: &Actor) -> Result<TwoFactorStatus, AppError> {
        self.db.read(|c| self.status_of(c, actor.user_id))
    }

    /// An admin's view of a user's two-factor sign-in.
    pub fn user_two_factor(
        &self,
        actor: &Actor,
        user_id: i64,
    ) -> Result<TwoFactorStatus, AppError> {
        actor.admin()?;
        self.db.read(|c| self.status_of(c, user_id))
    }

    /// Starts (or starts over) the caller's enrolment; `confirm_two_factor` with a first code
    /// turns it on.
    pub fn begin_two_factor(&self, actor: &Actor) -> Result<TwoFactorEnrolment, AppError> {
        signed_in_session(actor)?;
        self.db.write(|c| {
            let user = user_store::user(c, actor.user_id)?;
            self.enrol(c, &user)
        })
    }

    /// Turns two-factor sign-in on with a first code of the enrolment; answers the recovery
    /// codes, shown this once.
    pub fn confirm_two_factor(
        &self,
        actor: &Actor,
        input: &TwoFactorConfirm,
    ) -> Result<RecoveryCodes, AppError> {
        signed_in_session(actor)?;
        input.validate()?;
        let now = self.now();
        self.db.write(|c| {
            let row = store::two_factor(c, actor.user_id)?
                .ok_or_else(|| AppError::Conflict("start the enrolment first".into()))?;
            if row.confirmed_at.is_some() {
                return Err(AppError::Conflict(
                    "two-factor sign-in is on already".into(),
                ));
            }
            if !self.take_code(c, &row, &input.code)? {
                return Err(AppError::field(
                    "code",
                    "is not a current code of the new secret; check the app's clock",
                ));
            }
            let codes = self.new_recovery_codes(c, actor.user_id)?;
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::TwoFactorEnabled, actor.user_id),
            )?;
            Ok(RecoveryCodes { codes })
        })
    }

    /// Turns the caller's two-factor sign-in off, when their role does not require it; asks for
    /// their password (wrong guesses count against the account's throttle).
    pub fn disable_two_factor(&self, actor: &Actor, input: &PasswordCheck) -> Result<(), AppError> {
        let user = self.recheck_password(actor, input)?;
        let now = self.now();
        self.db.write(|c| {
            if self.requires_two_factor(c, user.role)? {
                return Err(AppError::forbidden(
                    "your role requires two-factor sign-in; an admin can reset it if the device is lost",
                ));
            }
            if !store::remove(c, user.id)? {
                return Ok(());
            }
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::TwoFactorDisabled, user.id)
                    .reason("turned off by the user"),
            )
        })
    }

    /// New recovery codes for the caller (the old ones stop working); asks for their password.
    pub fn renew_recovery_codes(
        &self,
        actor: &Actor,
        input: &PasswordCheck,
    ) -> Result<RecoveryCodes, AppError> {
        let user = self.recheck_password(actor, input)?;
        let now = self.now();
        self.db.write(|c| {
            let on = store::two_factor(c, user.id)?.is_some_and(|r| r.confirmed_at.is_some());
            if !on {
                return Err(AppError::Conflict("two-factor sign-in is off".into()));
            }
            let codes = self.new_recovery_codes(c, user.id)?;
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::RecoveryCodesRenewed, user.id),
            )?;
            Ok(RecoveryCodes { codes })
        })
    }

    /// Turns a user's two-factor sign-in off (a lost phone and lost codes). If their role
    /// requires two factors they enrol again at their next sign-in.
    pub fn reset_two_factor(&self, actor: &Actor, user_id: i64) -> Result<(), AppError> {
        actor.admin()?;
        let now = self.now();
        self.db.write(|c| {
            user_store::user(c, user_id)?;
            if store::remove(c, user_id)? {
                security_log::record(
                    c,
                    now,
                    Entry::by(actor, SecurityEventKind::TwoFactorDisabled, user_id)
                        .reason("reset by an admin"),
                )?;
            }
            Ok(())
        })
    }

    /// Which roles must use two factors.
    pub fn two_factor_policy(&self, actor: &Actor) -> Result<TwoFactorPolicy, AppError> {
        actor.admin()?;
        self.db.read(|c| {
            Ok(TwoFactorPolicy {
                required_roles: required_roles(c)?,
            })
        })
    }

    /// Sets which staff roles must use two factors. Their members without two factors are
    /// asked to enrol at their next sign-in; sessions already open go on.
    pub fn set_two_factor_policy(
        &self,
        actor: &Actor,
        input: &TwoFactorPolicy,
    ) -> Result<TwoFactorPolicy, AppError> {
        actor.admin()?;
        if input.required_roles.contains(&Role::Portal) {
            return Err(AppError::field(
                "required_roles",
                "only staff roles (admin, agent) can be required to use two factors",
            ));
        }
        let mut roles = input.required_roles.clone();
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let now = self.now();
        self.db.write(|c| {
            let text = serde_json::to_string(&names)
                .map_err(|e| AppError::failed("storing the roles requiring two factors", e))?;
            helpdesk_store::auth::put_setting(c, POLICY_KEY, &text)?;
            let reason = if names.is_empty() {
                "required of nobody".to_owned()
            } else {
                format!("required of {}", names.join(", "))
            };
            security_log::record(
                c,
                now,
                Entry::by(
                    actor,
                    SecurityEventKind::TwoFactorPolicyChanged,
                    actor.user_id,
                )
                .reason(&reason),
            )
        })?;
        Ok(TwoFactorPolicy {
            required_roles: roles,
        })
    }

    fn status_of(&self, c: &mut AnyConnection, user_id: i64) -> Result<TwoFactorStatus, AppError> {
        let user = user_store::user(c, user_id)?;
        let row = store::two_factor(c, user_id)?.filter(|r| r.confirmed_at.is_some());
        Ok(TwoFactorStatus {
            enabled: row.is_some(),
            enabled_since: row.and_then(|r| r.confirmed_at).map(|t| t.and_utc()),
            recovery_codes_left: store::recovery_codes_left(c, user_id)?,
            required: self.requires_two_factor(c, user.role)?,
        })
    }

    /// Whether `typed` is a current, unused code of `row`'s secret; if so it is used up (and a
    /// waiting enrolment confirmed).
    fn take_code(
        &self,
        c: &mut AnyConnection,
        row: &TwoFactorRow,
        typed: &str,
    ) -> Result<bool, AppError> {
        if !totp::looks_like_code(typed) {
            return Ok(false);
        }
        let secret = self.open_secret(&row.secret).ok_or_else(|| {
            AppError::Internal(format!(
                "two-factor secret of user {} does not open with the server's keys",
                row.user_id
            ))
        })?;
        let now = self.now();
        let Some(step) = totp::verify(&secret, typed, now.and_utc().timestamp(), row.last_step)
        else {
            return Ok(false);
        };
        Ok(store::use_step(c, row.user_id, step, now)?)
    }

    fn new_recovery_codes(
        &self,
        c: &mut AnyConnection,
        user_id: i64,
    ) -> Result<Vec<String>, AppError> {
        let codes: Vec<String> = (0..totp::RECOVERY_CODES)
            .map(|_| {
                let mut random = [0u8; 7];
                rand::rngs::OsRng.fill_bytes(&mut random);
                totp::recovery_code(&random)
            })
            .collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|code| sha256_hex(&totp::normalise_recovery_code(code)))
            .collect();
        store::replace_recovery_codes(c, user_id, &hashes, self.now())?;
        Ok(codes)
    }

    /// The caller's account after their password was given again (throttled like sign-in).
    fn recheck_password(&self, actor: &Actor, input: &PasswordCheck) -> Result<UserRow, AppError> {
        signed_in_session(actor)?;
        input.validate()?;
        let now = self.now();
        let user = self.db.read(|c| user_store::user(c, actor.user_id))?;
        let counted = [self.account_counter(&user.email)];
        if let Some(retry_after_seconds) = self.db.write(|c| count_attempt(c, &counted, now))? {
            return Err(AppError::TooManyRequests {
                retry_after_seconds,
            });
        }
        let hash = user.password_hash.as_deref().unwrap_or_default();
        if !verify_password(&input.password, hash) {
            return Err(AppError::field("password", "is not your current password"));
        }
        self.db.write(|c| take_back(c, &counted, now))?;
        Ok(user)
    }

    /// The secret of a stored row: sealed with the configured encryption key when there is
    /// one, else with a key derived from the server's signing key.
    fn open_secret(&self, sealed: &str) -> Option<Vec<u8>> {
        let text = self
            .secrets
            .as_ref()
            .and_then(|b| b.open(sealed))
            .or_else(|| self.server_box().open(sealed))?;
        totp::base32_decode(&text)
    }

    fn totp_box(&self) -> SecretBox {
        self.secrets.clone().unwrap_or_else(|| self.server_box())
    }

    #[allow(clippy::expect_used, reason = "the passphrase is always 64 hex digits")]
    fn server_box(&self) -> SecretBox {
        let key = hex::encode(keyed_mac(
            &self.auth.jwt_secret,
            &[b"helpdesk two-factor secrets"],
        ));
        SecretBox::from_passphrase(&key).expect("64 hex digits are a long enough passphrase")
    }

    /// The name authenticator apps show beside the code: the host of the public address.
    fn issuer(&self) -> String {
        self.notify
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .map(|host| format!("Helpdesk ({host})"))
            .unwrap_or_else(|| "Helpdesk".to_owned())
    }
}

/// Two factors are managed from a signed-in session, not with an API token.
fn signed_in_session(actor: &Actor) -> Result<(), AppError> {
    actor.any_write()?;
    if actor.scopes.is_some() {
        return Err(AppError::forbidden(
            "two-factor sign-in is managed from a signed-in session, not with an API token",
        ));
    }
    Ok(())
}

/// The roles required to use two factors; an unreadable setting is an error, never "nobody".
fn required_roles(c: &mut AnyConnection) -> Result<Vec<Role>, AppError> {
    let Some(text) = helpdesk_store::auth::setting(c, POLICY_KEY)? else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = serde_json::from_str(&text)
        .map_err(|e| AppError::failed(format!("setting {POLICY_KEY}"), e))?;
    names
        .iter()
        .map(|n| Role::parse(n).map_err(|e| AppError::failed(format!("setting {POLICY_KEY}"), e)))
        .collect()
}
