//! `Idempotency-Key`: a retried creating request gets the first answer instead of creating
//! twice; another request under the same key is refused; keys are per user and last 24 hours;
//! the change and its kept answer commit together.

use std::sync::Arc;

use helpdesk_api_types::Role;
use helpdesk_service::ManualClock;
use helpdesk_test_support::{TestApp, TestBackend};
use serde_json::{json, Value};

async fn post_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    path: &str,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let resp = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let replayed = resp
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, resp.json().await.unwrap_or(Value::Null))
}

async fn subjects(app: &TestApp, token: &str, subject: &str) -> usize {
    let (_, list) = app
        .get(&format!("/api/v1/cases?q={subject}&limit=200"), token)
        .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["subject"] == subject)
        .count()
}

async fn retries_create_once(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let c = clock.clone();
    let app =
        TestApp::spawn_customized(backend, Default::default(), move |svc| svc.clock = c).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let other = app.user(Role::Agent, Some(1), None).await;
    let body = json!({ "subject": "Printer on fire" });

    let (s, replayed, first) =
        post_with_key(&app, &agent.token, "key-1", "/api/v1/cases", &body).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(replayed.as_deref(), Some("false"));
    let (s, replayed, again) =
        post_with_key(&app, &agent.token, "key-1", "/api/v1/cases", &body).await;
    assert_eq!(s, 201);
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(again, first, "the same answer, the same case");
    assert_eq!(subjects(&app, &agent.token, "Printer on fire").await, 1);

    // The same key with another request is refused, naming the header.
    let (s, _, problem) = post_with_key(
        &app,
        &agent.token,
        "key-1",
        "/api/v1/cases",
        &json!({ "subject": "Something else" }),
    )
    .await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["Idempotency-Key"].is_array(), "{problem}");
    assert_eq!(subjects(&app, &agent.token, "Something else").await, 0);

    // Keys are per user: another agent's key-1 is another request.
    let (s, replayed, theirs) =
        post_with_key(&app, &other.token, "key-1", "/api/v1/cases", &body).await;
    assert_eq!(s, 201);
    assert_eq!(replayed.as_deref(), Some("false"));
    assert_ne!(theirs["id"], first["id"]);

    // A refused request is remembered too: its retry gets the same refusal.
    let bad = json!({ "subject": "" });
    let (s, _, p1) = post_with_key(&app, &agent.token, "key-2", "/api/v1/cases", &bad).await;
    assert_eq!(s, 422);
    let (s, replayed, p2) = post_with_key(&app, &agent.token, "key-2", "/api/v1/cases", &bad).await;
    assert_eq!((s, replayed.as_deref()), (422, Some("true")));
    assert_eq!(p1, p2);

    // Bad keys are refused before anything happens.
    let (s, _, problem) = post_with_key(
        &app,
        &agent.token,
        "has spaces",
        "/api/v1/cases",
        &json!({ "subject": "Bad key" }),
    )
    .await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["Idempotency-Key"].is_array());
    assert_eq!(subjects(&app, &agent.token, "Bad key").await, 0);

    // Many retries at once create one case, and each gets its answer: the later ones wait for
    // the first to commit and replay it (no 409 to retry on).
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/cases"),
                agent.token.clone(),
            );
            tokio::spawn(async move {
                let resp = client
                    .post(url)
                    .bearer_auth(token)
                    .header("Idempotency-Key", "key-race")
                    .json(&json!({ "subject": "Raced" }))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                (status, resp.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        let (s, answer) = t.await.unwrap();
        assert_eq!(s, 201, "{answer}");
        ids.push(answer["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one case, the same answer for all: {ids:?}");
    assert_eq!(subjects(&app, &agent.token, "Raced").await, 1);

    // After 24 hours the key is forgotten: the same request creates again.
    clock.advance(chrono::Duration::hours(25));
    let svc = app.services.clone();
    let purged = tokio::task::spawn_blocking(move || svc.purge_idempotency_keys())
        .await
        .unwrap()
        .unwrap();
    assert!(purged >= 3, "{purged}");
    let fresh = app.login(&agent.email, &agent.password).await.1;
    let token = fresh["access_token"].as_str().unwrap();
    let (s, replayed, later) = post_with_key(&app, token, "key-1", "/api/v1/cases", &body).await;
    assert_eq!((s, replayed.as_deref()), (201, Some("false")));
    assert_ne!(later["id"], first["id"]);
}

#[tokio::test]
async fn retries_create_once_sqlite() {
    retries_create_once(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn retries_create_once_postgres() {
    retries_create_once(TestBackend::Postgres).await;
}

/// The kept answer commits with the change: when keeping the answer fails, the case is not
/// created either, the caller is told so (5xx), and a retry with the same key creates it once.
async fn change_and_answer_commit_together(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    app.sql(
        "CREATE FUNCTION refuse_answers() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'answers refused'; END $$; \
         CREATE TRIGGER refuse_answers BEFORE UPDATE ON idempotency_keys \
         FOR EACH ROW EXECUTE FUNCTION refuse_answers();",
        "CREATE TRIGGER refuse_answers BEFORE UPDATE ON idempotency_keys \
         BEGIN SELECT RAISE(ABORT, 'answers refused'); END;",
    )
    .await;
    let body = json!({ "subject": "All or nothing" });
    let (s, _, problem) =
        post_with_key(&app, &agent.token, "key-atomic", "/api/v1/cases", &body).await;
    assert!(s >= 500, "{s} {problem}");
    assert_eq!(
        subjects(&app, &agent.token, "All or nothing").await,
        0,
        "no case without its kept answer"
    );
    app.sql(
        "DROP TRIGGER refuse_answers ON idempotency_keys; DROP FUNCTION refuse_answers();",
        "DROP TRIGGER refuse_answers;",
    )
    .await;
    let (s, replayed, created) =
        post_with_key(&app, &agent.token, "key-atomic", "/api/v1/cases", &body).await;
    assert_eq!((s, replayed.as_deref()), (201, Some("false")), "{created}");
    let (s, replayed, again) =
        post_with_key(&app, &agent.token, "key-atomic", "/api/v1/cases", &body).await;
    assert_eq!((s, replayed.as_deref()), (201, Some("true")));
    assert_eq!(again["id"], created["id"]);
    assert_eq!(subjects(&app, &agent.token, "All or nothing").await, 1);
}

#[tokio::test]
async fn change_and_answer_commit_together_sqlite() {
    change_and_answer_commit_together(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn change_and_answer_commit_together_postgres() {
    change_and_answer_commit_together(TestBackend::Postgres).await;
}
