use std::sync::Arc;

use helpdesk_api_types::Role;
use helpdesk_service::ManualClock;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use reqwest::Method;
use serde_json::{json, Value};

api_test!(async fn login_returns_tokens_and_me_describes_the_user(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, me) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(me["email"], agent.email);
    assert_eq!(me["role"], "agent");
    assert_eq!(me["support_line"], 1);
});

api_test!(async fn wrong_password_and_unknown_account_look_the_same(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s1, b1) = app.login(&agent.email, "wrong password!").await;
    let (s2, b2) = app.login("nobody@example.test", "wrong password!").await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (401, 401));
    assert_eq!(b1["detail"], b2["detail"]);
    assert_eq!(b1["type"], "/problems/unauthorized");
});

async fn refresh(app: &TestApp, token: &str) -> (u16, Value) {
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({ "refresh_token": token })),
        )
        .await;
    (s.as_u16(), body)
}

api_test!(async fn refresh_rotates_and_reuse_revokes_the_session(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, pair) = refresh(&app, &agent.refresh_token).await;
    assert_eq!(s, 200, "{pair}");
    let second = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, agent.refresh_token);
    let (s, pair) = refresh(&app, &second).await;
    assert_eq!(s, 200, "{pair}");
    let third = pair["refresh_token"].as_str().unwrap().to_owned();
    // The first token is presented again after its successor was used: someone copied it.
    // The whole family dies, and the access tokens of the session with it.
    let (s, _) = refresh(&app, &agent.refresh_token).await;
    assert_eq!(s, 401);
    let (s, body) = refresh(&app, &third).await;
    assert_eq!(s, 401, "the descendant token is revoked too: {body}");
    let (s, body) = app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await;
    assert_eq!(s, 401, "the session's access token ends with it: {body}");
});

/// Two tabs (or a retry after a lost answer) exchange one refresh token at once: both get the
/// same new refresh token and the session lives on. Past the grace period, a second exchange is
/// a replay and ends the session.
async fn concurrent_refresh_gets_the_same_pair(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let c = clock.clone();
    let app =
        TestApp::spawn_customized(backend, Default::default(), move |svc| svc.clock = c).await;
    let agent = app.user(Role::Agent, None, None).await;
    let tabs = (0..10).map(|_| refresh(&app, &agent.refresh_token));
    let answers = futures_util::future::join_all(tabs).await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    let next: std::collections::BTreeSet<&str> = answers
        .iter()
        .map(|(_, p)| p["refresh_token"].as_str().unwrap())
        .collect();
    assert_eq!(next.len(), 1, "one new refresh token for all ten: {next:?}");
    let next = next.into_iter().next().unwrap().to_owned();
    for (_, pair) in &answers {
        let (s, me) = app
            .get("/api/v1/me", pair["access_token"].as_str().unwrap())
            .await;
        assert_eq!(s, 200, "every answer's access token works: {me}");
    }
    // The grace period is over: presenting the old token again is a replay.
    clock.advance(chrono::Duration::seconds(
        helpdesk_service::sessions::REFRESH_REUSE_GRACE_SECONDS + 1,
    ));
    let (s, body) = refresh(&app, &agent.refresh_token).await;
    assert_eq!(s, 401, "{body}");
    let (s, _) = refresh(&app, &next).await;
    assert_eq!(s, 401, "the replay ended the session");
}

#[tokio::test]
async fn concurrent_refresh_gets_the_same_pair_sqlite() {
    concurrent_refresh_gets_the_same_pair(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_refresh_gets_the_same_pair_postgres() {
    concurrent_refresh_gets_the_same_pair(TestBackend::Postgres).await;
}

api_test!(async fn signing_out_ends_the_access_token_at_once(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200);
    let (s, _) = app.call(Method::POST, "/api/v1/auth/logout", None, Some(&json!({ "refresh_token": agent.refresh_token }))).await;
    assert_eq!(s, 204);
    let (s, body) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401, "signed out means out, not in 15 minutes: {body}");
});

