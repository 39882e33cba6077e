//! A password over its life: changed by its owner, reset by e-mail, and refused when it is too
//! short, too common or the e-mail address.

use std::sync::Arc;

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_service::ManualClock;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use reqwest::Method;
use serde_json::{json, Value};

use crate::reset_token;

async fn app_with_mail(backend: TestBackend, clock: Arc<ManualClock>) -> TestApp {
    TestApp::spawn_customized(backend, AppConfig::default(), move |svc| {
        svc.notify.mail_from = Some("Support <support@helpdesk.test>".into());
        svc.notify.public_url = Some("https://help.example.test".into());
        svc.clock = clock;
    })
    .await
}

async fn anonymous(app: &TestApp, method: Method, path: &str, body: Value) -> (u16, Value) {
    let (s, v) = app.call(method, path, None, Some(&body)).await;
    (s.as_u16(), v)
}

fn field_error<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"][field][0]
        .as_str()
        .unwrap_or_else(|| panic!("no error at {field}: {problem}"))
}

async fn reset_mails(app: &TestApp, email: &str) -> usize {
    let db = app.services.db.clone();
    let email = email.to_owned();
    tokio::task::spawn_blocking(move || db.read(helpdesk_store::notifications::all_mails))
        .await
        .unwrap()
        .unwrap()
        .iter()
        .filter(|m| m.recipient == email && m.kind == "password_reset")
        .count()
}

api_test!(async fn users_change_their_password_and_their_other_sessions_end(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    let (_, laptop) = app.login(&agent.email, &agent.password).await;
    let laptop = laptop["access_token"].as_str().unwrap().to_owned();
    let change = |current: &str, new: &str| json!({ "current_password": current, "new_password": new });

    let (s, p) = app.call(Method::PUT, "/api/v1/me/password", Some(&agent.token), Some(&change("not it at all", "a brand new passphrase"))).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(field_error(&p, "current_password"), "is not your current password");
    let (s, p) = app.call(Method::PUT, "/api/v1/me/password", Some(&agent.token), Some(&change(&agent.password, "qwertyuiop"))).await;
    assert_eq!(s, 422, "{p}");
    assert!(field_error(&p, "new_password").contains("most common"), "{p}");
    let (s, p) = app.call(Method::PUT, "/api/v1/me/password", Some(&agent.token), Some(&change(&agent.password, "short"))).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["errors"]["new_password"].is_array(), "{p}");
    let (s, p) = app.call(Method::PUT, "/api/v1/me/password", Some(&agent.token), Some(&change(&agent.password, &agent.email))).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(field_error(&p, "new_password"), "must not be your e-mail address");

    let (s, p) = app.call(Method::PUT, "/api/v1/me/password", Some(&agent.token), Some(&change(&agent.password, "a brand new passphrase"))).await;
    assert_eq!(s, 204, "{p}");
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200, "the session it was changed from stays");
    let (s, _) = app.get("/api/v1/me", &laptop).await;
    assert_eq!(s, 401, "the other session ended at once");
    let (s, _) = app.login(&agent.email, &agent.password).await;
    assert_eq!(s, 401, "the old password no longer works");
    let (s, _) = app.login(&agent.email, "a brand new passphrase").await;
    assert_eq!(s, 200);
    let (s, log) = app.get(&format!("/api/v1/security-events?kind=password_changed&user_id={}", agent.id), &admin.token).await;
    assert_eq!(s, 200);
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    // An API token cannot change the password.
    let (_, token) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "t", "scopes": ["write"] })).await;
    let token = token["token"].as_str().unwrap();
    let (s, _) = app.call(Method::PUT, "/api/v1/me/password", Some(token), Some(&change("a brand new passphrase", "yet another passphrase"))).await;
    assert_eq!(s, 403);
});

api_test!(async fn guessing_the_current_password_is_throttled(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let body = json!({ "current_password": format!("guess number {i}"), "new_password": "a brand new passphrase" });
        let (s, _) = app.call(Method::PUT, "/api/v1/me/password", Some(&agent.token), Some(&body)).await;
        statuses.push(s.as_u16());
    }
    assert_eq!(&statuses[..5], &[422; 5], "{statuses:?}");
    assert_eq!(statuses[5], 429, "a stolen session cannot guess its way to the password: {statuses:?}");
});

