//! Drafts of the composer, kept in the browser's local storage per user and case as they are
//! typed: the text, whether it is a reply or an internal note, and the files already uploaded
//! for it. They come back after a reload, a trip to another page, a network error or a sign-in
//! after the session ran out; sending clears them, and so does signing out on purpose.

use helpdesk_api_types::cases::Attachment;
use serde::{Deserialize, Serialize};

use crate::api;

const PREFIX: &str = "helpdesk.draft.";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub text: String,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub files: Vec<Attachment>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The key of a case's draft for the signed-in user (the portal's and the agents' apart).
fn key(case_id: i64, portal: bool) -> Option<String> {
    let user = api::load_session()?.user.id;
    let side = if portal { "portal" } else { "case" };
    Some(format!("{PREFIX}{user}.{side}.{case_id}"))
}

pub fn load(case_id: i64, portal: bool) -> Option<Draft> {
    let text = storage()?.get_item(&key(case_id, portal)?).ok()??;
    serde_json::from_str(&text).ok()
}

/// Keeps the draft; an empty one is forgotten.
pub fn save(case_id: i64, portal: bool, draft: &Draft) {
    let (Some(st), Some(key)) = (storage(), key(case_id, portal)) else {
        return;
    };
    if draft.text.trim().is_empty() && draft.files.is_empty() {
        let _ = st.remove_item(&key);
    } else if let Ok(text) = serde_json::to_string(draft) {
        let _ = st.set_item(&key, &text);
    }
}

pub fn clear(case_id: i64, portal: bool) {
    if let (Some(st), Some(key)) = (storage(), key(case_id, portal)) {
        let _ = st.remove_item(&key);
    }
}

/// Forgets every draft of the signed-in user (a sign-out asked for, on a shared computer).
pub fn forget_all() {
    let (Some(st), Some(session)) = (storage(), api::load_session()) else {
        return;
    };
    let mine = format!("{PREFIX}{}.", session.user.id);
    let keys: Vec<String> = (0..st.length().unwrap_or(0))
        .filter_map(|i| st.key(i).ok().flatten())
        .filter(|k| k.starts_with(&mine))
        .collect();
    for k in keys {
        let _ = st.remove_item(&k);
    }
}

/// The key of another form's draft (`name` says which: `kb.new`, `kb.12`).
fn form_key(name: &str) -> Option<String> {
    let user = api::load_session()?.user.id;
    Some(format!("{PREFIX}{user}.{name}"))
}

/// A form's kept draft, as it was saved.
pub fn load_form<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    let text = storage()?.get_item(&form_key(name)?).ok()??;
    serde_json::from_str(&text).ok()
}

/// Keeps a form's draft (what is typed survives a reload and a network error).
pub fn save_form<T: serde::Serialize>(name: &str, value: &T) {
    if let (Some(st), Some(key), Ok(text)) =
        (storage(), form_key(name), serde_json::to_string(value))
    {
        let _ = st.set_item(&key, &text);
    }
}

/// Forgets a form's draft (it was saved).
pub fn clear_form(name: &str) {
    if let (Some(st), Some(key)) = (storage(), form_key(name)) {
        let _ = st.remove_item(&key);
    }
}