api_test!(async fn a_demoted_admin_loses_admin_rights_on_the_next_request(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let other = app.user(Role::Admin, None, None).await;
    let (s, body) = app.patch(&format!("/api/v1/users/{}", other.id), &admin.token, json!({ "role": "agent", "support_line": 1 })).await;
    assert_eq!(s, 200, "{body}");
    // The old token still says nothing the server believes about the role.
    let (s, body) = app.post("/api/v1/users", &other.token, json!({
        "email": "sneaky@example.test", "name": "Sneaky", "role": "admin", "password": "a long enough password" })).await;
    assert_eq!(s, 403, "{body}");
    let (s, me) = app.get("/api/v1/me", &other.token).await;
    assert_eq!((s.as_u16(), me["role"].as_str()), (200, Some("agent")), "still signed in, as an agent");
});

api_test!(async fn sessions_are_listed_and_revoked_by_their_user_and_by_admins(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    let resp = app.client.post(app.url("/api/v1/auth/login"))
        .header("user-agent", "Laptop browser")
        .json(&json!({ "email": agent.email, "password": agent.password }))
        .send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let laptop: Value = resp.json().await.unwrap();
    let laptop_token = laptop["access_token"].as_str().unwrap().to_owned();

    let (s, list) = app.get("/api/v1/me/sessions", &agent.token).await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    let current: Vec<_> = list.iter().filter(|x| x["current"] == true).collect();
    assert_eq!(current.len(), 1, "the session asking is marked: {list:?}");
    let other = list.iter().find(|x| x["current"] == false).unwrap();
    assert_eq!(other["user_agent"], "Laptop browser");
    assert_eq!(other["ip"], "127.0.0.1");

    // Another user cannot end it; its owner can.
    let other_id = other["id"].as_i64().unwrap();
    let stranger = app.user(Role::Agent, None, None).await;
    let (s, _) = app.call(Method::DELETE, &format!("/api/v1/me/sessions/{other_id}"), Some(&stranger.token), None).await;
    assert_eq!(s, 404);
    let (s, _) = app.get("/api/v1/me", &laptop_token).await;
    assert_eq!(s, 200);
    let (s, _) = app.call(Method::DELETE, &format!("/api/v1/me/sessions/{other_id}"), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (s, _) = app.get("/api/v1/me", &laptop_token).await;
    assert_eq!(s, 401, "the laptop is signed out at once");
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200, "the other session lives on");
    let (s, _) = refresh(&app, laptop["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 401);

    // Admins see a user's sessions and sign them out everywhere; agents may not.
    let (s, _) = app.get(&format!("/api/v1/users/{}/sessions", admin.id), &agent.token).await;
    assert_eq!(s, 403);
    let (s, list) = app.get(&format!("/api/v1/users/{}/sessions", agent.id), &admin.token).await;
    assert_eq!((s.as_u16(), list.as_array().map(Vec::len)), (200, Some(1)), "{list}");
    let (s, _) = app.call(Method::DELETE, &format!("/api/v1/users/{}/sessions", agent.id), Some(&admin.token), None).await;
    assert_eq!(s, 204);
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401);
    let (s, list) = app.get(&format!("/api/v1/users/{}/sessions", agent.id), &admin.token).await;
    assert_eq!((s.as_u16(), list.as_array().map(Vec::len)), (200, Some(0)), "{list}");
    let (s, _) = app.get("/api/v1/users/999999/sessions", &admin.token).await;
    assert_eq!(s, 404);
});

api_test!(async fn logout_revokes_the_refresh_token(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let body = json!({ "refresh_token": agent.refresh_token });
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/logout", None, Some(&body)).await;
    assert_eq!(s, 204);
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&body)).await;
    assert_eq!(s, 401);
});

