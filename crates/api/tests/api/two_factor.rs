//! Two-factor sign-in: enrolling with an authenticator app, codes that work once, recovery
//! codes, a role that requires two factors, an admin's reset, and a password reset that still
//! asks for the code.

use std::sync::Arc;

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_domain::totp;
use helpdesk_service::{Clock, ManualClock};
use helpdesk_test_support::{TestApp, TestBackend};
use reqwest::Method;
use serde_json::{json, Value};

use crate::reset_token;

async fn app_with_clock(backend: TestBackend, clock: Arc<ManualClock>) -> TestApp {
    TestApp::spawn_customized(backend, AppConfig::default(), move |svc| {
        svc.notify.mail_from = Some("Support <support@helpdesk.test>".into());
        svc.notify.public_url = Some("https://help.example.test".into());
        svc.clock = clock;
    })
    .await
}

/// The authenticator app: the code of `secret` at the clock's time.
fn code(secret: &str, clock: &ManualClock) -> String {
    let bytes = totp::base32_decode(secret).expect("the secret is base32");
    let step = totp::step_of(clock.now().and_utc().timestamp());
    totp::format_code(totp::code_at(&bytes, step))
}

/// A code that is not the current one (nor a neighbour's).
fn wrong_code(secret: &str, clock: &ManualClock) -> String {
    let right = code(secret, clock);
    let bytes = totp::base32_decode(secret).unwrap();
    let step = totp::step_of(clock.now().and_utc().timestamp());
    let near: Vec<u32> = (step - 1..=step + 1)
        .map(|s| totp::code_at(&bytes, s))
        .collect();
    (0u32..)
        .map(|n| (n * 7919) % 1_000_000)
        .find(|n| !near.contains(n) && totp::format_code(*n) != right)
        .map(totp::format_code)
        .unwrap()
}

async fn sign_in(app: &TestApp, email: &str, password: &str, otp: Option<&str>) -> (u16, Value) {
    let mut body = json!({ "email": email, "password": password });
    if let Some(otp) = otp {
        body["otp"] = json!(otp);
    }
    let (s, v) = app
        .call(Method::POST, "/api/v1/auth/login", None, Some(&body))
        .await;
    (s.as_u16(), v)
}

