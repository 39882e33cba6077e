//! Email into cases: store the raw message first, then turn it into a case or an entry of one.
//!
//! [`Services::receive_email`] is the one path every message takes (the inbound endpoint now,
//! IMAP polling in the worker): the raw bytes go to the file store and an `inbound_messages` row
//! commits before anything else, so nothing is lost; a Message-ID seen before creates nothing.
//! Processing runs in its own transaction that claims the row; if it fails or the process dies,
//! the row stays `received` and [`Services::process_pending_email`] picks it up again.
//!
//! Threading, in order: In-Reply-To/References against every Message-ID we received or sent
//! for a case; then a `[#N]` tag in the subject; otherwise a new case. Never fuzzy subject
//! matching. Only a participant of the case (its requester or a case contact, or someone at
//! the requester's domain when the mailbox trusts organization domains) gets into it: a tag
//! from anyone else starts a new case, and a header match from anyone else (a forwarded
//! thread, or a guessed Message-ID) is filed on the case as a suggested follow-up, an internal
//! entry an agent accepts into the case or splits off into a new one
//! ([`Services::accept_suggested`], [`Services::split_suggested`]).
//!
//! By module: `receive` (stored first, then processed once), `apply` (a message on the case it
//! threads into, or a new case), `threading` (Message-IDs, subject tags, who may thread in),
//! `loops` (bounces, auto-replies), `attachments` (files, inline pictures, safe HTML). The
//! imports below serve every submodule.

mod apply;
mod attachments;
mod loops;
mod problems;
mod receive;
mod threading;

use attachments::*;
use loops::*;
pub(crate) use threading::*;

use chrono::NaiveDateTime;
use helpdesk_domain::{CaseType, Channel};
use helpdesk_store::cases::{self as case_store, CaseRow};
use helpdesk_store::email::{self as store, MailboxRow, NewInbound};
use helpdesk_store::notifications::{self as mail_store, NewMail};
use helpdesk_store::queue::{Failed, ReceivedQueue};
use helpdesk_store::{attachments as file_rows, crm, AnyConnection, StoreError};
use mail_parser::{Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::cases::{Draft, References};
use crate::portal::CustomerMessage;
use crate::{AppError, Services};

/// The largest raw message accepted: room for one attachment at the size limit, base64
/// encoded, and the rest of the message. Attachments are then held to the limit one by one.
pub fn raw_mail_limit(max_attachment_bytes: u64) -> u64 {
    max_attachment_bytes
        .saturating_mul(2)
        .saturating_add(1 << 20)
}

/// Auto-replies to one sender per hour at most.
pub const AUTO_REPLIES_PER_HOUR: i64 = 3;

/// What happened to a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `created` (a new case), `threaded` (an entry of an existing case), `suggested` (its
    /// headers name a case its sender is not a participant of: an internal entry there, for an
    /// agent to accept or split off), `duplicate` (this Message-ID was received before; nothing
    /// done), `ignored` (our own mail, a bounce...), `received` (stored; processing will be
    /// retried).
    pub status: String,
    pub message_id: String,
    pub case_id: Option<i64>,
    pub case_number: Option<i64>,
    pub entry_id: Option<i64>,
    /// `in_reply_to`, `references`, `subject_tag` or `new_case`.
    pub thread_rule: Option<String>,
    pub note: Option<String>,
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Posted to the inbound endpoint.
    Inbound,
    /// Fetched over IMAP.
    Imap,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Inbound => "inbound",
            Source::Imap => "imap",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_pictures_are_not_loaded() {
        let html = r#"<p>Hi</p><img src="https://tracker.example/p.gif?u=1" alt="logo" srcset="https://x.example/a.png 2x"><img src="cid:part1@mail"><a href="https://docs.example/">docs</a>"#;
        let clean = sanitize_html(html, &[("part1@mail".to_owned(), 7)]);
        assert!(
            !clean.contains("tracker.example") && !clean.contains("x.example"),
            "{clean}"
        );
        assert!(
            clean.contains(r#"src="remote:"#),
            "the remote picture's address is kept as a marker no browser loads: {clean}"
        );
        assert!(clean.contains(r#"alt="logo""#), "{clean}");
        assert!(
            clean.contains("/api/v1/attachments/7/content"),
            "inline pictures stay: {clean}"
        );
        assert!(
            clean.contains("https://docs.example/"),
            "links stay (they load only when followed): {clean}"
        );
    }

    #[test]
    fn subject_tags_are_exact() {
        assert_eq!(subject_tag("Re: [#1042] VPN drops"), Some(1042));
        assert_eq!(subject_tag("AW: [Ticket] [#7]"), Some(7));
        assert_eq!(subject_tag("[#12a] nope"), None);
        assert_eq!(subject_tag("#1042 VPN"), None);
    }

    #[test]
    fn message_ids_lose_their_brackets() {
        assert_eq!(normalize_message_id(" <a.b@c> "), "a.b@c");
    }
}
