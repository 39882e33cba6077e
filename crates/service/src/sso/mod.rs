//! Single sign-on for staff with OpenID Connect (authorization code with PKCE).
//!
//! The app sends the browser to `start`, which keeps a state, a nonce and a PKCE verifier in
//! the database (the callback may reach another replica) and redirects to the provider. The
//! provider sends the browser back to `callback`: the code is exchanged for an ID token, whose
//! signature (the provider's published keys), issuer, audience, expiry and nonce are checked.
//! Its claims pick the account (by the provider's subject, else by a verified e-mail address,
//! else a new one when just-in-time provisioning is on), the role (from a group claim) and the
//! teams; the browser is sent to the app's `/sso` page with a one-time code, which the app
//! exchanges for a session. Two-factor sign-in is the provider's business then.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Duration as Span;
use helpdesk_api_types::auth::{SsoCallback, SsoExchange, SsoInfo, TokenPair};
use helpdesk_domain::security::SecurityEventKind;
use helpdesk_domain::Role;
use helpdesk_store::sso as store;
use helpdesk_store::users::{self as user_store, UserRow};
use helpdesk_store::AnyConnection;
use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use validator::Validate;

use crate::auth::{random_token, sha256_hex, ClientInfo};
use crate::security_log::{self, Entry};
use crate::{AppError, Services};

mod accounts;
mod provider;

/// How long a sign-in may stay at the provider.
const LOGIN_MINUTES: i64 = 10;
/// How long the app has to exchange the hand-off code.
const HANDOFF_SECONDS: i64 = 120;
/// How long the provider's configuration and keys are trusted before they are fetched again.
const PROVIDER_TTL: Duration = Duration::from_secs(3600);

/// The identity provider and how its claims map to accounts.
#[derive(Clone)]
pub struct SsoSettings {
    /// The provider's issuer URL; its configuration is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated scopes asked for (`openid` always).
    pub scopes: String,
    /// The provider's name on the sign-in button.
    pub label: String,
    /// The claim listing the user's groups (a list of strings, or one string).
    pub role_claim: String,
    /// Group → role; an account gets the highest role among its groups, and none without one.
    pub roles: Vec<(String, Role)>,
    /// Group → team name; the mapped teams' memberships follow the groups at each sign-in.
    pub teams: Vec<(String, String)>,
    /// Whether a sign-in without an account creates one (else an admin creates it first).
    pub create_users: bool,
    /// Roles that may not sign in with a password (single sign-on only).
    pub passwords_off: Vec<Role>,
    pub timeout: Duration,
    provider: Arc<Mutex<Option<(Instant, Provider)>>>,
}

impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl SsoSettings {
    pub fn new(issuer: &str, client_id: &str, client_secret: &str) -> Self {
        SsoSettings {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            scopes: "openid email profile".into(),
            label: "single sign-on".into(),
            role_claim: "groups".into(),
            roles: Vec::new(),
            teams: Vec::new(),
            create_users: true,
            passwords_off: Vec::new(),
            timeout: Duration::from_secs(10),
            provider: Arc::default(),
        }
    }

    /// Reads `group=value,group=value` lists (the form of the environment settings).
    pub fn pairs(text: &str) -> Vec<(String, String)> {
        text.split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .collect()
    }
}

/// What the provider publishes about itself.
#[derive(Debug, Clone, Deserialize)]
struct Provider {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    /// Where a browser is sent to sign out at the provider (RP-initiated logout), if it can.
    #[serde(default)]
    end_session_endpoint: Option<String>,
    jwks_uri: String,
    #[serde(skip)]
    keys: Option<JwkSet>,
}

/// Why a single sign-on did not sign anyone in: a code for the app's page, and a line for the
/// log.
struct Refusal {
    code: &'static str,
    why: String,
}

fn refuse(code: &'static str, why: impl Into<String>) -> Refusal {
    Refusal {
        code,
        why: why.into(),
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        tracing::error!(error = %e, "single sign-on failed");
        refuse("failed", "an internal error")
    }
}

impl Services {
    /// Whether the sign-in page offers single sign-on.
    pub fn sso_info(&self) -> SsoInfo {
        match self.sso_settings() {
            Some((s, _)) => SsoInfo {
                enabled: true,
                label: s.label.clone(),
            },
            None => SsoInfo {
                enabled: false,
                label: String::new(),
            },
        }
    }

