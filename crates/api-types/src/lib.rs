//! The JSON bodies of the helpdesk API (`/api/v1`), shared by the server and the SPA.
//!
//! Requests refuse unknown fields and carry `validator` rules; the server adds the rules that
//! need the domain (INN check digits, E.164 phones) and names the field in its problem document.
//! Everything here builds for wasm32: no I/O, no server crates.

pub mod auth;
pub mod cases;
pub mod catalog;
pub mod crm;
pub mod duplicates;
pub mod export;
pub mod imports;
pub mod kb;
pub mod leads;
pub mod mailboxes;
pub mod merge;
pub mod notifications;
pub mod problem;
pub mod registry;
pub mod search;
pub mod sla;
pub mod users;
pub mod web_forms;
pub mod webhooks;
pub mod workflow;

pub use helpdesk_domain::{
    CaseStatus, CaseType, Channel, NoEmail, Priority, Role, RuleOutcome, Scope, SystemEvent,
};
pub use problem::{Problem, ProblemType};

/// Text that is only spaces counts as empty: a subject, a name or a message must say something
/// once trimmed (checked with the length rule it sits beside).
pub fn not_blank(value: &str) -> Result<(), validator::ValidationError> {
    // Empty text is the length rule's to name; this one is for text of spaces only.
    if !value.is_empty() && value.trim().is_empty() {
        return Err(
            validator::ValidationError::new("blank").with_message("must not be blank".into())
        );
    }
    Ok(())
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value, so a
/// PATCH can tell "leave alone" from "clear".
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// Declares a page of a list: the items and the cursor of the next page, if any.
macro_rules! page {
    ($name:ident, $item:ty) => {
        #[derive(
            Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use page;
