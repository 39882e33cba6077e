//! Two-factor sign-in in the app: an agent whose role requires it enrols at sign-in (QR code,
//! first code, recovery codes), signs in again with a recovery code after a wrong code is shown
//! at its field, renews the codes from the profile, and an admin sees the rule and the agent's
//! state.

use std::sync::Arc;

use helpdesk_domain::totp;
use helpdesk_service::{Clock, ManualClock};

use super::*;

fn code_now(secret: &str, clock: &ManualClock) -> String {
    let bytes = totp::base32_decode(secret).expect("the key shown is base32");
    let step = totp::step_of(clock.now().and_utc().timestamp());
    totp::format_code(totp::code_at(&bytes, step))
}

async fn enrolment_at_sign_in(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let shared = clock.clone();
    let (app, _registry) = spa_customized(backend, move |svc| svc.clock = shared).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, p) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/two-factor",
            Some(&admin.token),
            Some(&json!({ "required_roles": ["agent"] })),
        )
        .await;
    assert_eq!(s, 200, "{p}");

    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=enrol-form] [data-test=qr] svg").await;
    let secret = text_until(&c, "[data-test=totp-secret]", |t| !t.is_empty())
        .await
        .replace(' ', "");
    screenshot(&c, backend, "two-factor-enrolment").await;
    type_in(&c, "input[name=otp]", &code_now(&secret, &clock)).await;
    click(&c, "[data-test=verify-code]").await;
    let codes = count_until(&c, "[data-test=recovery-code-list] li", 10).await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    screenshot(&c, backend, "two-factor-recovery-codes").await;
    click(&c, "[data-test=codes-saved]").await;
    text_until(&c, "[data-test=who]", |t| t.contains("agent")).await;

    // Next time: the password, then a code; a wrong one is said so at its field.
    sign_out(&c).await;
    sign_in(&c, &agent).await;
    find(&c, "[data-test=otp-form]").await;
    clock.advance(chrono::Duration::seconds(30));
    let right = code_now(&secret, &clock);
    let wrong = if right == "123456" {
        "654321"
    } else {
        "123456"
    };
    type_in(&c, "input[name=otp]", wrong).await;
    click(&c, "[data-test=verify-code]").await;
    let err = text_until(&c, "[data-test=otp-form] [data-test=field-error]", |t| {
        !t.is_empty()
    })
    .await;
    assert_eq!(
        err,
        "This code is not right, or was used already. Wait for the next one."
    );
    screenshot(&c, backend, "two-factor-code").await;
    type_in(&c, "input[name=otp]", &codes[0]).await;
    click(&c, "[data-test=verify-code]").await;
    text_until(&c, "[data-test=who]", |t| t.contains("agent")).await;

    // The profile: on, nine codes left, not to be turned off; new codes on the password.
    c.goto(&app.url("/profile")).await.unwrap();
    let on = text_until(&c, "[data-test=two-factor-on]", |t| t.contains("left")).await;
    assert!(on.ends_with("Recovery codes left: 9"), "{on}");
    assert!(
        c.find(Locator::Css("[data-test=two-factor-off]"))
            .await
            .is_err(),
        "the role requires it"
    );
    click(&c, "[data-test=renew-codes]").await;
    type_in(&c, "[data-test=two-factor-input]", &agent.password).await;
    click(&c, "[data-test=two-factor-password]").await;
    let renewed = count_until(
        &c,
        "[data-test=two-factor] [data-test=recovery-code-list] li",
        10,
    )
    .await;
    assert!(!renewed.contains(&codes[1]), "new codes, not the old ones");
    c.execute(
        "document.querySelector('[data-test=two-factor]').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, backend, "two-factor-profile").await;
    sign_out(&c).await;

    // The admin sees the rule and the agent's state, and can reset it.
    c.goto(&app.url("/admin/security-log")).await.unwrap();
    sign_in(&c, &admin).await;
    let required = find(&c, "[data-test=require-agents]").await;
    let checked = required.prop("checked").await.unwrap();
    assert_eq!(checked.as_deref(), Some("true"));
    find(&c, "[data-test=security-table]").await;
    let kinds = texts(&c, "[data-test=security-row] td:nth-child(2)").await;
    assert!(
        kinds.iter().any(|k| k == "Two-factor sign-in on"),
        "{kinds:?}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn enrolment_at_sign_in_sqlite() {
    enrolment_at_sign_in(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn enrolment_at_sign_in_postgres() {
    enrolment_at_sign_in(TestBackend::Postgres).await;
}
