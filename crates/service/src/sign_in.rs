//! Signing in with e-mail and password, throttled by growing delays rather than a lock.
//!
//! Every attempt is counted, before its password is checked, against the account and the
//! client's address ([`ThrottlePolicy`]); the counters' rows are locked while that is decided, so
//! twenty concurrent guesses are counted one after the other and most of them wait. A right
//! password takes its count back. A browser where the account signed in before sends the
//! `device_token` it was given: its attempts count against that device alone, so strangers'
//! failures on the account or from a shared address (a proxy, an office) never keep the owner
//! out, while a stolen device token still buys only the device's few free attempts.

use chrono::NaiveDateTime;
use helpdesk_api_types::auth::{LoginRequest, TokenPair, TwoFactorEnrolment};
use helpdesk_domain::security::{SecurityEventKind, SignInFailure};
use helpdesk_domain::throttle::{ThrottlePolicy, ThrottleScope};
use helpdesk_domain::Role;
use helpdesk_store::security as counters;
use helpdesk_store::two_factor as two_factor_store;
use helpdesk_store::users::{self as user_store, UserRow};
use helpdesk_store::AnyConnection;
use validator::Validate;

use crate::auth::{
    constant_time_eq, dummy_hash, keyed_seal, portal_open, random_token, verify_password,
    ClientInfo,
};
use crate::security_log::{self, Entry};
use crate::two_factor::Gate;
use crate::{AppError, Services};

/// A throttling counter an attempt is counted against.
pub(crate) struct Counted {
    key: String,
    scope: ThrottleScope,
    policy: ThrottlePolicy,
}

/// An account whose password was right, and what its attempt was counted against.
pub(crate) struct Credentials {
    pub user: UserRow,
    pub email: String,
    counted: Vec<Counted>,
    device: Option<String>,
}

impl Services {
    pub fn login(&self, input: &LoginRequest, client: &ClientInfo) -> Result<TokenPair, AppError> {
        let Credentials {
            user,
            email,
            counted,
            device,
        } = self.check_credentials(input, client)?;
        let now = self.now();
        let outcome = self
            .db
            .write(|c| -> Result<Result<TokenPair, AppError>, AppError> {
                let (recovery_codes, used_recovery_code) =
                    match self.second_factor(c, &user, input.otp.as_deref())? {
                        Gate::Pass {
                            recovery_codes,
                            used_recovery_code,
                        } => (recovery_codes, used_recovery_code),
                        Gate::Refuse { error, failure } => {
                            // Committed: the failure is logged and the attempt stays counted.
                            let who = (&user, email.as_str(), client);
                            return Ok(Err(Gate::refusal(c, now, who, error, failure)?));
                        }
                    };
                take_back(c, &counted, now)?;
                let (mut pair, session) = self.start_session(c, &user, client)?;
                let mut signed_in = Entry {
                    kind: SecurityEventKind::SignedIn,
                    user_id: Some(user.id),
                    actor_id: None,
                    email: Some(&email),
                    client,
                    reason: None,
                    session_id: Some(session),
                };
                if recovery_codes.is_some() {
                    security_log::record(
                        c,
                        now,
                        Entry {
                            kind: SecurityEventKind::TwoFactorEnabled,
                            reason: Some("enrolled at sign-in"),
                            ..signed_in
                        },
                    )?;
                }
                if used_recovery_code {
                    security_log::record(
                        c,
                        now,
                        Entry {
                            kind: SecurityEventKind::RecoveryCodeUsed,
                            ..signed_in
                        },
                    )?;
                    signed_in.reason = Some("with a recovery code");
                }
                security_log::record(c, now, signed_in)?;
                pair.device_token = Some(match &device {
                    Some(id) => self.device_token(user.id, id),
                    None => self.device_token(user.id, &random_token(16)),
                });
                pair.recovery_codes = recovery_codes;
                Ok(Ok(pair))
            })??;
        tracing::info!(user_id = outcome.user.id, "signed in");
        Ok(outcome)
    }

