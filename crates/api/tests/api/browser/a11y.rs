//! Accessibility: axe-core finds no serious or critical violation on the queue, a case, the
//! new-case form, the admin screens and the portal (home, a case, a new case), in English and
//! in Russian; an entry arriving in an open case is told to a screen reader.

use super::*;

async fn pages_pass_axe(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Axe").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Screen reader cannot read the form", "requester_id": contact,
                    "description": "Every field is announced as 'edit text'." }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();

    let (_driver, c) = browser().await;
    let mut found = Vec::new();
    let mut check = |page: &'static str, list: Vec<String>| {
        found.extend(list.into_iter().map(|v| format!("{page}: {v}")));
    };
    c.goto(&app.url("/queues/mine")).await.unwrap();
    check("sign-in", violations(&c).await);
    sign_in(&c, &agent).await;
    find(&c, "[data-test=case-row]").await;
    check("queue", violations(&c).await);
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    find(&c, "[data-test=case-details]").await;
    find(&c, "[data-test=stream] [data-test=entry]").await;
    check("case", violations(&c).await);
    // A message that arrives while the case is open is told to a screen reader, once.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &admin.token,
            json!({ "kind": "internal", "body": "It happens with the big form only." }),
        )
        .await;
    assert_eq!(s, 201);
    let mut told = Value::Null;
    for _ in 0..100 {
        told = c
            .execute(
                "return document.querySelector('[data-test=stream-arrived]').textContent;",
                vec![],
            )
            .await
            .unwrap();
        if told.as_str().is_some_and(|t| !t.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, who) = app
        .get(&format!("/api/v1/users/{}", admin.id), &admin.token)
        .await;
    assert_eq!(
        told,
        json!(format!(
            "New in the stream, from {}",
            who["name"].as_str().unwrap()
        ))
    );
    c.goto(&app.url("/cases/new")).await.unwrap();
    find(&c, "[data-test=case-type]").await;
    check("new case", violations(&c).await);
    // The same in Russian.
    click(&c, "[data-test=language]").await;
    text_until(&c, "[data-test=language]", |t| t == "English").await;
    check("new case (ru)", violations(&c).await);
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    find(&c, "[data-test=stream] [data-test=entry]").await;
    check("case (ru)", violations(&c).await);
    screenshot(&c, backend, "case-light-ru").await;
    click(&c, "[data-test=language]").await;
    text_until(&c, "[data-test=language]", |t| t == "Русский").await;
    sign_out(&c).await;

    c.goto(&app.url("/admin/users")).await.unwrap();
    sign_in(&c, &admin).await;
    find(&c, "table").await;
    check("admin", violations(&c).await);
    sign_out(&c).await;

    c.goto(&app.url("/portal")).await.unwrap();
    sign_in(&c, &customer).await;
    find(&c, "[data-test=portal-cases]").await;
    check("portal", violations(&c).await);
    c.goto(&app.url(&format!("/portal/cases/{id}")))
        .await
        .unwrap();
    find(&c, "[data-test=stream]").await;
    check("portal case", violations(&c).await);
    c.goto(&app.url("/portal/cases/new")).await.unwrap();
    find(&c, "form").await;
    check("portal new case", violations(&c).await);
    assert!(found.is_empty(), "{found:#?}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn pages_pass_axe_sqlite() {
    pages_pass_axe(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn pages_pass_axe_postgres() {
    pages_pass_axe(TestBackend::Postgres).await;
}
