//! Inviting a contact to the customer portal: the invitation mail, the link's page, choosing a
//! password, and what is refused.

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{invitation_token, newest_mail};

const PUBLIC_URL: &str = "https://help.example.test";

async fn app_with_mail(backend: TestBackend) -> TestApp {
    TestApp::spawn_customized(backend, AppConfig::default(), |svc| {
        svc.notify.mail_from = Some("Support <support@helpdesk.test>".into());
        svc.notify.public_url = Some(PUBLIC_URL.into());
    })
    .await
}

async fn anonymous(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let (s, v) = app.call(method, path, None, body.as_ref()).await;
    (s.as_u16(), v)
}

async fn inviting_a_contact(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let email = "marina@customer.test";
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            &agent.token,
            json!({ "first_name": "Марина", "last_name": "Орлова", "emails": [email] }),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    assert!(
        contact.get("portal_invitation").is_none(),
        "no portal access, no invitation"
    );
    let id = contact["id"].as_i64().unwrap();

    // Asking for an invitation before portal access is on names the field.
    let (s, problem) = app
        .post(
            &format!("/api/v1/contacts/{id}/invitation"),
            &agent.token,
            json!(null),
        )
        .await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["portal_access"].is_array(), "{problem}");

    // Switching portal access on invites the contact.
    let (s, changed) = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            &agent.token,
            json!({ "portal_access": true }),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    let invitation = &changed["portal_invitation"];
    assert_eq!(invitation["email"], email);
    assert_eq!(invitation["contact_id"], id);
    let first = invitation_token(&app, email)
        .await
        .expect("an invitation mail");
    let (s, info) = anonymous(
        &app,
        Method::GET,
        &format!("/api/v1/auth/invitations/{first}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{info}");
    assert_eq!(
        (info["email"].as_str(), info["name"].as_str()),
        (Some(email), Some("Марина Орлова"))
    );
    let (s, _) = app.login(email, "whatever password").await;
    assert_eq!(s, 401, "no password yet: no sign-in");

    // Switching access off voids the open link; on again, a new one is sent.
    for on in [false, true] {
        let (s, changed) = app
            .patch(
                &format!("/api/v1/contacts/{id}"),
                &agent.token,
                json!({ "portal_access": on }),
            )
            .await;
        assert_eq!(s, 200, "{changed}");
    }
    let (s, _) = anonymous(
        &app,
        Method::GET,
        &format!("/api/v1/auth/invitations/{first}"),
        None,
    )
    .await;
    assert_eq!(s, 404, "switching access off voided the link");
    let first = invitation_token(&app, email).await.unwrap();

    // A second invitation voids the first link.
    let (s, again) = app
        .post(
            &format!("/api/v1/contacts/{id}/invitation"),
            &agent.token,
            json!(null),
        )
        .await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(
        again["user_id"], invitation["user_id"],
        "the same portal user"
    );
    let second = invitation_token(&app, email).await.unwrap();
    assert_ne!(first, second);
    let (s, _) = anonymous(
        &app,
        Method::GET,
        &format!("/api/v1/auth/invitations/{first}"),
        None,
    )
    .await;
    assert_eq!(s, 404, "a replaced link is void");

    // A short password is refused at its field, and the link still works afterwards.
    let (s, problem) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/invitations/accept",
        Some(json!({ "token": second, "password": "short" })),
    )
    .await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["password"].is_array(), "{problem}");
    let (s, problem) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/invitations/accept",
        Some(json!({ "token": first, "password": "a long new password" })),
    )
    .await;
    assert_eq!(s, 404, "{problem}");

    let (s, signed_in) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/invitations/accept",
        Some(json!({ "token": second, "password": "a long new password" })),
    )
    .await;
    assert_eq!(s, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["role"], "portal");
    assert_eq!(signed_in["user"]["email"], email);
    let token = signed_in["access_token"].as_str().unwrap();
    let (s, _) = app.get("/api/v1/portal/cases", token).await;
    assert_eq!(s, 200);
    let (s, _) = app.get("/api/v1/cases", token).await;
    assert_eq!(s, 403, "a customer, not an agent");
    let (s, _) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/invitations/accept",
        Some(json!({ "token": second, "password": "another long password" })),
    )
    .await;
    assert_eq!(s, 404, "the link works once");
    let (s, _) = app.login(email, "a long new password").await;
    assert_eq!(s, 200);
    let (s, _) = app.login(email, "another long password").await;
    assert_eq!(s, 401);

    // Someone who signs in already is not invited again, neither by hand nor by the toggle.
    let (s, problem) = app
        .post(
            &format!("/api/v1/contacts/{id}/invitation"),
            &agent.token,
            json!(null),
        )
        .await;
    assert_eq!(s, 409, "{problem}");
    for on in [false, true] {
        let (s, changed) = app
            .patch(
                &format!("/api/v1/contacts/{id}"),
                &agent.token,
                json!({ "portal_access": on }),
            )
            .await;
        assert_eq!(s, 200, "{changed}");
        assert!(changed.get("portal_invitation").is_none(), "{changed}");
    }
}

