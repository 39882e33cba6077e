//! In-app notifications and what each user wants to be told, and how.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::page;

/// Why a notification was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A case was assigned to you.
    Assigned,
    /// A new message or note on a case you follow.
    Message,
    /// Someone wrote `@you` in an internal note.
    Mention,
    /// A case you follow changed status, was escalated or merged.
    Status,
    /// A new case you follow (auto-follow).
    NewCase,
    /// For admins: something about the helpdesk itself (a webhook turned off).
    System,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::Assigned,
        NotificationKind::Message,
        NotificationKind::Mention,
        NotificationKind::Status,
        NotificationKind::NewCase,
        NotificationKind::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Assigned => "assigned",
            NotificationKind::Message => "message",
            NotificationKind::Mention => "mention",
            NotificationKind::Status => "status",
            NotificationKind::NewCase => "new_case",
            NotificationKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub case_id: Option<i64>,
    pub entry_id: Option<i64>,
    /// Who caused it.
    pub actor_user_id: Option<i64>,
    /// One line in the user's language, e.g. `[#1042] New message: VPN drops`.
    pub title: String,
    pub created_at: DateTime<Utc>,
    /// When it was marked read; absent while unread.
    pub read_at: Option<DateTime<Utc>>,
}
page!(NotificationPage, Notification);

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread notifications.
    pub unread: Option<bool>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    /// How many notifications were unread and are read now.
    pub marked: i64,
}

/// Which kinds of notification arrive on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettings {
    pub assigned: bool,
    pub message: bool,
    pub mention: bool,
    pub status: bool,
    pub new_case: bool,
}

impl ChannelSettings {
    pub fn wants(&self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::Assigned => self.assigned,
            NotificationKind::Message => self.message,
            NotificationKind::Mention => self.mention,
            NotificationKind::Status => self.status,
            NotificationKind::NewCase => self.new_case,
            // Notices about the helpdesk itself always reach the admins in the app.
            NotificationKind::System => true,
        }
    }
}

/// A user's notification settings. Customers (portal users) get email about their own cases
/// (`message`: replies; `status`: resolved and closed); `auto_follow` is for agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Follow every new case as it is registered (agents and admins).
    pub auto_follow: bool,
    pub in_app: ChannelSettings,
    pub email: ChannelSettings,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            auto_follow: false,
            in_app: ChannelSettings {
                assigned: true,
                message: true,
                mention: true,
                status: true,
                new_case: true,
            },
            email: ChannelSettings {
                assigned: true,
                message: true,
                mention: true,
                status: false,
                new_case: false,
            },
        }
    }
}

/// Where an outgoing mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its turn (or for the next attempt after a failure).
    Pending,
    /// Taken by a worker, not yet handed to a server.
    Claimed,
    /// Being handed to the SMTP server.
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Refused by the server, or given up after too many attempts.
    Failed,
    /// The SMTP conversation was cut while the message was being handed over: the server may
    /// or may not have it. Not sent again unless an admin resends it.
    Unknown,
}

impl MailStatus {
    pub const ALL: [MailStatus; 6] = [
        MailStatus::Pending,
        MailStatus::Claimed,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Claimed => "claimed",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<MailStatus> {
        MailStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One email the helpdesk sends (a notification, a reply, an auto-reply), for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutgoingMail {
    pub id: i64,
    pub recipient: String,
    /// What it is: `reply`, `auto_reply`, `assigned`, `invitation`, ...
    pub kind: String,
    pub case_id: Option<i64>,
    pub subject: String,
    pub status: MailStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// Why the last attempt did not succeed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When the next attempt is due; only while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
}
page!(OutgoingMailPage, OutgoingMail);

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutgoingMailQuery {
    /// Only mails in this state.
    pub status: Option<MailStatus>,
    /// Only mails that need an admin's attention: `failed` and `unknown`.
    pub problems: Option<bool>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