    /// Enrolment in two-factor sign-in for an account whose role requires it and that has none
    /// yet, proven by its password (counted and throttled as a sign-in). The sign-in that
    /// follows, with a code of the new secret, completes it.
    pub fn enrol_at_sign_in(
        &self,
        input: &LoginRequest,
        client: &ClientInfo,
    ) -> Result<TwoFactorEnrolment, AppError> {
        let Credentials { user, counted, .. } = self.check_credentials(input, client)?;
        let now = self.now();
        self.db.write(|c| {
            let on =
                two_factor_store::two_factor(c, user.id)?.is_some_and(|r| r.confirmed_at.is_some());
            if on || !self.requires_two_factor(c, user.role)? {
                return Err(AppError::Conflict(
                    "this account does not need to enrol now: sign in, then set up two-factor \
                     sign-in from the profile"
                        .into(),
                ));
            }
            take_back(c, &counted, now)?;
            self.enrol(c, &user)
        })
    }

    /// Counts a sign-in attempt and checks its password: the account when it is right and may
    /// sign in, else the refusal (logged; the caller learns only "wrong" or "wait").
    pub(crate) fn check_credentials(
        &self,
        input: &LoginRequest,
        client: &ClientInfo,
    ) -> Result<Credentials, AppError> {
        input.validate()?;
        let email = input.email.trim().to_lowercase();
        let now = self.now();
        let user = self.db.read(|c| user_store::user_by_email(c, &email))?;
        let device = match (&input.device_token, &user) {
            (Some(token), Some(u)) => self.known_device(token, u.id),
            _ => None,
        };
        let counted = self.counted(&email, &client.ip, device.as_deref());

        // Count the attempt first, atomically; refuse it when a counter's delay has not passed.
        let waited = self.db.write(|c| -> Result<Option<u64>, AppError> {
            let wait = count_attempt(c, &counted, now)?;
            if wait.is_some() {
                // The refusal is recorded even though the caller gets an error.
                let entry = Entry::failure(user.as_ref(), &email, client, SignInFailure::Throttled);
                security_log::record(c, now, entry)?;
            }
            Ok(wait)
        })?;
        if let Some(retry_after_seconds) = waited {
            return Err(AppError::TooManyRequests {
                retry_after_seconds,
            });
        }

        match self.check_password(user.as_ref(), &input.password)? {
            Ok(account) => Ok(Credentials {
                user: account.clone(),
                email,
                counted,
                device,
            }),
            Err(reason) => {
                self.db.write(|c| {
                    security_log::record(
                        c,
                        now,
                        Entry::failure(user.as_ref(), &email, client, reason),
                    )
                })?;
                if reason == SignInFailure::PasswordSignInOff {
                    // Said only once the password proved right.
                    return Err(AppError::forbidden(
                        "password sign-in is off for your role: sign in with single sign-on",
                    ));
                }
                Err(AppError::Unauthorized("e-mail or password is wrong".into()))
            }
        }
    }