#[tokio::test]
async fn inviting_a_contact_sqlite() {
    inviting_a_contact(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn inviting_a_contact_postgres() {
    inviting_a_contact(TestBackend::Postgres).await;
}

async fn what_cannot_be_invited(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;

    // No address to mail: the create is refused whole, nothing is stored.
    let (s, problem) = app
        .post(
            "/api/v1/contacts",
            &agent.token,
            json!({ "first_name": "Без", "last_name": "Почты", "portal_access": true }),
        )
        .await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["emails"].is_array(), "{problem}");
    let (_, list) = app
        .get(
            "/api/v1/contacts?q=%D0%9F%D0%BE%D1%87%D1%82%D1%8B",
            &agent.token,
        )
        .await;
    assert_eq!(list["items"], json!([]), "no half-made contact");

    // The address already belongs to another account (here the agent's own).
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            &agent.token,
            json!({ "first_name": "Same", "last_name": "Address", "emails": [agent.email] }),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    let id = contact["id"].as_i64().unwrap();
    let (s, problem) = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            &agent.token,
            json!({ "portal_access": true }),
        )
        .await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["emails"].is_array(), "{problem}");
    let (_, unchanged) = app
        .get(&format!("/api/v1/contacts/{id}"), &agent.token)
        .await;
    assert_eq!(
        unchanged["portal_access"], false,
        "the switch was not half-applied"
    );

    for token in ["unknown", "x".repeat(600).as_str()] {
        let (s, problem) = anonymous(
            &app,
            Method::GET,
            &format!("/api/v1/auth/invitations/{token}"),
            None,
        )
        .await;
        assert_eq!(s, 404, "{problem}");
        assert_eq!(problem["status"], 404);
    }
}

#[tokio::test]
async fn what_cannot_be_invited_sqlite() {
    what_cannot_be_invited(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn what_cannot_be_invited_postgres() {
    what_cannot_be_invited(TestBackend::Postgres).await;
}

api_test!(async fn without_outgoing_mail_the_toggle_works_and_invitations_are_unavailable(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, contact) = app
        .post("/api/v1/contacts", &agent.token,
            json!({ "first_name": "No", "last_name": "Mail", "emails": ["nomail@customer.test"], "portal_access": true }))
        .await;
    assert_eq!(s, 201, "{contact}");
    assert_eq!(contact["portal_access"], true);
    assert!(contact.get("portal_invitation").is_none());
    let (s, problem) = app
        .post(&format!("/api/v1/contacts/{}/invitation", contact["id"]), &agent.token, json!(null))
        .await;
    assert_eq!(s, 503, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("HELPDESK_SMTP_URL"), "{problem}");
});

async fn the_invitation_speaks_the_inviting_agents_language(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let olga = app
        .user_speaking(Role::Agent, Some(1), None, Some("ru"))
        .await;
    let john = app
        .user_speaking(Role::Agent, Some(1), None, Some("en"))
        .await;
    let email = "pavel@customer.test";
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            &olga.token,
            json!({ "first_name": "Павел", "last_name": "Серов", "emails": [email], "portal_access": true }),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    let id = contact["id"].as_i64().unwrap();

    // Invited from a Russian page: a Russian mail, and the link's page and portal in Russian.
    let subject = newest_mail(&app, email, "portal_invitation")
        .await
        .expect("an invitation mail")
        .subject;
    assert!(
        subject.chars().any(|c| ('а'..='я').contains(&c)),
        "{subject}"
    );
    let token = invitation_token(&app, email).await.unwrap();
    let path = format!("/api/v1/auth/invitations/{token}");
    let (s, info) = anonymous(&app, Method::GET, &path, None).await;
    assert_eq!((s, info["language"].as_str()), (200, Some("ru")), "{info}");

    // Asked again by an English-speaking colleague before the customer signed in: English.
    let path = format!("/api/v1/contacts/{id}/invitation");
    let (s, again) = app.post(&path, &john.token, json!(null)).await;
    assert_eq!(s, 201, "{again}");
    let subject = newest_mail(&app, email, "portal_invitation")
        .await
        .expect("an invitation mail")
        .subject;
    assert!(subject.is_ascii(), "{subject}");
    let token = invitation_token(&app, email).await.unwrap();
    let (s, accepted) = anonymous(
        &app,
        Method::POST,
        "/api/v1/auth/invitations/accept",
        Some(json!({ "token": token, "password": "a long new password" })),
    )
    .await;
    assert_eq!(s, 200, "{accepted}");
    let access = accepted["access_token"].as_str().unwrap();
    let (s, me) = app.get("/api/v1/me", access).await;
    assert_eq!(
        (s.as_u16(), me["language"].as_str()),
        (200, Some("en")),
        "{me}"
    );
}

#[tokio::test]
async fn the_invitation_speaks_the_inviting_agents_language_sqlite() {
    the_invitation_speaks_the_inviting_agents_language(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn the_invitation_speaks_the_inviting_agents_language_postgres() {
    the_invitation_speaks_the_inviting_agents_language(TestBackend::Postgres).await;
}