api_test!(async fn repeated_failures_throttle_the_account(app) {
    let agent = app.user(Role::Agent, None, None).await;
    for _ in 0..5 {
        let (s, _) = app.login(&agent.email, "not the password").await;
        assert_eq!(s, 401);
    }
    let resp = app.client.post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": agent.email, "password": agent.password }))
        .send().await.unwrap();
    assert_eq!(resp.status(), 429, "even the right password waits");
    assert!(resp.headers().get("retry-after").is_some());
});

api_test!(async fn tampered_and_missing_tokens_are_refused(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, body) = app.call(reqwest::Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(s, 401);
    assert_eq!(body["type"], "/problems/unauthorized");
    let mut forged = agent.token.clone();
    forged.pop();
    forged.push(if agent.token.ends_with('A') { 'B' } else { 'A' });
    let (s, _) = app.get("/api/v1/me", &forged).await;
    assert_eq!(s, 401);
    // An unsigned token claiming to be an admin.
    let none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
    let (s, _) = app.get("/api/v1/me", none_alg).await;
    assert_eq!(s, 401);
});

api_test!(async fn api_tokens_carry_scopes_and_can_be_revoked(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, created) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "CRM sync", "scopes": ["read"] })).await;
    assert_eq!(s, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("hd_"));
    let (s, _) = app.get("/api/v1/cases", &token).await;
    assert_eq!(s, 200, "read scope reads");
    let (s, body) = app.post("/api/v1/cases", &token, json!({ "subject": "from a script" })).await;
    assert_eq!(s, 403, "read scope cannot write: {body}");
    let (s, body) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "too much", "scopes": ["admin"] })).await;
    assert_eq!(s, 422, "agents cannot mint admin tokens: {body}");
    let (s, list) = app.get("/api/v1/me/api-tokens", &agent.token).await;
    assert_eq!(s, 200);
    assert!(list.as_array().unwrap().iter().all(|t| t.get("token").is_none()), "secrets are never listed");
    let id = created["id"].as_i64().unwrap();
    let (s, _) = app.call(reqwest::Method::DELETE, &format!("/api/v1/me/api-tokens/{id}"), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (s, _) = app.get("/api/v1/cases", &token).await;
    assert_eq!(s, 401);
});

api_test!(async fn disabling_a_user_ends_their_sessions(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    let (s, _) = app.patch(&format!("/api/v1/users/{}", agent.id), &admin.token, json!({ "active": false })).await;
    assert_eq!(s, 200);
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&json!({ "refresh_token": agent.refresh_token }))).await;
    assert_eq!(s, 401);
    let (s, body) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401, "the access token ends at once: {body}");
    let (s, _) = app.login(&agent.email, &agent.password).await;
    assert_eq!(s, 401);
});

api_test!(async fn a_read_only_token_cannot_change_availability(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, created) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "dashboard", "scopes": ["read"] })).await;
    let token = created["token"].as_str().unwrap().to_owned();
    let (s, body) = app.call(Method::PUT, "/api/v1/me/availability", Some(&token), Some(&json!({ "available": false }))).await;
    assert_eq!(s, 403, "{body}");
    let (s, me) = app.get(&format!("/api/v1/users/{}", agent.id), &agent.token).await;
    assert_eq!((s.as_u16(), &me["available"]), (200, &json!(true)));
});

api_test!(async fn users_change_their_own_name_and_language(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, me) = app.patch("/api/v1/me", &agent.token, json!({ "language": "ru", "name": "Ирина Петрова" })).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["language"], "ru");
    assert_eq!(me["name"], "Ирина Петрова");
    let (_, again) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(again["language"], "ru", "remembered");
    let (s, problem) = app.patch("/api/v1/me", &agent.token, json!({ "language": "xx" })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["language"].is_array(), "{problem}");
    let (s, _) = app.patch("/api/v1/me", &agent.token, json!({ "role": "admin" })).await;
    assert_eq!(s, 422, "nobody promotes themselves: unknown fields are refused");
    let (_, again) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(again["role"], "agent");
});

