//! Sign-in throttling (growing delays, atomic under concurrency, known devices exempt from
//! strangers' failures), the client address behind trusted proxies, and the security log.

use helpdesk_api::client_addr::TrustedProxies;
use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn sign_in(app: &TestApp, body: Value, forwarded_for: Option<&str>) -> (StatusCode, Value) {
    let mut req = app.client.post(app.url("/api/v1/auth/login")).json(&body);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn security_events(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let (s, page) = app
        .get(&format!("/api/v1/security-events{query}"), admin)
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

api_test!(async fn concurrent_wrong_passwords_are_counted_one_after_another(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let guesses = (0..20).map(|i| {
        app.login(&agent.email, if i % 2 == 0 { "guess one" } else { "guess two" })
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|(s, _)| *s == 401).count();
    let waited = answers.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!(checked + waited, 20, "{answers:?}");
    // Five free failures per account; the sixth waits at least a second, and twenty guesses
    // sent at once arrive within it.
    assert!((1..=6).contains(&checked), "only the free attempts are checked, not all twenty: {checked}");
    let refused = answers.iter().find(|(s, _)| *s == 429).unwrap();
    assert_eq!(refused.1["type"], "/problems/too-many-requests", "{}", refused.1);
});

api_test!(async fn a_known_device_signs_in_while_strangers_are_throttled(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let owner = app.user(Role::Agent, None, None).await;
    let other = app.user(Role::Agent, None, None).await;
    // The owner signed in on this device before and kept the device token.
    let (s, pair) = app.login(&owner.email, &owner.password).await;
    assert_eq!(s, 200, "{pair}");
    let device = pair["device_token"].as_str().expect("a device token").to_owned();
    let (_, other_pair) = app.login(&other.email, &other.password).await;
    let other_device = other_pair["device_token"].as_str().unwrap().to_owned();
    // Strangers guess the owner's password until the account is throttled.
    for _ in 0..8 {
        let (s, _) = sign_in(&app, json!({ "email": owner.email, "password": "a stranger's guess" }), None).await;
        assert!(s == 401 || s == 429, "{s}");
    }
    let (s, _) = sign_in(&app, json!({ "email": owner.email, "password": owner.password }), None).await;
    assert_eq!(s, 429, "from an unknown device even the right password waits");
    // Another account's device token, or a made-up one, buys nothing.
    for token in [other_device.as_str(), "made-up.token", ""] {
        let (s, _) = sign_in(&app, json!({ "email": owner.email, "password": owner.password, "device_token": token }), None).await;
        assert_eq!(s, 429, "device token {token:?} is not the owner's");
    }
    let (s, body) = sign_in(&app, json!({ "email": owner.email, "password": owner.password, "device_token": device }), None).await;
    assert_eq!(s, 200, "the owner's device is not held back by strangers: {body}");
    assert_eq!(body["device_token"], device.as_str(), "the same device keeps its token");
    // The log tells the owner's sign-in from the strangers' guesses.
    let events = security_events(&app, &admin.token, &format!("?user_id={}", owner.id)).await;
    let reasons: Vec<&str> = events.iter().filter_map(|e| e["reason"].as_str()).collect();
    assert!(reasons.contains(&"wrong_password"), "{events:?}");
    assert!(reasons.contains(&"throttled"), "{events:?}");
    assert_eq!(events[0]["kind"], "signed_in", "newest first: {:?}", events[0]);
    assert!(events[0]["session_id"].as_i64().is_some());
    // A stolen device token still gets only the device's own few guesses.
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        (last, _) = sign_in(&app, json!({ "email": owner.email, "password": "thief's guess", "device_token": device }), None).await;
    }
    assert_eq!(last, 429, "a device is throttled too");
});

/// Behind a trusted proxy every client has the proxy's address at the socket; the address the
/// proxy reports is the one limits count. Strangers' failures from one address do not keep a
/// different address out, and a client cannot pick its address by sending the header itself.
async fn throttled_per_real_client_behind_a_trusted_proxy(backend: TestBackend) {
    let config = AppConfig {
        trusted_proxies: TrustedProxies::parse("127.0.0.1/32").unwrap(),
        ..AppConfig::default()
    };
    let app = TestApp::spawn_customized(backend, config, |svc| {
        svc.auth.address_throttle.free = 3;
    })
    .await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    // Thirty sign-ins for made-up accounts from one address...
    let mut refused = 0;
    for i in 0..30 {
        let (s, _) = sign_in(
            &app,
            json!({ "email": format!("nobody{i}@example.com"), "password": "x" }),
            Some("198.51.100.1"),
        )
        .await;
        refused += usize::from(s == 429);
    }
    assert!(
        refused >= 25,
        "the attacking address is slowed down: {refused} refused"
    );
    // ...do not keep the real user at another address out.
    let (s, body) = sign_in(
        &app,
        json!({ "email": agent.email, "password": agent.password }),
        Some("203.0.113.5"),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // A forged entry left of the proxy's is not believed: the proxy appended the real address.
    let (s, _) = sign_in(
        &app,
        json!({ "email": "nobody@example.com", "password": "x" }),
        Some("203.0.113.5, 198.51.100.1"),
    )
    .await;
    assert_eq!(
        s, 429,
        "the attacker's address, whatever it claims further left"
    );
    let events = security_events(&app, &admin.token, "?ip=198.51.100.1&kind=sign_in_failed").await;
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["ip"] == "198.51.100.1"));
    assert_eq!(
        events
            .iter()
            .filter(|e| e["reason"] == "unknown_account")
            .count(),
        3,
        "{events:?}"
    );
    let mine = security_events(
        &app,
        &admin.token,
        &format!("?user_id={}&kind=signed_in", agent.id),
    )
    .await;
    assert_eq!(mine[0]["ip"], "203.0.113.5");
}

#[tokio::test]
async fn throttled_per_real_client_behind_a_trusted_proxy_sqlite() {
    throttled_per_real_client_behind_a_trusted_proxy(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn throttled_per_real_client_behind_a_trusted_proxy_postgres() {
    throttled_per_real_client_behind_a_trusted_proxy(TestBackend::Postgres).await;
}

api_test!(async fn forwarded_headers_are_ignored_without_a_trusted_proxy(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let (s, _) = sign_in(&app, json!({ "email": "nobody@example.com", "password": "x" }), Some("198.51.100.77")).await;
    assert_eq!(s, 401);
    let events = security_events(&app, &admin.token, "?kind=sign_in_failed").await;
    assert_eq!(events[0]["ip"], "127.0.0.1", "the socket peer, not the header: {:?}", events[0]);
    assert_eq!(events[0]["email"], "nobody@example.com");
    assert_eq!(events[0]["reason"], "unknown_account");
    assert!(events[0]["user_id"].is_null());
});

api_test!(async fn the_security_log_records_account_changes_for_admins(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    // An admin promotes the agent, then disables them.
    let (s, body) = app.patch(&format!("/api/v1/users/{}", agent.id), &admin.token, json!({ "role": "admin" })).await;
    assert_eq!(s, 200, "{body}");
    // The agent makes an API token and revokes it, then signs out.
    let (s, created) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "sync", "scopes": ["read"] })).await;
    assert_eq!(s, 201, "{created}");
    let token_id = created["id"].as_i64().unwrap();
    let (s, _) = app.call(Method::DELETE, &format!("/api/v1/me/api-tokens/{token_id}"), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (s, _) = app.call(Method::POST, "/api/v1/auth/logout", None, Some(&json!({ "refresh_token": agent.refresh_token }))).await;
    assert_eq!(s, 204);
    let (s, body) = app.patch(&format!("/api/v1/users/{}", agent.id), &admin.token, json!({ "active": false, "role": "agent" })).await;
    assert_eq!(s, 200, "{body}");

    let events = security_events(&app, &admin.token, &format!("?user_id={}", agent.id)).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["signed_in", "role_changed", "api_token_created", "api_token_revoked", "signed_out", "user_disabled"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let promoted = events.iter().find(|e| e["kind"] == "role_changed" && e["reason"] == "agent → admin").expect("the promotion");
    assert_eq!(promoted["actor_id"], admin.id, "done by the admin");
    assert_eq!(promoted["ip"], "127.0.0.1");
    assert!(events.iter().any(|e| e["kind"] == "role_changed" && e["reason"] == "admin → agent"));
    let created = events.iter().find(|e| e["kind"] == "api_token_created").unwrap();
    assert!(created["actor_id"].is_null(), "the agent did it themself");
    assert!(created["reason"].as_str().unwrap().contains("sync"));
    // Filters: by kind, and by time.
    let disabled = security_events(&app, &admin.token, "?kind=user_disabled").await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0]["user_id"], agent.id);
    let future = security_events(&app, &admin.token, "?since=2999-01-01T00:00:00Z").await;
    assert!(future.is_empty());
    // Paging newest first.
    let (s, page) = app.get("/api/v1/security-events?limit=2", &admin.token).await;
    assert_eq!(s, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap_or_else(|| panic!("more pages: {page}")).to_owned();
    let (s, next) = app.get(&format!("/api/v1/security-events?limit=2&cursor={cursor}"), &admin.token).await;
    assert_eq!(s, 200);
    assert!(next["items"][0]["id"].as_i64() < page["items"][1]["id"].as_i64());
    // Only admins read it; a bad kind is named.
    let other = app.user(Role::Agent, None, None).await;
    let (s, _) = app.get("/api/v1/security-events", &other.token).await;
    assert_eq!(s, 403);
    let (s, body) = app.get("/api/v1/security-events?kind=everything", &admin.token).await;
    assert_eq!(s, 400, "{body}");
});
