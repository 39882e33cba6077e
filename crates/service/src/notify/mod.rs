//! Who is told what about a case, in the app and by email.
//!
//! The worker hands every committed outbox event to [`Services::fan_out`], which writes in-app
//! notifications and queues emails in the same transaction that marks the event processed: an
//! event is fanned out once, and a recipient gets at most one notification and one email per
//! event. Rules:
//! - the requester (a contact) gets "your case #N is registered" on creation and every public
//!   reply by an agent by email — never an internal note or system event;
//! - the assignee hears of an assignment (not their own);
//! - followers hear of new messages (agents of internal notes too; customers only of public
//!   ones), notable status changes, escalation and merging;
//! - `@name` in an internal note tells that agent (`name` is the part of their email before `@`,
//!   or their name without spaces);
//! - each user's [`NotificationSettings`] decide the channel; nobody hears of their own doing.
//!
//! By module: `fan_out` (who is told of an event), `inbox` (notifications as their user reads
//! them, and their settings), `texts` (the words, in English and Russian). The imports below
//! serve every submodule.

mod fan_out;
mod inbox;
mod texts;

pub(crate) use fan_out::*;
use texts::*;

use std::collections::HashSet;

use chrono::NaiveDateTime;
use helpdesk_api_types::notifications::{
    MarkedRead, Notification, NotificationKind, NotificationPage, NotificationQuery,
    NotificationSettings, UnreadCount,
};
use helpdesk_domain::event::{CaseFields, EntryKind, Event, Recorded};
use helpdesk_domain::{Channel, Role};
use helpdesk_store::cases::{self as case_store, CaseRow, StreamEntryRow};
use helpdesk_store::notifications::{self as store, NewMail, NewNotification};
use helpdesk_store::users::{self as user_store, UserRow};
use helpdesk_store::{crm, AnyConnection};
use serde_json::Value;

use crate::auth::keyed_mac;
use crate::{cursor_string, page_params, Actor, AppError, Services};

impl Services {
    /// A Message-ID for a mail of ours: `<{local}.{seal}@{domain}>`. The seal, an HMAC of the
    /// rest under the server's key, makes it unguessable: nobody can name one of our mails in
    /// `In-Reply-To` or `References` without having received it (threading still lets only a
    /// participant into a case).
    pub(crate) fn our_message_id(&self, local: &str, domain: &str) -> String {
        let mac = keyed_mac(
            &self.auth.jwt_secret,
            &[
                b"helpdesk message-id\0",
                local.as_bytes(),
                b"@",
                domain.as_bytes(),
            ],
        );
        let seal = hex::encode(&mac[..10]);
        format!("<{local}.{seal}@{domain}>")
    }
}

/// What one event produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub notifications: usize,
    pub mails: usize,
}

/// A user's settings as stored (defaults for anything missing).
pub fn settings_of(user: &UserRow) -> NotificationSettings {
    let defaults = NotificationSettings::default();
    let stored: Value = serde_json::from_str(&user.notification_settings).unwrap_or(Value::Null);
    let channel = |name: &str, d: helpdesk_api_types::notifications::ChannelSettings| {
        serde_json::from_value(stored[name].clone()).unwrap_or(d)
    };
    NotificationSettings {
        auto_follow: user.auto_follow,
        in_app: channel("in_app", defaults.in_app),
        email: channel("email", defaults.email),
    }
}

/// The domain of our Message-IDs: the sender's (`Support <support@example.com>` gives
/// `example.com`).
pub(crate) fn message_id_domain(from: &str) -> &str {
    from.rsplit('@')
        .next()
        .unwrap_or("helpdesk.local")
        .trim_end_matches('>')
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_names_after_a_free_standing_at() {
        assert_eq!(
            mentions("@anna please check, cc @Boris.Ivanov and ivan@example.com."),
            vec!["anna", "boris.ivanov"]
        );
        assert_eq!(mentions("(@пётр) и @пётр"), vec!["пётр"]);
        assert!(mentions("mail me at a@b.c or @ alone").is_empty());
    }

    #[test]
    fn titles_carry_the_case_tag_in_both_languages() {
        let case = CaseRow {
            id: 1,
            number: 1042,
            subject: "VPN drops".into(),
            description: String::new(),
            status: helpdesk_domain::CaseStatus::Open,
            priority: helpdesk_domain::Priority::Normal,
            case_type: helpdesk_domain::CaseType::Consultation,
            channel: helpdesk_domain::Channel::Agent,
            organization_id: None,
            customer_id: None,
            requester_id: None,
            product_id: None,
            component_id: None,
            support_line: 1,
            team_id: None,
            assignee_id: None,
            system_info: None,
            tags: "[]".into(),
            created_by_id: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            resolution: None,
            merged_into_id: None,
            follow_up_of_id: None,
            closed_at: None,
            mailbox_id: None,
        };
        let en = Lang::En.title(NotificationKind::Message, &case, true, "Anna", None);
        assert_eq!(en, "[#1042] New internal note: VPN drops");
        let ru = Lang::Ru.title(
            NotificationKind::Status,
            &case,
            false,
            "",
            Some(&Detail::Status("resolved".into())),
        );
        assert_eq!(ru, "[#1042] Статус: решено: VPN drops");
        assert_eq!(Lang::of("ru-RU"), Lang::Ru);
        assert_eq!(Lang::of("pt"), Lang::En);
    }
}