api_test!(async fn switching_portal_access_off_signs_the_customer_out(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = crate::org_with_contact(&app, &agent, "Closedco").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (s, _) = app.get("/api/v1/portal/cases", &customer.token).await;
    assert_eq!(s, 200);
    let (s, body) = app.patch(&format!("/api/v1/contacts/{contact}"), &agent.token, json!({ "portal_access": false })).await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = app.get("/api/v1/me", &customer.token).await;
    assert_eq!(s, 401, "the session ended with the access");
    let (s, _) = refresh(&app, &customer.refresh_token).await;
    assert_eq!(s, 401);
    let (s, body) = app.login(&customer.email, &customer.password).await;
    assert_eq!(s, 401, "no new sign-in either: {body}");
    // Access back on: the customer signs in again.
    let (s, body) = app.patch(&format!("/api/v1/contacts/{contact}"), &agent.token, json!({ "portal_access": true })).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app.login(&customer.email, &customer.password).await;
    assert_eq!(s, 200, "{body}");
});

/// Runs `sql` on the test's database as another process would (not through the API); the
/// statements here read the same on both backends.
async fn change_outside(app: &TestApp, sql: &str) {
    app.sql(sql, sql).await;
}

async fn scrape(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn kept_checks(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("helpdesk_session_checks_total{answer=\"kept\"} "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no kept count in {metrics}"))
}

/// On PostgreSQL each process keeps a session's check between requests, and forgets it the
/// moment the database announces a change, whoever made it (another replica, SQL by hand): a
/// changed support line, a revoked session and a disabled user all show on the very next
/// request. SQLite reads every time.
async fn kept_session_checks_end_with_the_change(backend: TestBackend) {
    let app = TestApp::spawn_with(
        backend,
        helpdesk_api::AppConfig {
            metrics_token: Some("scrape-secret".into()),
            ..helpdesk_api::AppConfig::default()
        },
    )
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let other = app.user(Role::Agent, Some(1), None).await;
    let before = kept_checks(&scrape(&app).await);
    for _ in 0..3 {
        let (s, me) = app.get("/api/v1/me", &agent.token).await;
        assert_eq!((s.as_u16(), me["support_line"].as_i64()), (200, Some(1)));
    }
    let kept = kept_checks(&scrape(&app).await) - before;
    match backend {
        // The first request may come before the listener is up; the later ones are kept.
        TestBackend::Postgres => assert!(kept >= 1, "kept {kept} of 3"),
        TestBackend::Sqlite => assert_eq!(kept, 0, "SQLite reads every time"),
    }

    change_outside(
        &app,
        &format!("UPDATE users SET support_line = 2 WHERE id = {}", agent.id),
    )
    .await;
    let (s, me) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(
        (s.as_u16(), me["support_line"].as_i64()),
        (200, Some(2)),
        "the new line at once"
    );

    let (s, _) = app.get("/api/v1/me", &other.token).await;
    assert_eq!(s, 200);
    change_outside(
        &app,
        &format!(
            "UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = {}",
            agent.id
        ),
    )
    .await;
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401, "the revoked session is refused at once");
    let (s, _) = app.get("/api/v1/me", &other.token).await;
    assert_eq!(s, 200, "another user's session is untouched");
    change_outside(
        &app,
        &format!("UPDATE users SET active = false WHERE id = {}", other.id),
    )
    .await;
    let (s, _) = app.get("/api/v1/me", &other.token).await;
    assert_eq!(s, 401, "the disabled user is refused at once");
}

#[tokio::test]
async fn kept_session_checks_end_with_the_change_sqlite() {
    kept_session_checks_end_with_the_change(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn kept_session_checks_end_with_the_change_postgres() {
    kept_session_checks_end_with_the_change(TestBackend::Postgres).await;
}
