//! Single sign-on for staff against a real OpenID provider (oidc-provider on Node): accounts
//! created or linked from the provider's claims, roles and teams from its groups, refusals said
//! on the app's `/sso` page, one-time hand-off codes, and password sign-in switched off per role.

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_service::sso::SsoSettings;
use helpdesk_test_support::oidc::{OidcProvider, CLIENT_ID, CLIENT_SECRET};
use helpdesk_test_support::{TestApp, TestBackend};
use reqwest::Method;
use serde_json::{json, Value};

fn accounts() -> Value {
    json!({
        "alice": { "email": "alice@corp.example", "email_verified": true, "name": "Alice Agent",
                   "groups": ["helpdesk-agents", "support-l1"] },
        "bob": { "email": "bob@corp.example", "email_verified": true, "name": "Bob Boss",
                 "groups": ["helpdesk-agents", "helpdesk-admins"] },
        "carol": { "email": "carol@corp.example", "email_verified": true, "name": "Carol",
                   "groups": ["finance"] },
        "dave": { "email": "dave@corp.example", "email_verified": true, "name": "Dave",
                  "groups": ["helpdesk-agents"] },
        "eve": { "email": "eve@corp.example", "email_verified": false, "name": "Eve",
                 "groups": ["helpdesk-admins"] },
    })
}

async fn with_provider(
    backend: TestBackend,
    tune: impl FnOnce(&mut SsoSettings) + Send + 'static,
) -> (TestApp, OidcProvider) {
    let port = OidcProvider::free_port();
    let issuer = OidcProvider::issuer_on(port);
    let app = TestApp::spawn_knowing_address(backend, AppConfig::default(), move |svc, address| {
        svc.notify.public_url = Some(address.to_owned());
        let mut settings = SsoSettings::new(&issuer, CLIENT_ID, CLIENT_SECRET);
        settings.scopes = "openid email profile groups".into();
        settings.label = "Corp ID".into();
        settings.roles = vec![
            ("helpdesk-agents".into(), Role::Agent),
            ("helpdesk-admins".into(), Role::Admin),
        ];
        settings.teams = vec![("support-l1".into(), "First line".into())];
        tune(&mut settings);
        svc.sso = Some(settings);
    })
    .await;
    let provider =
        OidcProvider::start(port, &app.url("/api/v1/auth/sso/callback"), accounts()).await;
    (app, provider)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    assert_eq!(resp.status(), 302, "a redirect");
    resp.headers()["location"].to_str().unwrap().to_owned()
}

/// A browser signing `account` in: the app's start, the provider's pages, the callback. Answers
/// the fragment of the app page it lands on (`code=…&return_to=…` or `error=…`).
async fn single_sign_on(
    app: &TestApp,
    provider: &OidcProvider,
    account: &str,
    return_to: &str,
) -> Vec<(String, String)> {
    let http = no_redirects();
    let start = app.url(&format!(
        "/api/v1/auth/sso/start?return_to={}",
        urlencode(return_to)
    ));
    let to_provider = location(&http.get(&start).send().await.unwrap());
    assert!(to_provider.starts_with(&provider.issuer), "{to_provider}");
    assert!(
        to_provider.contains("code_challenge_method=S256"),
        "PKCE: {to_provider}"
    );
    let callback = provider.sign_in(&to_provider, account).await;
    assert!(
        callback.starts_with(&app.url("/api/v1/auth/sso/callback?")),
        "{callback}"
    );
    let landing = location(&http.get(&callback).send().await.unwrap());
    let fragment = landing
        .strip_prefix("/sso#")
        .unwrap_or_else(|| panic!("lands on /sso: {landing}"));
    url::form_urlencoded::parse(fragment.as_bytes())
        .into_owned()
        .collect()
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

async fn exchange(app: &TestApp, code: &str) -> (u16, Value) {
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/auth/sso/exchange",
            None,
            Some(&json!({ "code": code })),
        )
        .await;
    (s.as_u16(), v)
}

