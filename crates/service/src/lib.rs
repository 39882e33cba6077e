//! The helpdesk's use cases: create a case, post to its stream, sign in, manage the CRM...
//!
//! Each public method of [`Services`] checks who is asking ([`Actor`]), validates the input,
//! applies the domain's rules and commits the change together with its outbox event in one
//! transaction. The API and the worker call these; neither writes SQL nor decides rules.
//! What must not live here: HTTP (status codes are chosen by the API from [`AppError`]).

mod actions;
pub mod actor;
mod assignment;
pub mod attachments;
mod audit;
pub mod auth;
pub mod autoclose;
pub mod cases;
pub mod catalog;
pub mod clock;
pub mod crm;
pub mod duplicates;
pub mod email;
pub mod error;
pub mod export;
pub mod handlers;
pub mod idempotency;
pub mod imports;
mod inline_links;
mod invitations;
pub mod kb;
pub mod leads;
pub mod live;
pub mod mailboxes;
pub mod merge;
pub mod notify;
mod outbox;
pub mod outgoing_mail;
pub mod passwords;
mod portal;
pub mod ratelimits;
pub mod registry;
pub mod search;
pub mod secrets;
pub mod security_log;
pub mod sessions;
pub mod sign_in;
pub mod sla;
mod sla_admin;
pub mod sso;
mod suggested;
mod two_factor;
pub mod users;
pub mod web_forms;
pub mod webhook_security;
pub mod webhooks;
pub mod workflow;

use std::sync::Arc;

pub use actor::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, FieldErrors};
use helpdesk_domain::throttle::ThrottlePolicy;
use helpdesk_store::files::FileStore;
use helpdesk_store::Db;

/// Settings of the authentication layer.
#[derive(Clone)]
pub struct AuthSettings {
    /// HMAC key of the access tokens (HS256, the only algorithm accepted).
    pub jwt_secret: Vec<u8>,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_days: i64,
    /// How long a second exchange of one refresh token counts as the same client racing
    /// itself rather than a replay ([`sessions::REFRESH_REUSE_GRACE_SECONDS`]).
    pub refresh_reuse_grace_seconds: i64,
    /// Sign-in throttling per account (attempts from a device not known to the account).
    pub account_throttle: ThrottlePolicy,
    /// Sign-in throttling per client address (idem).
    pub address_throttle: ThrottlePolicy,
    /// Sign-in throttling per known device: a device where the account signed in before is
    /// throttled on its own, so strangers' failures never keep the owner out.
    pub device_throttle: ThrottlePolicy,
}

impl AuthSettings {
    pub fn with_secret(jwt_secret: Vec<u8>) -> Self {
        AuthSettings {
            jwt_secret,
            access_ttl_seconds: 15 * 60,
            refresh_ttl_days: 30,
            refresh_reuse_grace_seconds: sessions::REFRESH_REUSE_GRACE_SECONDS,
            account_throttle: ThrottlePolicy {
                free: 5,
                ceiling: chrono::Duration::minutes(15),
            },
            address_throttle: ThrottlePolicy {
                free: 30,
                ceiling: chrono::Duration::minutes(15),
            },
            device_throttle: ThrottlePolicy {
                free: 10,
                ceiling: chrono::Duration::minutes(15),
            },
        }
    }
}

impl std::fmt::Debug for AuthSettings {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("access_ttl_seconds", &self.access_ttl_seconds)
            .field("refresh_ttl_days", &self.refresh_ttl_days)
            .finish()
    }
}

/// Everything a use case needs: the database, the clock and the settings.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthSettings,
    /// A customer message on a case closed at most this many days ago reopens it; later, it
    /// starts a new case linked to the old one.
    pub reopen_days: i64,
    /// When cases waiting on the customer, or resolved, close by themselves.
    pub auto_close: autoclose::AutoClose,
    /// Where attachment bytes live, and the largest file accepted.
    pub files: FileStore,
    /// Who gets told what, in which language, and whether by email.
    pub notify: NotifySettings,
    /// Seals secrets stored in the database (mailbox passwords); none without a configured key.
    pub secrets: Option<secrets::SecretBox>,
    /// The company registry for lookups by INN; none when not configured.
    pub registry: Option<registry::RegistrySettings>,
    /// Where webhooks may go and when a failing subscription is turned off.
    pub webhooks: webhooks::WebhookSettings,
    /// Single sign-on for staff with an OpenID provider; none when not configured.
    pub sso: Option<sso::SsoSettings>,
}

/// Settings of notifications.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The language of emails to customers who have no portal account (`en` or `ru`).
    pub default_language: String,
    /// The sender of notification emails; with none, no email is queued (in-app only).
    pub mail_from: Option<String>,
    /// The address people open the helpdesk at, for links in emails.
    pub public_url: Option<String>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            default_language: "en".to_owned(),
            mail_from: None,
            public_url: None,
        }
    }
}

/// The default largest attachment: 50 MB.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 50 * 1024 * 1024;

impl Services {
    pub fn new(db: Db, clock: Arc<dyn Clock>, auth: AuthSettings) -> Self {
        Services {
            db,
            clock,
            auth,
            reopen_days: 14,
            auto_close: autoclose::AutoClose::default(),
            files: FileStore::new("data/files", DEFAULT_MAX_ATTACHMENT_BYTES),
            notify: NotifySettings::default(),
            secrets: None,
            registry: None,
            webhooks: webhooks::WebhookSettings::default(),
            sso: None,
        }
    }

    /// Opens the services with the JWT secret from the settings table, creating and storing a
    /// random one on first run when none is configured.
    pub fn with_stored_secret(db: Db, configured_secret: Option<String>) -> Result<Self, AppError> {
        let secret = match configured_secret.filter(|s| !s.is_empty()) {
            Some(s) => s,
            None => {
                let fresh = auth::random_token(48);
                db.write(|c| helpdesk_store::auth::setting_or_insert(c, "jwt_secret", &fresh))?
            }
        };
        Ok(Services::new(
            db,
            Arc::new(SystemClock),
            AuthSettings::with_secret(secret.into_bytes()),
        ))
    }

    fn now(&self) -> chrono::NaiveDateTime {
        helpdesk_store::truncate_time(self.clock.now())
    }
}

/// Default and maximum page sizes of every list.
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// Reads `limit` and `cursor` of a list request.
pub fn page_params(
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<(i64, Option<i64>), AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let cursor =
        match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                AppError::field("cursor", "is not a cursor returned by this list")
            })?),
        };
    Ok((limit, cursor))
}

pub(crate) fn cursor_string(next: Option<i64>) -> Option<String> {
    next.map(|n| n.to_string())
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain strings and structs of strings cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// A stored name (`column` of row `id` of `table`) that none of the type's values has.
pub(crate) fn unknown_stored(table: &str, id: i64, column: &str, value: &str) -> AppError {
    AppError::Internal(format!(
        "{table} {id}: `{column}` holds the unknown value `{value}`"
    ))
}

/// A JSON value kept in a text column of row `id` of `table`, read back. One that does not
/// parse is an error naming the row and the column, never an empty default.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    table: &str,
    id: i64,
    column: &str,
    text: &str,
) -> Result<T, AppError> {
    serde_json::from_str(text)
        .map_err(|e| AppError::failed(format!("{table} {id}: `{column}` is not readable JSON"), e))
}