    /// The user if the password is theirs and they may sign in, else why not. Takes as long
    /// for an unknown account as for a wrong password.
    fn check_password<'u>(
        &self,
        user: Option<&'u UserRow>,
        password: &str,
    ) -> Result<Result<&'u UserRow, SignInFailure>, AppError> {
        let Some(u) = user else {
            verify_password(password, dummy_hash());
            return Ok(Err(SignInFailure::UnknownAccount));
        };
        let right = verify_password(password, u.password_hash.as_deref().unwrap_or(dummy_hash()));
        Ok(if !right {
            Err(SignInFailure::WrongPassword)
        } else if !u.active {
            Err(SignInFailure::AccountDisabled)
        } else if self.password_sign_in_off(u.role) {
            Err(SignInFailure::PasswordSignInOff)
        } else if u.role == Role::Portal && !self.db.read(|c| portal_open(c, u))? {
            Err(SignInFailure::PortalAccessOff)
        } else {
            Ok(u)
        })
    }

    /// The counter of an account alone (a password checked again by a signed-in user).
    pub(crate) fn account_counter(&self, email: &str) -> Counted {
        Counted {
            key: format!("{}:{email}", ThrottleScope::Account),
            scope: ThrottleScope::Account,
            policy: self.auth.account_throttle,
        }
    }

    /// What an attempt counts against: its device when known, else the account and the address.
    fn counted(&self, email: &str, ip: &str, device: Option<&str>) -> Vec<Counted> {
        let counter = |scope: ThrottleScope, id: &str, policy| Counted {
            key: format!("{scope}:{id}"),
            scope,
            policy,
        };
        match device {
            Some(id) => vec![counter(
                ThrottleScope::Device,
                id,
                self.auth.device_throttle,
            )],
            None => vec![
                counter(ThrottleScope::Account, email, self.auth.account_throttle),
                counter(ThrottleScope::Address, ip, self.auth.address_throttle),
            ],
        }
    }

    /// A device token for `user_id`: the device's id sealed with the server key, so it cannot
    /// be made up or moved to another account.
    fn device_token(&self, user_id: i64, device_id: &str) -> String {
        format!("{device_id}.{}", self.device_seal(user_id, device_id))
    }

    /// The device id of `token` when it was made for `user_id` by this server.
    fn known_device(&self, token: &str, user_id: i64) -> Option<String> {
        let (device_id, seal) = token.rsplit_once('.')?;
        let expected = self.device_seal(user_id, device_id);
        let same = constant_time_eq(expected.as_bytes(), seal.as_bytes());
        (same && !device_id.is_empty()).then(|| device_id.to_owned())
    }

    fn device_seal(&self, user_id: i64, device_id: &str) -> String {
        keyed_seal(
            &self.auth.jwt_secret,
            &[
                b"helpdesk device\0",
                user_id.to_string().as_bytes(),
                b"\0",
                device_id.as_bytes(),
            ],
        )
    }
}

/// Counts an attempt against every counter of `counted`, under their rows' locks: `None` when
/// it may go ahead, else the seconds to wait (and nothing is counted).
pub(crate) fn count_attempt(
    c: &mut AnyConnection,
    counted: &[Counted],
    now: NaiveDateTime,
) -> Result<Option<u64>, AppError> {
    let keys: Vec<String> = counted.iter().map(|c| c.key.clone()).collect();
    let mut wait = 0;
    let mut next = Vec::new();
    for (key, counter) in counters::lock_counters(c, &keys, now)? {
        match policy_of(counted, &key)?.policy.reserve(Some(counter), now) {
            Ok(n) => next.push((key, n)),
            Err(w) => wait = wait.max(w),
        }
    }
    if wait > 0 {
        return Ok(Some(wait));
    }
    for (key, n) in &next {
        counters::save_counter(c, key, n)?;
    }
    Ok(None)
}

/// Takes back an attempt that proved right: the account's and the device's counts start over;
/// an address, which others may share, loses only this attempt.
pub(crate) fn take_back(
    c: &mut AnyConnection,
    counted: &[Counted],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let keys: Vec<String> = counted.iter().map(|c| c.key.clone()).collect();
    for (key, counter) in counters::lock_counters(c, &keys, now)? {
        let counted = policy_of(counted, &key)?;
        match counted.scope {
            ThrottleScope::Address => {
                counters::save_counter(c, &key, &counted.policy.release(counter, now))?;
            }
            ThrottleScope::Account | ThrottleScope::Device => counters::clear_counter(c, &key)?,
        }
    }
    Ok(())
}

fn policy_of<'a>(counted: &'a [Counted], key: &str) -> Result<&'a Counted, AppError> {
    counted
        .iter()
        .find(|c| c.key == key)
        .ok_or_else(|| AppError::Internal(format!("no throttle policy for {key}")))
}
