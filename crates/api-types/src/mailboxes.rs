//! Group mailboxes: where customer email arrives and how it becomes cases.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{page, Priority};

/// A mailbox as the API shows it: passwords never leave the server (only whether one is set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Mailbox {
    pub id: i64,
    pub name: String,
    /// The group address customers write to, e.g. `support@example.com`.
    pub address: String,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    /// `tls`, `starttls` or `none`.
    pub imap_tls: String,
    pub imap_user: Option<String>,
    pub imap_password_set: bool,
    pub imap_folder: String,
    /// Where processed mail is moved; none: it is only marked seen.
    pub processed_folder: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<i32>,
    /// `tls`, `starttls` or `none`.
    pub smtp_tls: String,
    pub smtp_user: Option<String>,
    pub smtp_password_set: bool,
    pub default_team_id: Option<i64>,
    pub default_priority: Priority,
    pub auto_reply: bool,
    /// Auto-reply texts; `{number}` and `{subject}` are filled in. Empty: the built-in text.
    pub auto_reply_en: Option<String>,
    pub auto_reply_ru: Option<String>,
    /// Language of the auto-reply: `en` or `ru`.
    pub language: String,
    /// Accept a `[#N]` subject tag from anyone at the requester's email domain.
    pub trust_organization_domain: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Creating or replacing a mailbox. A password left out (or `null`) keeps the stored one; an
/// empty string removes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MailboxInput {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    #[validate(length(min = 3, max = 254))]
    pub address: String,
    #[validate(length(max = 253))]
    pub imap_host: Option<String>,
    #[validate(range(min = 1, max = 65535))]
    pub imap_port: Option<i32>,
    pub imap_tls: Option<String>,
    #[validate(length(max = 254))]
    pub imap_user: Option<String>,
    #[validate(length(max = 1024))]
    pub imap_password: Option<String>,
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub imap_folder: Option<String>,
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub processed_folder: Option<String>,
    #[validate(length(max = 253))]
    pub smtp_host: Option<String>,
    #[validate(range(min = 1, max = 65535))]
    pub smtp_port: Option<i32>,
    pub smtp_tls: Option<String>,
    #[validate(length(max = 254))]
    pub smtp_user: Option<String>,
    #[validate(length(max = 1024))]
    pub smtp_password: Option<String>,
    pub default_team_id: Option<i64>,
    pub default_priority: Option<Priority>,
    pub auto_reply: Option<bool>,
    #[validate(length(max = 10000))]
    pub auto_reply_en: Option<String>,
    #[validate(length(max = 10000))]
    pub auto_reply_ru: Option<String>,
    pub language: Option<String>,
    pub trust_organization_domain: Option<bool>,
    pub active: Option<bool>,
}

/// A new mailbox and the token of its inbound endpoint (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxCreated {
    pub mailbox: Mailbox,
    pub inbound_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InboundToken {
    /// `Authorization: Bearer <this>` on `POST /api/v1/inbound/mailboxes/{id}/messages`.
    pub inbound_token: String,
}

/// What became of a posted message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InboundResult {
    /// `created`, `threaded`, `suggested` (the headers name a case whose participants do not
    /// include the sender: filed there as an internal entry for an agent to accept or split
    /// off), `duplicate`, `ignored`, or `received` (stored; processing will be retried by the
    /// worker).
    pub status: String,
    pub message_id: String,
    pub case_id: Option<i64>,
    pub case_number: Option<i64>,
    pub entry_id: Option<i64>,
    /// `in_reply_to`, `references`, `subject_tag` or `new_case`.
    pub thread_rule: Option<String>,
    pub note: Option<String>,
}

/// A received email whose processing failed every retry (or waits to be retried), for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReceivedMail {
    pub id: i64,
    pub mailbox_id: Option<i64>,
    pub message_id: String,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// `received` (waiting to be processed or retried), `failed` (every retry failed), or what
    /// processing made of it (`created`, `threaded`, ...).
    pub status: String,
    /// Processing attempts that failed or ended.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub received_at: DateTime<Utc>,
    /// When it is tried again; only while it waits after a failure.
    pub next_attempt_at: Option<DateTime<Utc>>,
}
page!(ReceivedMailPage, ReceivedMail);

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReceivedMailQuery {
    /// Only what needs an admin: messages that failed every retry, and those waiting for the
    /// next one. Default true.
    pub problems: Option<bool>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