    /// Where to send the browser to sign in with the provider.
    pub fn sso_start(&self, return_to: Option<&str>) -> Result<String, AppError> {
        let (settings, redirect_uri) = self
            .sso_settings()
            .ok_or_else(|| AppError::Unavailable("single sign-on is not configured".into()))?;
        let provider = self.provider(settings, false)?;
        let state = random_token(24);
        let nonce = random_token(24);
        let verifier = random_token(48);
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        let now = self.now();
        let back = app_path(return_to);
        self.db.write(|c| {
            store::start_login(c, &state, &nonce, &verifier, &back, now).map_err(AppError::from)
        })?;
        let mut url = url::Url::parse(&provider.authorization_endpoint).map_err(|e| {
            AppError::Upstream(format!("the provider's authorization endpoint: {e}"))
        })?;
        let mut scopes: Vec<&str> = settings.scopes.split_whitespace().collect();
        if !scopes.contains(&"openid") {
            scopes.insert(0, "openid");
        }
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// The provider's answer: where to send the browser in the app (`/sso#code=…` when signed
    /// in, `/sso#error=…` when not). Never an error page: every refusal is said in the app.
    pub fn sso_callback(&self, answer: &SsoCallback, client: &ClientInfo) -> String {
        match self.sso_sign_in(answer, client) {
            Ok((code, return_to)) => format!(
                "/sso#code={code}&return_to={}",
                url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
            ),
            Err(refusal) => {
                tracing::info!(reason = %refusal.why, "single sign-on refused");
                let now = self.now();
                let why = format!("single sign-on: {}", refusal.why);
                let logged = self.db.write(|c| {
                    security_log::record(
                        c,
                        now,
                        Entry {
                            kind: SecurityEventKind::SignInFailed,
                            user_id: None,
                            actor_id: None,
                            email: None,
                            client,
                            reason: Some(&why),
                            session_id: None,
                        },
                    )
                });
                if let Err(e) = logged {
                    tracing::error!(error = %e, "recording a refused single sign-on failed");
                }
                format!("/sso#error={}", refusal.code)
            }
        }
    }

    /// Exchanges the one-time code the callback handed to the app for a session.
    pub fn sso_exchange(
        &self,
        input: &SsoExchange,
        client: &ClientInfo,
    ) -> Result<TokenPair, AppError> {
        input.validate()?;
        let now = self.now();
        self.db.write(|c| {
            let since = now - Span::seconds(HANDOFF_SECONDS);
            let login =
                store::use_handoff(c, &sha256_hex(&input.code), since, now)?.ok_or_else(|| {
                    AppError::Unauthorized("the sign-in code is unknown, used or expired".into())
                })?;
            let user_id = login
                .user_id
                .ok_or_else(|| AppError::Unauthorized("the sign-in did not finish".into()))?;
            let user = user_store::user(c, user_id)?;
            if !user.active {
                return Err(AppError::Unauthorized("the account is disabled".into()));
            }
            let (pair, session) = self.start_session(c, &user, client)?;
            helpdesk_store::auth::mark_single_sign_on(c, session)?;
            security_log::record(
                c,
                now,
                Entry {
                    kind: SecurityEventKind::SignedIn,
                    user_id: Some(user.id),
                    actor_id: None,
                    email: Some(&user.email),
                    client,
                    reason: Some("single sign-on"),
                    session_id: Some(session),
                },
            )?;
            Ok(pair)
        })
    }

    /// Where to send the browser after signing out of a session that single sign-on started,
    /// so that the provider's session ends too and the browser comes back to the app: the
    /// provider's `end_session_endpoint` with `client_id` and `post_logout_redirect_uri` (the
    /// app's address, to be registered at the provider). None when the provider has no such
    /// endpoint or cannot be asked now (the sign-out here stands either way).
    pub(crate) fn provider_sign_out_url(&self) -> Option<String> {
        let (settings, _) = self.sso_settings()?;
        let public = self.notify.public_url.as_deref()?;
        let provider = match self.provider(settings, false) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %crate::error::chain(&e), "the identity provider could not be asked how to sign out");
                return None;
            }
        };
        let mut url = url::Url::parse(provider.end_session_endpoint.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &settings.client_id)
            .append_pair(
                "post_logout_redirect_uri",
                &format!("{}/", public.trim_end_matches('/')),
            );
        Some(url.into())
    }

    /// Whether members of `role` must sign in with single sign-on rather than a password.
    pub(crate) fn password_sign_in_off(&self, role: Role) -> bool {
        self.sso_settings()
            .is_some_and(|(s, _)| s.passwords_off.contains(&role))
    }

    /// The settings and the callback address, when single sign-on is configured (it needs the
    /// public address for the callback).
    fn sso_settings(&self) -> Option<(&SsoSettings, String)> {
        let settings = self.sso.as_ref()?;
        let public = self.notify.public_url.as_deref()?;
        Some((
            settings,
            format!("{}/api/v1/auth/sso/callback", public.trim_end_matches('/')),
        ))
    }

    fn sso_sign_in(
        &self,
        answer: &SsoCallback,
        client: &ClientInfo,
    ) -> Result<(String, String), Refusal> {
        let (settings, redirect_uri) = self
            .sso_settings()
            .ok_or_else(|| refuse("failed", "not configured"))?;
        if let Some(error) = &answer.error {
            let text = answer.error_description.as_deref().unwrap_or_default();
            return Err(refuse(
                "denied",
                format!("the provider answered {error} {text}"),
            ));
        }
        let (Some(code), Some(state)) = (&answer.code, &answer.state) else {
            return Err(refuse("expired", "no code or state"));
        };
        let now = self.now();
        let since = now - Span::minutes(LOGIN_MINUTES);
        let login = self
            .db
            .write(|c| store::take_login(c, state, since, now).map_err(AppError::from))?
            .ok_or_else(|| refuse("expired", "unknown, used or expired state"))?;
        let claims = self.redeem(settings, &redirect_uri, code, &login.verifier, &login.nonce)?;
        let handoff = random_token(32);
        let user_id = self
            .db
            .write(|c| -> Result<Result<i64, Refusal>, AppError> {
                let user = match self.account_for(c, settings, &claims, client)? {
                    Ok(user) => user,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                store::signed_in(c, state, user.id, &sha256_hex(&handoff))?;
                Ok(Ok(user.id))
            })??;
        tracing::info!(user_id, "signed in with single sign-on");
        Ok((handoff, login.return_to))
    }

    /// Forgets single sign-ons started more than a day ago.
    pub fn purge_sso_logins(&self) -> Result<usize, AppError> {
        let before = self.now() - Span::days(1);
        self.db.write(|c| Ok(store::purge_logins(c, before)?))
    }
}

fn http_client(settings: &SsoSettings) -> Result<reqwest::blocking::Client, Refusal> {
    reqwest::blocking::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| refuse("failed", format!("HTTP client: {e}")))
}

/// A path inside the app to return to: a relative path, never another site.
fn app_path(return_to: Option<&str>) -> String {
    match return_to {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.len() < 1000 =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests;
