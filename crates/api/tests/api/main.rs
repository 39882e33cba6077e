//! API tests against a live server, each on SQLite and on PostgreSQL.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod assignment;
mod attachments;
mod auth;
mod browser;
mod cases;
mod crm;
mod delivery;
mod duplicates;
mod errors;
mod export;
mod idempotency;
mod imports;
mod invitations;
mod kb;
mod leads;
mod live;
mod matrix;
mod merge;
mod object_storage;
mod openapi_drift;
mod passwords;
mod portal;
mod ratelimit;
mod registry;
mod search;
mod sign_in;
mod sla;
mod sso;
mod two_factor;
mod web_forms;
mod webhooks;
mod workflow;

use helpdesk_test_support::{TestApp, TestUser};
use serde_json::{json, Value};

/// An organization with a contact, for cases to refer to.
pub async fn org_with_contact(app: &TestApp, agent: &TestUser, name: &str) -> (i64, i64) {
    let (s, org) = app
        .post(
            "/api/v1/organizations",
            &agent.token,
            json!({ "name": name }),
        )
        .await;
    assert_eq!(s, 201, "{org}");
    let org_id = org["id"].as_i64().unwrap();
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            &agent.token,
            json!({ "first_name": "Ivan", "last_name": name, "organization_id": org_id,
                    "emails": [format!("{}@example.test", name.to_lowercase())], "portal_access": true }),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    (org_id, contact["id"].as_i64().unwrap())
}

pub fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// The token of the newest portal invitation mailed to `email` (read from the mail queue, as
/// the mailer would send it).
pub async fn invitation_token(app: &TestApp, email: &str) -> Option<String> {
    mailed_token(app, email, "portal_invitation", "/invite/").await
}

/// The token of the newest password reset link mailed to `email`.
pub async fn reset_token(app: &TestApp, email: &str) -> Option<String> {
    mailed_token(app, email, "password_reset", "/reset/").await
}

/// The newest mail of `kind` (`portal_invitation`, `password_reset`, ...) queued to `email`.
pub async fn newest_mail(
    app: &TestApp,
    email: &str,
    kind: &str,
) -> Option<helpdesk_store::notifications::MailRow> {
    let db = app.services.db.clone();
    let mails =
        tokio::task::spawn_blocking(move || db.read(helpdesk_store::notifications::all_mails))
            .await
            .unwrap()
            .unwrap();
    mails
        .into_iter()
        .rev()
        .find(|m| m.recipient == email && m.kind == kind)
}

/// The last part of the link under `path` in the newest mail of `kind` to `email`.
async fn mailed_token(app: &TestApp, email: &str, kind: &str, path: &str) -> Option<String> {
    let mail = newest_mail(app, email, kind).await?;
    let link = mail.body.split_whitespace().find(|w| w.contains(path))?;
    link.rsplit('/').next().map(str::to_owned)
}