async fn events(app: &TestApp, admin: &str, kind: &str, user_id: i64) -> Vec<Value> {
    let (s, log) = app
        .get(
            &format!("/api/v1/security-events?kind={kind}&user_id={user_id}"),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{log}");
    log["items"].as_array().unwrap().clone()
}

async fn enrolling_and_signing_in_with_codes(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let app = app_with_clock(backend, clock.clone()).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;

    let (s, status) = app.get("/api/v1/me/two-factor", &agent.token).await;
    assert_eq!(s, 200, "{status}");
    assert_eq!(
        status,
        json!({ "enabled": false, "enabled_since": null, "recovery_codes_left": 0, "required": false })
    );

    let (s, enrolment) = app
        .post("/api/v1/me/two-factor/enrolment", &agent.token, json!({}))
        .await;
    assert_eq!(s, 200, "{enrolment}");
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        totp::base32_decode(&secret).unwrap().len(),
        totp::SECRET_BYTES
    );
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Helpdesk%20%28help.example.test%29:"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(
        enrolment["qr_svg"].as_str().unwrap().contains("<svg"),
        "a QR code to scan"
    );

    // Until a first code confirms it, nothing changes at sign-in.
    let (s, _) = sign_in(&app, &agent.email, &agent.password, None).await;
    assert_eq!(s, 200, "an enrolment not confirmed asks for nothing");
    let (s, p) = app
        .post(
            "/api/v1/me/two-factor/confirm",
            &agent.token,
            json!({ "code": wrong_code(&secret, &clock) }),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["errors"]["code"][0]
            .as_str()
            .unwrap()
            .contains("not a current code"),
        "{p}"
    );
    let (s, codes) = app
        .post(
            "/api/v1/me/two-factor/confirm",
            &agent.token,
            json!({ "code": code(&secret, &clock) }),
        )
        .await;
    assert_eq!(s, 200, "{codes}");
    let codes: Vec<String> = codes["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10, "{codes:?}");
    let (s, p) = app
        .post("/api/v1/me/two-factor/enrolment", &agent.token, json!({}))
        .await;
    assert_eq!(s, 409, "on already: {p}");

    // Now the password alone is not enough.
    let (s, p) = sign_in(&app, &agent.email, &agent.password, None).await;
    assert_eq!(s, 401, "{p}");
    assert_eq!(p["type"], "/problems/second-factor-required");
    let (s, p) = sign_in(
        &app,
        "nobody@example.test",
        "whatever it is",
        Some(&code(&secret, &clock)),
    )
    .await;
    assert_eq!(s, 401, "a code never stands in for a password: {p}");
    assert_eq!(p["type"], "/problems/unauthorized");
    // The code that confirmed the enrolment was used: it does not work twice.
    let (s, p) = sign_in(
        &app,
        &agent.email,
        &agent.password,
        Some(&code(&secret, &clock)),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(p["errors"]["otp"].is_array(), "{p}");
    clock.advance(chrono::Duration::seconds(30));
    let spaced = code(&secret, &clock);
    let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
    let (s, pair) = sign_in(&app, &agent.email, &agent.password, Some(&spaced)).await;
    assert_eq!(s, 200, "{pair}");
    assert!(pair["access_token"].is_string());
    assert!(
        pair.get("recovery_codes").is_none(),
        "codes are shown once: {pair}"
    );

    // A recovery code works once, typed loosely.
    let loose = codes[3].to_uppercase().replace('-', " ");
    let (s, pair) = sign_in(&app, &agent.email, &agent.password, Some(&loose)).await;
    assert_eq!(s, 200, "{pair}");
    let (s, p) = sign_in(&app, &agent.email, &agent.password, Some(&codes[3])).await;
    assert_eq!(s, 422, "used: {p}");
    let (_, status) = app.get("/api/v1/me/two-factor", &agent.token).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 9);
    assert_eq!(
        events(&app, &admin.token, "recovery_code_used", agent.id)
            .await
            .len(),
        1
    );
    assert_eq!(
        events(&app, &admin.token, "two_factor_enabled", agent.id)
            .await
            .len(),
        1
    );
    let wrong = events(&app, &admin.token, "sign_in_failed", agent.id).await;
    assert!(
        wrong.iter().any(|e| e["reason"] == "wrong_code"),
        "{wrong:?}"
    );

    // New recovery codes replace the old ones.
    let (s, p) = app
        .post(
            "/api/v1/me/two-factor/recovery-codes",
            &agent.token,
            json!({ "password": "not the password" }),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let (s, renewed) = app
        .post(
            "/api/v1/me/two-factor/recovery-codes",
            &agent.token,
            json!({ "password": agent.password }),
        )
        .await;
    assert_eq!(s, 200, "{renewed}");
    let (s, _) = sign_in(&app, &agent.email, &agent.password, Some(&codes[0])).await;
    assert_eq!(s, 422, "an old recovery code stopped working");
    let (s, _) = sign_in(
        &app,
        &agent.email,
        &agent.password,
        renewed["codes"][0].as_str(),
    )
    .await;
    assert_eq!(s, 200);

    // API tokens are unaffected, and cannot manage two factors.
    let (s, created) = app
        .post(
            "/api/v1/me/api-tokens",
            &agent.token,
            json!({ "name": "sync", "scopes": ["write"] }),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let api_token = created["token"].as_str().unwrap();
    let (s, _) = app.get("/api/v1/me", api_token).await;
    assert_eq!(s, 200, "an API token needs no code");
    let (s, _) = app
        .post(
            "/api/v1/me/two-factor/disable",
            api_token,
            json!({ "password": agent.password }),
        )
        .await;
    assert_eq!(s, 403);

    // Turned off with the password, sign-in asks for the password alone again.
    let (s, p) = app
        .post(
            "/api/v1/me/two-factor/disable",
            &agent.token,
            json!({ "password": "not the password" }),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = app
        .post(
            "/api/v1/me/two-factor/disable",
            &agent.token,
            json!({ "password": agent.password }),
        )
        .await;
    assert_eq!(s, 204, "{p}");
    let (s, _) = sign_in(&app, &agent.email, &agent.password, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        events(&app, &admin.token, "two_factor_disabled", agent.id)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn enrolling_and_signing_in_with_codes_sqlite() {
    enrolling_and_signing_in_with_codes(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn enrolling_and_signing_in_with_codes_postgres() {
    enrolling_and_signing_in_with_codes(TestBackend::Postgres).await;
}

async fn a_role_that_requires_two_factors(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let app = app_with_clock(backend, clock.clone()).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;

    let (s, p) = app
        .call(
            Method::PUT,
            "/api/v1/settings/two-factor",
            Some(&agent.token),
            Some(&json!({ "required_roles": ["agent"] })),
        )
        .await;
    assert_eq!(s, 403, "{p}");
    let (s, p) = app
        .call(
            Method::PUT,
            "/api/v1/settings/two-factor",
            Some(&admin.token),
            Some(&json!({ "required_roles": ["portal"] })),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert!(p["errors"]["required_roles"].is_array(), "{p}");
    let (s, policy) = app
        .call(
            Method::PUT,
            "/api/v1/settings/two-factor",
            Some(&admin.token),
            Some(&json!({ "required_roles": ["agent", "agent"] })),
        )
        .await;
    assert_eq!(s, 200, "{policy}");
    assert_eq!(policy, json!({ "required_roles": ["agent"] }));
    let (_, policy) = app.get("/api/v1/settings/two-factor", &admin.token).await;
    assert_eq!(policy, json!({ "required_roles": ["agent"] }));

    // The agent's open session goes on; their next sign-in must enrol.
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200);
    let (s, p) = sign_in(&app, &agent.email, &agent.password, None).await;
    assert_eq!(s, 401, "{p}");
    assert_eq!(p["type"], "/problems/second-factor-setup-required");
    let login = json!({ "email": agent.email, "password": "not the password" });
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/enrolment",
            None,
            Some(&login),
        )
        .await;
    assert_eq!(s, 401, "enrolment needs the password");
    let login = json!({ "email": agent.email, "password": agent.password });
    let (s, enrolment) = app
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/enrolment",
            None,
            Some(&login),
        )
        .await;
    assert_eq!(s, 200, "{enrolment}");
    let secret = enrolment["secret"].as_str().unwrap();
    let (s, p) = sign_in(&app, &agent.email, &agent.password, None).await;
    assert_eq!(
        p["type"], "/problems/second-factor-setup-required",
        "{s} {p}"
    );
    let (s, pair) = sign_in(
        &app,
        &agent.email,
        &agent.password,
        Some(&code(secret, &clock)),
    )
    .await;
    assert_eq!(s, 200, "{pair}");
    assert_eq!(
        pair["recovery_codes"].as_array().unwrap().len(),
        10,
        "{pair}"
    );
    let token = pair["access_token"].as_str().unwrap();
    let (s, p) = app
        .post(
            "/api/v1/me/two-factor/disable",
            token,
            json!({ "password": agent.password }),
        )
        .await;
    assert_eq!(s, 403, "the role requires it: {p}");
    let (s, status) = app
        .get(
            &format!("/api/v1/users/{}/two-factor", agent.id),
            &admin.token,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(status["enabled"], true);
    assert_eq!(status["required"], true);
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/enrolment",
            None,
            Some(&login),
        )
        .await;
    assert_eq!(s, 409, "enrolled already");

    // A lost phone: an admin resets it, and the agent enrols again at the next sign-in.
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{}/two-factor", agent.id),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(s, 403, "admins only");
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{}/two-factor", agent.id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, p) = sign_in(&app, &agent.email, &agent.password, None).await;
    assert_eq!(
        p["type"], "/problems/second-factor-setup-required",
        "{s} {p}"
    );
    let reset = events(&app, &admin.token, "two_factor_disabled", agent.id).await;
    assert_eq!(reset[0]["reason"], "reset by an admin", "{reset:?}");
    assert_eq!(reset[0]["actor_id"], admin.id);

    // Admins are not required here, so theirs is unchanged.
    let (s, _) = sign_in(&app, &admin.email, &admin.password, None).await;
    assert_eq!(s, 200);
    let changed = events(&app, &admin.token, "two_factor_policy_changed", admin.id).await;
    assert_eq!(changed[0]["reason"], "required of agent", "{changed:?}");
}

#[tokio::test]
async fn a_role_that_requires_two_factors_sqlite() {
    a_role_that_requires_two_factors(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn a_role_that_requires_two_factors_postgres() {
    a_role_that_requires_two_factors(TestBackend::Postgres).await;
}

async fn codes_are_throttled_and_resets_ask_for_them(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let app = app_with_clock(backend, clock.clone()).await;
    let agent = app.user(Role::Agent, None, None).await;
    let (_, enrolment) = app
        .post("/api/v1/me/two-factor/enrolment", &agent.token, json!({}))
        .await;
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let (s, _) = app
        .post(
            "/api/v1/me/two-factor/confirm",
            &agent.token,
            json!({ "code": code(&secret, &clock) }),
        )
        .await;
    assert_eq!(s, 200);

    // A reset by mail asks for the code before the link is used.
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(&json!({ "email": agent.email })),
        )
        .await;
    assert_eq!(s, 202);
    let token = reset_token(&app, &agent.email).await.expect("a reset mail");
    let confirm = |otp: Option<String>| json!({ "token": token, "password": "a brand new passphrase", "otp": otp });
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(&confirm(None)),
        )
        .await;
    assert_eq!(s, 401, "{p}");
    assert_eq!(p["type"], "/problems/second-factor-required");
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/auth/password-reset/{token}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200, "the link was not used");
    clock.advance(chrono::Duration::seconds(30));
    let (s, pair) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(&confirm(Some(code(&secret, &clock)))),
        )
        .await;
    assert_eq!(s, 200, "{pair}");
    let (s, _) = sign_in(&app, &agent.email, "a brand new passphrase", None).await;
    assert_eq!(s, 401, "the new password still needs the code");

    // Wrong codes count against the account like wrong passwords.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let wrong = wrong_code(&secret, &clock);
        let (s, _) = sign_in(&app, &agent.email, "a brand new passphrase", Some(&wrong)).await;
        statuses.push(s);
    }
    assert_eq!(&statuses[..3], &[422; 3], "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "guessing codes is slowed down: {statuses:?}"
    );
}

#[tokio::test]
async fn codes_are_throttled_and_resets_ask_for_them_sqlite() {
    codes_are_throttled_and_resets_ask_for_them(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn codes_are_throttled_and_resets_ask_for_them_postgres() {
    codes_are_throttled_and_resets_ask_for_them(TestBackend::Postgres).await;
}