async fn staff_sign_in_with_the_identity_provider(backend: TestBackend) {
    let (app, provider) = with_provider(backend, |s| s.passwords_off = vec![Role::Agent]).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (s, team) = app
        .post(
            "/api/v1/teams",
            &admin.token,
            json!({ "name": "First line" }),
        )
        .await;
    assert_eq!(s, 201, "{team}");
    let (s, info) = app.call(Method::GET, "/api/v1/auth/sso", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(info, json!({ "enabled": true, "label": "Corp ID" }));

    // A first sign-in creates the account, with its role and team from the groups.
    let landed = single_sign_on(&app, &provider, "alice", "/cases/7").await;
    assert_eq!(get(&landed, "return_to"), Some("/cases/7"));
    let code = get(&landed, "code").expect("a hand-off code").to_owned();
    let (s, pair) = exchange(&app, &code).await;
    assert_eq!(s, 200, "{pair}");
    assert_eq!(pair["user"]["email"], "alice@corp.example");
    assert_eq!(pair["user"]["name"], "Alice Agent");
    assert_eq!(pair["user"]["role"], "agent");
    assert_eq!(pair["user"]["team_ids"], json!([team["id"]]));
    let token = pair["access_token"].as_str().unwrap();
    let (s, _) = app.get("/api/v1/cases", token).await;
    assert_eq!(s, 200, "a working session");
    let (s, p) = exchange(&app, &code).await;
    assert_eq!(s, 401, "a hand-off code works once: {p}");
    // The next sign-in finds the same account by the provider's subject.
    let landed = single_sign_on(&app, &provider, "alice", "//evil.example/").await;
    assert_eq!(get(&landed, "return_to"), Some("/"), "never another site");
    let (s, again) = exchange(&app, get(&landed, "code").unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(again["user"]["id"], pair["user"]["id"]);

    // Signing out of a session single sign-on started points at the provider's sign-out, which
    // comes back to the app; a password session's sign-out does not.
    let (s, out) = app
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(&json!({ "refresh_token": again["refresh_token"] })),
        )
        .await;
    assert_eq!(s, 200, "{out}");
    let end = reqwest::Url::parse(out["end_session_url"].as_str().unwrap()).unwrap();
    assert!(
        end.as_str()
            .starts_with(&format!("{}/session/end?", provider.issuer)),
        "{end}"
    );
    let params: std::collections::HashMap<_, _> = end.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], helpdesk_test_support::oidc::CLIENT_ID);
    assert_eq!(params["post_logout_redirect_uri"], app.url("/"));
    let (s, _) = app
        .get("/api/v1/cases", again["access_token"].as_str().unwrap())
        .await;
    assert_eq!(s, 401, "the session ended here at once");
    let (s, out) = app
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(&json!({ "refresh_token": again["refresh_token"] })),
        )
        .await;
    assert_eq!(
        s, 204,
        "signing out twice does not send the browser away again: {out}"
    );
    let (s, pw) = app
        .login(&admin.email, helpdesk_test_support::app::TEST_PASSWORD)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(&json!({ "refresh_token": pw["refresh_token"] })),
        )
        .await;
    assert_eq!(s, 204, "a password session has no provider to sign out at");

    // The highest role of the groups wins.
    let landed = single_sign_on(&app, &provider, "bob", "/").await;
    let (_, bob) = exchange(&app, get(&landed, "code").unwrap()).await;
    assert_eq!(bob["user"]["role"], "admin");

    // No helpdesk group, no account.
    let landed = single_sign_on(&app, &provider, "carol", "/").await;
    assert_eq!(get(&landed, "error"), Some("no_role"), "{landed:?}");
    assert!(get(&landed, "code").is_none());
    let (_, log) = app
        .get("/api/v1/security-events?kind=sign_in_failed", &admin.token)
        .await;
    assert!(
        log["items"].as_array().unwrap().iter().any(|e| e["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("carol@corp.example has no group")),
        "{log}"
    );

    // An existing account is linked by a verified address, and gets the provider's role.
    let (s, dave) = app.post("/api/v1/users", &admin.token, json!({ "email": "dave@corp.example", "name": "Dave", "role": "admin", "password": "dave's long local password" })).await;
    assert_eq!(s, 201, "{dave}");
    let landed = single_sign_on(&app, &provider, "dave", "/").await;
    let (s, pair) = exchange(&app, get(&landed, "code").unwrap()).await;
    assert_eq!(s, 200, "{pair}");
    assert_eq!(pair["user"]["id"], dave["id"]);
    assert_eq!(
        pair["user"]["role"], "agent",
        "the provider's groups decide the role"
    );
    let (_, log) = app
        .get(
            &format!(
                "/api/v1/security-events?kind=role_changed&user_id={}",
                dave["id"]
            ),
            &admin.token,
        )
        .await;
    assert_eq!(
        log["items"][0]["reason"], "admin → agent (single sign-on groups)",
        "{log}"
    );
    // An address the provider does not vouch for links nothing.
    let (s, _) = app.post("/api/v1/users", &admin.token, json!({ "email": "eve@corp.example", "name": "Eve", "role": "agent", "password": "eve's long local password" })).await;
    assert_eq!(s, 201);
    let landed = single_sign_on(&app, &provider, "eve", "/").await;
    assert_eq!(
        get(&landed, "error"),
        Some("email_unverified"),
        "{landed:?}"
    );

    // Agents sign in only with single sign-on: the right password is refused with a reason.
    let (s, p) = app
        .login("dave@corp.example", "dave's long local password")
        .await;
    assert_eq!(s, 403, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("single sign-on"),
        "{p}"
    );
    let (s, p) = app
        .login("dave@corp.example", "a wrong password entirely")
        .await;
    assert_eq!(s, 401, "a wrong password says nothing more: {p}");
    let (s, _) = app.login(&admin.email, &admin.password).await;
    assert_eq!(s, 200, "admins keep their passwords here");

    // A callback without a sign-in of ours, and an unknown hand-off code.
    let http = no_redirects();
    let resp = http
        .get(app.url("/api/v1/auth/sso/callback?code=x&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&resp), "/sso#error=expired");
    let resp = http
        .get(app.url("/api/v1/auth/sso/callback?error=access_denied&state=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&resp), "/sso#error=denied");
    let (s, _) = exchange(&app, "made-up").await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn staff_sign_in_with_the_identity_provider_sqlite() {
    staff_sign_in_with_the_identity_provider(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn staff_sign_in_with_the_identity_provider_postgres() {
    staff_sign_in_with_the_identity_provider(TestBackend::Postgres).await;
}

async fn accounts_made_by_admins_only(backend: TestBackend) {
    let (app, provider) = with_provider(backend, |s| s.create_users = false).await;
    let admin = app.user(Role::Admin, None, None).await;
    let landed = single_sign_on(&app, &provider, "alice", "/").await;
    assert_eq!(get(&landed, "error"), Some("no_account"), "{landed:?}");
    let (s, disabled) = app.post("/api/v1/users", &admin.token, json!({ "email": "dave@corp.example", "name": "Dave", "role": "agent", "password": "dave's long local password" })).await;
    assert_eq!(s, 201);
    let landed = single_sign_on(&app, &provider, "dave", "/").await;
    assert!(
        get(&landed, "code").is_some(),
        "an account made by an admin signs in: {landed:?}"
    );
    let (s, _) = app
        .patch(
            &format!("/api/v1/users/{}", disabled["id"]),
            &admin.token,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, 200);
    let landed = single_sign_on(&app, &provider, "dave", "/").await;
    assert_eq!(get(&landed, "error"), Some("disabled"), "{landed:?}");
}

#[tokio::test]
async fn accounts_made_by_admins_only_sqlite() {
    accounts_made_by_admins_only(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn accounts_made_by_admins_only_postgres() {
    accounts_made_by_admins_only(TestBackend::Postgres).await;
}

// Without a provider configured, the sign-in page offers no button and a start says so.
helpdesk_test_support::api_test!(async fn single_sign_on_is_off_unless_configured(app) {
    let (s, info) = app.call(Method::GET, "/api/v1/auth/sso", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(info, json!({ "enabled": false, "label": "" }));
    let resp = no_redirects().get(app.url("/api/v1/auth/sso/start")).send().await.unwrap();
    assert_eq!(location(&resp), "/sso#error=unavailable");
});
