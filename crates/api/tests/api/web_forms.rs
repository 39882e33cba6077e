//! Public web forms: a submission from an allowed website becomes a case on the `web_form`
//! channel with the sender's contact (found by email or created) and a registration email;
//! CORS for the allowed origins only, the honeypot, files, and the per-address limit.

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend};
use serde_json::{json, Value};

const SHOP: &str = "https://www.shop.test";

async fn submit(
    app: &TestApp,
    key: &str,
    origin: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/forms/{key}/submissions")))
        .json(body);
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.json().await.unwrap_or(Value::Null))
}

fn visitor(email: &str, subject: &str) -> Value {
    json!({ "name": "Анна Петрова", "email": email, "subject": subject, "text": "Заказ не пришёл" })
}

async fn drain(app: &TestApp) {
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
}

async fn a_website_registers_cases(backend: TestBackend) {
    let app = TestApp::spawn_customized(
        backend,
        AppConfig {
            form_rate_per_minute: 5,
            ..AppConfig::default()
        },
        |svc| svc.notify.mail_from = Some("Support <support@helpdesk.test>".into()),
    )
    .await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, team) = app
        .post("/api/v1/teams", &admin.token, json!({ "name": "Web" }))
        .await;
    let (s, problem) = app
        .post(
            "/api/v1/web-forms",
            &admin.token,
            json!({ "name": "Shop", "allowed_origins": ["shop.test/contact"] }),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        problem["errors"]["allowed_origins[0]"].is_array(),
        "{problem}"
    );
    let (s, form) = app.post("/api/v1/web-forms", &admin.token, json!({
        "name": "Shop", "allowed_origins": ["https://WWW.shop.test/"], "team_id": team["id"], "priority": "high" })).await;
    assert_eq!(s, 201, "{form}");
    assert_eq!(form["allowed_origins"], json!([SHOP]));
    let key = form["key"].as_str().unwrap().to_owned();

    // From the allowed site: a case with the sender as requester, the form's team and priority.
    let (s, headers, receipt) = submit(
        &app,
        &key,
        Some(SHOP),
        &visitor("anna@buyer.test", "Где мой заказ?"),
    )
    .await;
    assert_eq!(s, 201, "{receipt}");
    assert_eq!(headers["access-control-allow-origin"], SHOP);
    let number = receipt["number"].as_i64().unwrap();
    let (_, list) = app.get("/api/v1/cases?q=Где мой заказ", &agent.token).await;
    let case = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .unwrap()
        .clone();
    assert_eq!(case["channel"], "web_form");
    assert_eq!(case["priority"], "high");
    assert_eq!(case["team_id"], team["id"]);
    assert!(case["assignee_id"].is_null());
    let contact = case["requester_id"].as_i64().unwrap();
    let (_, c) = app
        .get(&format!("/api/v1/contacts/{contact}"), &agent.token)
        .await;
    assert_eq!(c["emails"], json!(["anna@buyer.test"]));
    assert_eq!(c["last_name"], "Петрова");
    // The sender gets the registration email; integrators hear of the new contact.
    drain(&app).await;
    let db = app.services.db.clone();
    let events = tokio::task::spawn_blocking(move || {
        db.read(|c| helpdesk_store::events::for_aggregate(c, "contact", contact))
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["contact.created"]
    );
    let id = case["id"].as_i64().unwrap();
    let db = app.services.db.clone();
    let mails = tokio::task::spawn_blocking(move || {
        db.read(|c| helpdesk_store::notifications::mails_of_case(c, id))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        mails
            .iter()
            .any(|m| m.recipient == "anna@buyer.test" && m.subject.contains(&number.to_string())),
        "{mails:?}"
    );

    // The same sender again: the same contact, a new case.
    let (s, _, second) = submit(&app, &key, None, &visitor("ANNA@buyer.test", "Ещё вопрос")).await;
    assert_eq!(s, 201);
    assert_ne!(second["number"], receipt["number"]);
    let (_, found) = app
        .get(
            "/api/v1/search?q=anna@buyer.test&kinds=contact",
            &agent.token,
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

    // Other websites are refused, in the preflight and in the post.
    let (s, _, _) = submit(
        &app,
        &key,
        Some("https://evil.test"),
        &visitor("x@evil.test", "Spam"),
    )
    .await;
    assert_eq!(s, 403);
    let pre = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                app.url(&format!("/api/v1/forms/{key}/submissions")),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let ok = pre(SHOP).await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], SHOP);
    assert_eq!(ok.headers()["access-control-allow-methods"], "POST");
    let no = pre("https://evil.test").await.unwrap();
    assert_eq!(no.status(), 403);
    assert!(no.headers().get("access-control-allow-origin").is_none());

    // The honeypot: a bot is thanked and nothing is stored.
    let mut bot = visitor("bot@spam.test", "Cheap pills");
    bot["website"] = json!("http://spam.test");
    let (s, _, r) = submit(&app, &key, Some(SHOP), &bot).await;
    assert_eq!(s, 201);
    assert!(r["number"].is_null());
    let (_, found) = app.get("/api/v1/cases?q=Cheap pills", &agent.token).await;
    assert!(found["items"].as_array().unwrap().is_empty());

    // Bad fields are named.
    let (s, _, p) = submit(
        &app,
        &key,
        Some(SHOP),
        &json!({ "name": "", "email": "nope", "subject": "S", "text": "T" }),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        p["errors"]["email"].is_array() && p["errors"]["name"].is_array(),
        "{p}"
    );

    // The sixth post a minute from one address is refused (five are allowed here).
    let (s, headers, p) = submit(&app, &key, Some(SHOP), &visitor("late@buyer.test", "Late")).await;
    assert_eq!(s, 429, "{p}");
    assert!(headers.get("retry-after").is_some());

    // Unknown keys are not found.
    let (s, _, _) = submit(&app, "wf_nope", None, &visitor("a@b.test", "x")).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_website_registers_cases_sqlite() {
    a_website_registers_cases(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn a_website_registers_cases_postgres() {
    a_website_registers_cases(TestBackend::Postgres).await;
}

async fn files_come_with_the_form(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, form) = app
        .post(
            "/api/v1/web-forms",
            &admin.token,
            json!({ "name": "Files" }),
        )
        .await;
    let key = form["key"].as_str().unwrap();
    let multipart = reqwest::multipart::Form::new()
        .text("name", "Bob Stone")
        .text("email", "bob@stone.test")
        .text("subject", "Screenshot attached")
        .text("text", "See the picture")
        .text("website", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"\x89PNG fake".to_vec())
                .file_name("screen.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/forms/{key}/submissions")))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let receipt: Value = resp.json().await.unwrap();
    let number = receipt["number"].as_i64().unwrap();
    let (_, list) = app.get("/api/v1/cases?q=Screenshot", &agent.token).await;
    let case = &list["items"][0];
    assert_eq!(case["number"], number);
    let (_, files) = app
        .get(
            &format!("/api/v1/cases/{}/attachments", case["id"]),
            &agent.token,
        )
        .await;
    assert_eq!(files[0]["filename"], "screen.png", "{files}");
    assert_eq!(files[0]["content_type"], "image/png");
    let (_, stream) = app
        .get(
            &format!("/api/v1/cases/{}/stream", case["id"]),
            &agent.token,
        )
        .await;
    assert_eq!(
        stream["items"][0]["attachments"][0]["filename"], "screen.png",
        "{stream}"
    );

    // A NUL in a field (which PostgreSQL cannot store) is refused at that field, with files.
    let multipart = reqwest::multipart::Form::new()
        .text("name", "Bob Stone")
        .text("email", "bob@stone.test")
        .text("subject", "Nul\0subject")
        .text("text", "See")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x\0y".to_vec()).file_name("a.txt"),
        );
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/forms/{key}/submissions")))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let problem: Value = resp.json().await.unwrap();
    assert!(problem["errors"]["subject"].is_array(), "{problem}");
    // A NUL in a file's name: refused, never a server error.
    let multipart = reqwest::multipart::Form::new()
        .text("name", "Bob Stone")
        .text("email", "bob@stone.test")
        .text("subject", "s")
        .text("text", "t")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a\0b.txt"),
        );
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/forms/{key}/submissions")))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // The same as a body without a JSON content type, past the guard for JSON bodies.
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/forms/{key}/submissions")))
        .body(r#"{"name": "Bob", "email": "bob@stone.test", "subject": "s", "text": "t\u0000"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let problem: Value = resp.json().await.unwrap();
    assert!(problem["errors"]["text"].is_array(), "{problem}");
}

#[tokio::test]
async fn files_come_with_the_form_sqlite() {
    files_come_with_the_form(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn files_come_with_the_form_postgres() {
    files_come_with_the_form(TestBackend::Postgres).await;
}