async fn resetting_a_password_by_mail(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let app = app_with_mail(backend, clock.clone()).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    // An unknown address gets the same answer and no mail.
    let (s, _) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset",
        json!({ "email": "nobody@example.test" }),
    )
    .await;
    assert_eq!(s, 202);
    assert_eq!(reset_mails(&app, "nobody@example.test").await, 0);
    let (s, _) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset",
        json!({ "email": agent.email.to_uppercase() }),
    )
    .await;
    assert_eq!(s, 202);
    let (s, _) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset",
        json!({ "email": agent.email }),
    )
    .await;
    assert_eq!(s, 202);
    assert_eq!(
        reset_mails(&app, &agent.email).await,
        1,
        "a second request within a minute sends nothing more"
    );
    let token = reset_token(&app, &agent.email).await.expect("the link");

    let (s, info) = app
        .call(
            Method::GET,
            &format!("/api/v1/auth/password-reset/{token}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200, "{info}");
    assert_eq!(info["email"], agent.email.as_str());
    let confirm = |password: &str| json!({ "token": token, "password": password });
    let (s, p) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        confirm("1234567890"),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(field_error(&p, "password").contains("most common"));
    let (s, pair) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        confirm("my own new passphrase"),
    )
    .await;
    assert_eq!(s, 200, "{pair}");
    assert_eq!(pair["user"]["id"], agent.id, "signed in");
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401, "every earlier session ended");
    let (s, _) = app
        .get("/api/v1/me", pair["access_token"].as_str().unwrap())
        .await;
    assert_eq!(s, 200);
    let (s, _) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset/confirm",
        confirm("a third passphrase"),
    )
    .await;
    assert_eq!(s, 404, "the link works once");
    let (s, _) = app.login(&agent.email, "my own new passphrase").await;
    assert_eq!(s, 200);

    // A link older than an hour is dead; a newer one replaces the older.
    clock.advance(chrono::Duration::minutes(2));
    anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset",
        json!({ "email": agent.email }),
    )
    .await;
    let first = reset_token(&app, &agent.email).await.unwrap();
    clock.advance(chrono::Duration::minutes(2));
    anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset",
        json!({ "email": agent.email }),
    )
    .await;
    let second = reset_token(&app, &agent.email).await.unwrap();
    assert_ne!(first, second);
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/auth/password-reset/{first}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 404, "replaced by the newer link");
    clock.advance(chrono::Duration::minutes(61));
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/auth/password-reset/{second}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 404, "expired after an hour");

    // A disabled account gets no link.
    app.patch(
        &format!("/api/v1/users/{}", agent.id),
        &admin.token,
        json!({ "active": false }),
    )
    .await;
    let before = reset_mails(&app, &agent.email).await;
    clock.advance(chrono::Duration::minutes(2));
    anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/password-reset",
        json!({ "email": agent.email }),
    )
    .await;
    assert_eq!(reset_mails(&app, &agent.email).await, before);

    let (_, log) = app
        .get(
            &format!("/api/v1/security-events?user_id={}", agent.id),
            &admin.token,
        )
        .await;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"password_reset_requested") && kinds.contains(&"password_changed"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn resetting_a_password_by_mail_sqlite() {
    resetting_a_password_by_mail(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn resetting_a_password_by_mail_postgres() {
    resetting_a_password_by_mail(TestBackend::Postgres).await;
}

api_test!(async fn reset_needs_outgoing_mail(app) {
    let (s, p) = app.call(Method::POST, "/api/v1/auth/password-reset", None, Some(&json!({ "email": "a@example.test" }))).await;
    assert_eq!(s, 503, "{p}");
});

api_test!(async fn admins_cannot_set_a_common_password(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let (s, p) = app.post("/api/v1/users", &admin.token, json!({ "email": "new@example.test", "name": "N", "role": "agent", "password": "Password12" })).await;
    assert_eq!(s, 422, "{p}");
    assert!(field_error(&p, "password").contains("most common"), "{p}");
    let agent = app.user(Role::Agent, None, None).await;
    let (s, p) = app.patch(&format!("/api/v1/users/{}", agent.id), &admin.token, json!({ "password": "iloveyou123" })).await;
    assert_eq!(s, 422, "{p}");
    assert!(field_error(&p, "password").contains("most common"), "{p}");
});
