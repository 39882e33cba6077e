//! Single sign-on in the app against a real OpenID provider: the sign-in page's button, the
//! provider's own pages in the browser, and the agent back where they started; a person with
//! no helpdesk group is told why on the app's page.

use helpdesk_service::sso::SsoSettings;
use helpdesk_test_support::oidc::{OidcProvider, CLIENT_ID, CLIENT_SECRET};

use super::*;

/// The provider's pages, as the person fills them in: its login form, then its consent.
async fn at_the_provider(c: &Client, account: &str) {
    type_in(c, "input[name=login]", account).await;
    type_in(c, "input[name=password]", "whatever the provider asks").await;
    click(c, "button[type=submit]").await;
    find(c, "input[name=prompt][value=consent]").await;
    click(c, "button[type=submit]").await;
}

async fn sign_in_with_the_identity_provider(backend: TestBackend) {
    let port = OidcProvider::free_port();
    let issuer = OidcProvider::issuer_on(port);
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist");
    let app = TestApp::spawn_knowing_address(
        backend,
        AppConfig {
            static_dir: Some(dist),
            ..AppConfig::default()
        },
        move |svc, address| {
            svc.notify.public_url = Some(address.to_owned());
            let mut s = SsoSettings::new(&issuer, CLIENT_ID, CLIENT_SECRET);
            s.scopes = "openid email profile groups".into();
            s.label = "Corp ID".into();
            s.roles = vec![("helpdesk-agents".into(), Role::Agent)];
            svc.sso = Some(s);
        },
    )
    .await;
    let accounts = json!({
        "alice": { "email": "alice@corp.example", "email_verified": true, "name": "Alice Agent", "groups": ["helpdesk-agents"] },
        "carol": { "email": "carol@corp.example", "email_verified": true, "name": "Carol", "groups": ["finance"] },
    });
    let provider = OidcProvider::start(port, &app.url("/api/v1/auth/sso/callback"), accounts).await;

    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/all_open")).await.unwrap();
    let button = text_until(&c, "[data-test=sso]", |t| !t.is_empty()).await;
    assert_eq!(button, "Sign in with Corp ID");
    screenshot(&c, backend, "sso-button").await;
    click(&c, "[data-test=sso]").await;
    at_the_provider(&c, "alice").await;
    text_until(&c, "[data-test=who]", |t| t.contains("Alice Agent")).await;
    assert_eq!(
        path_of(&c).await,
        "/queues/all_open",
        "back where the sign-in started"
    );
    assert!(
        !c.current_url().await.unwrap().as_str().contains("code="),
        "the one-time code does not stay in the address bar"
    );
    // Signing out ends the provider's session too: its sign-out page ("Yes, sign me out"),
    // then back to the app's sign-in page.
    click(&c, "[data-test=sign-out]").await;
    click(&c, "button[value=yes]").await;
    find(&c, "[data-test=sso]").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with(&app.url("/")),
        "back in the app"
    );

    // Someone else at this browser is asked who they are: the provider forgot Alice.
    click(&c, "[data-test=sso]").await;
    at_the_provider(&c, "carol").await;
    let why = text_until(&c, "[data-test=sso-error] p", |t| !t.is_empty()).await;
    assert!(why.contains("no group that gives access"), "{why}");
    screenshot(&c, backend, "sso-refused").await;
    drop(provider);
    c.close().await.unwrap();
}

#[tokio::test]
async fn sign_in_with_the_identity_provider_sqlite() {
    sign_in_with_the_identity_provider(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn sign_in_with_the_identity_provider_postgres() {
    sign_in_with_the_identity_provider(TestBackend::Postgres).await;
}
