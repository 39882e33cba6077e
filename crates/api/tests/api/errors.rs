use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use serde_json::json;

api_test!(async fn malformed_and_oversized_bodies_get_problem_documents(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let send = |body: String, content_type: &'static str| {
        app.client.post(app.url("/api/v1/organizations")).bearer_auth(&agent.token)
            .header("content-type", content_type).body(body).send()
    };
    let r = send("{\"name\": ".into(), "application/json").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["type"], "/problems/malformed-request");

    let r = send("{\"name\": \"x\", \"colour\": \"red\"}".into(), "application/json").await.unwrap();
    assert_eq!(r.status(), 422, "unknown fields are refused");
    let p: serde_json::Value = r.json().await.unwrap();
    assert!(p["errors"]["colour"].is_array(), "{p}");

    let r = send("{\"name\": 5}".into(), "application/json").await.unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert!(p["errors"]["name"].is_array(), "a type error names its field, not the body: {p}");

    let r = send("name=x".into(), "application/x-www-form-urlencoded").await.unwrap();
    assert_eq!(r.status(), 415);

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 << 20));
    let r = send(huge, "application/json").await.unwrap();
    assert_eq!(r.status(), 413);

    let (s, p) = app.get("/api/v1/cases/not-a-number", &agent.token).await;
    assert_eq!(s, 404);
    assert_eq!(p["type"], "/problems/not-found");
    let (s, _) = app.get("/api/v1/cases?limit=0", &agent.token).await;
    assert_eq!(s, 422);
    let (s, _) = app.get("/api/v1/cases?limit=abc", &agent.token).await;
    assert_eq!(s, 400);
    let (s, p) = app.get("/api/v1/cases?cursor=garbage", &agent.token).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["cursor"].is_array());
});

api_test!(async fn validation_names_every_bad_field(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, p) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "", "support_line": 7 })).await;
    assert_eq!(s, 422);
    assert_eq!(p["type"], "/problems/validation");
    let errors = p["errors"].as_object().unwrap();
    assert!(errors.contains_key("subject") && errors.contains_key("support_line"), "{p}");
});

async fn health_readiness_metrics_and_docs(backend: TestBackend) {
    let app = TestApp::spawn_with(
        backend,
        AppConfig {
            metrics_token: Some("scrape-secret".into()),
            ..AppConfig::default()
        },
    )
    .await;
    let get = |path: &'static str| app.client.get(app.url(path)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().text().await.unwrap(), "ready");
    let _ = get("/api/v1/cases").await.unwrap();
    assert_eq!(
        get("/metrics").await.unwrap().status(),
        401,
        "metrics need the token"
    );
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secreT")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "helpdesk_http_requests_total{method=\"GET\",route=\"/api/v1/cases\",status=\"401\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("helpdesk_db_pool_connections"));
    let doc: serde_json::Value = get("/api/openapi.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/cases"].is_object());
    let docs = get("/api/docs/").await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "the docs page is served from vendored assets"
    );
}

#[tokio::test]
async fn health_readiness_metrics_and_docs_sqlite() {
    health_readiness_metrics_and_docs(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn health_readiness_metrics_and_docs_postgres() {
    health_readiness_metrics_and_docs(TestBackend::Postgres).await;
}

api_test!(async fn metrics_are_off_without_a_token(app) {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let p: serde_json::Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("HELPDESK_METRICS_TOKEN"), "{p}");
});

api_test!(async fn blank_text_is_refused_once_trimmed(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, p) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "   " })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["subject"][0].as_str().unwrap().contains("blank"), "{p}");
    let (s, p) = app.post("/api/v1/organizations", &agent.token, json!({ "name": " \t " })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["name"].is_array(), "{p}");
    let (s, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Real" })).await;
    assert_eq!(s, 201);
    let (s, p) = app.post(&format!("/api/v1/cases/{}/stream", case["id"]), &agent.token, json!({ "kind": "internal", "body": "  \n " })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["body"].is_array(), "{p}");
});

api_test!(async fn nul_characters_are_refused_not_crashed_on(app) {
    // PostgreSQL cannot store U+0000 in text; it must be a 422, never a 500, on both backends.
    let agent = app.user(Role::Agent, None, None).await;
    let (s, p) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Acme\u{0}Corp" })).await;
    assert_eq!(s, 422, "{p}");
    let (s, _) = app.get("/api/v1/cases?q=a%00b", &agent.token).await;
    assert_eq!(s, 422);
    let (s, list) = app.get("/api/v1/organizations", &agent.token).await;
    assert_eq!(s, 200);
    assert!(list["items"].as_array().unwrap().is_empty(), "nothing half-written");
});

api_test!(async fn type_errors_name_the_field_wherever_it_is(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, p) = app.post("/api/v1/cases", &agent.token, json!({ "subject": 123 })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["subject"].is_array(), "{p}");
    let (s, p) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Ivan", "last_name": "P", "emails": ["a@b.test", 7] })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["emails[1]"].is_array(), "{p}");
    // Spread over lines, as a person would write it.
    let text = "{\n  \"first_name\": \"Ivan\",\n  \"last_name\": [\"P\"]\n}";
    let r = app.client.post(app.url("/api/v1/contacts")).bearer_auth(&agent.token)
        .header("content-type", "application/json").body(text).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert!(p["errors"]["last_name"].is_array(), "{p}");
    let (s, p) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Ivan" })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["last_name"].is_array(), "a missing field is named: {p}");
});

api_test!(async fn nul_characters_are_refused_in_every_json_content_type(app) {
    let agent = app.user(Role::Agent, None, None).await;
    for content_type in ["text/json", "Application/JSON", "application/merge-patch+json", "application/json; charset=utf-8"] {
        let r = app.client.post(app.url("/api/v1/organizations")).bearer_auth(&agent.token)
            .header("content-type", content_type)
            .body(r#"{"name": "Acme\u0000Corp"}"#).send().await.unwrap();
        assert_eq!(r.status(), 422, "{content_type}");
        let p: serde_json::Value = r.json().await.unwrap();
        assert!(p["errors"]["name"].is_array(), "{content_type}: the field is named: {p}");
    }
    let (_, list) = app.get("/api/v1/organizations", &agent.token).await;
    assert!(list["items"].as_array().unwrap().is_empty(), "nothing stored: {list}");
});

// Every problem shape a client meets, as the client gets it (type, title, status, detail,
// field errors), kept as one snapshot for both databases: a changed title, a field error that
// moved or a detail that started leaking an internal text shows as a changed line in review.
api_test!(async fn every_problem_shape_as_a_client_sees_it(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (_, contact) = crate::org_with_contact(&app, &agent, "Shapes").await;
    let portal = app.user(Role::Portal, None, Some(contact)).await;
    let raw = |method: reqwest::Method, path: &str, content_type: &'static str, body: &'static str| {
        app.client.request(method, app.url(path)).bearer_auth(&agent.token)
            .header("content-type", content_type).body(body).send()
    };
    let mut shapes = Vec::new();
    let mut keep = |what: &str, status: reqwest::StatusCode, p: serde_json::Value| {
        shapes.push(json!({ "when": what, "status": status.as_u16(), "problem": p }));
    };

    let r = raw(reqwest::Method::POST, "/api/v1/organizations", "application/json", "{\"name\": ").await.unwrap();
    keep("a body that is not JSON", r.status(), r.json().await.unwrap());
    let (s, p) = app.call(reqwest::Method::GET, "/api/v1/cases", None, None).await;
    keep("no token", s, p);
    let (s, p) = app.get("/api/v1/cases", "not-a-token").await;
    keep("a token that is not one", s, p);
    let (s, p) = app.post("/api/v1/users", &agent.token, json!({ "email": "x@example.test", "name": "X", "role": "admin" })).await;
    keep("an agent creating an account", s, p);
    let (s, p) = app.get("/api/v1/cases", &portal.token).await;
    keep("a customer at the agents' case list", s, p);
    let (s, p) = app.get("/api/v1/cases/999999", &agent.token).await;
    keep("a case that does not exist", s, p);
    let (s, p) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "", "support_line": 7 })).await;
    keep("fields that break their rules", s, p);
    let (s, p) = app.post("/api/v1/cases", &agent.token, json!({ "subject": 123 })).await;
    keep("a field of the wrong type", s, p);
    let (s, p) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "s", "colour": "red" })).await;
    keep("a field that does not exist", s, p);
    let (s, p) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Acme\u{0}" })).await;
    keep("text holding U+0000", s, p);
    let r = raw(reqwest::Method::POST, "/api/v1/organizations", "text/plain", "name=Acme").await.unwrap();
    keep("a body that is not JSON by its type", r.status(), r.json().await.unwrap());
    let (s, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Printer" })).await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let (s, p) = app.post(&format!("/api/v1/cases/{id}/actions/reopen"), &agent.token, json!({})).await;
    keep("an action the status does not allow", s, p);

    let text = serde_json::to_string_pretty(&shapes).unwrap();
    insta::assert_snapshot!("problem_shapes", text);
});

// A caller that prefers Russian (the app sends its user's language) reads every problem in
// Russian: title, detail and each field's message; the types stay as they are.
api_test!(async fn problems_come_in_the_language_asked_for(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let ask = |path: &str, language: Option<&'static str>, body: Option<serde_json::Value>| {
        let mut req = match &body {
            Some(b) => app.client.post(app.url(path)).json(b),
            None => app.client.get(app.url(path)),
        }
        .bearer_auth(&agent.token);
        if let Some(l) = language {
            req = req.header("accept-language", l);
        }
        req.send()
    };
    let bad_case = json!({ "subject": "", "support_line": 7 });
    let r = ask("/api/v1/cases", Some("ru-RU,ru;q=0.9,en;q=0.8"), Some(bad_case.clone())).await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-language"], "ru");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["type"], "/problems/validation");
    assert_eq!(p["title"], "В запросе неверные поля");
    assert_eq!(p["detail"], "проверьте: subject, support_line");
    assert_eq!(p["errors"]["subject"][0], "длина должна быть от 1 до 500");
    assert_eq!(p["errors"]["support_line"][0], "должно быть от 1 до 3");

    let r = ask("/api/v1/organizations", Some("ru"), Some(json!({ "name": "Ромашка", "inn": "7707083890" }))).await.unwrap();
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"]["inn"][0], "контрольные цифры ИНН не сходятся", "{p}");
    let r = ask("/api/v1/cases/999999", Some("ru"), None).await.unwrap();
    assert_eq!(r.status(), 404);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["detail"], "не найдено: обращение");
    let r = ask("/api/v1/cases", Some("ru"), Some(json!({ "subject": 123 }))).await.unwrap();
    let p: serde_json::Value = r.json().await.unwrap();
    let typed = p["errors"]["subject"][0].as_str().unwrap();
    assert!(typed.starts_with("неверный тип: integer `123`, ожидается a string"), "{typed}");

    // Without the header, or asking for English, the reference texts.
    for language in [None, Some("en-GB,en;q=0.9")] {
        let r = ask("/api/v1/cases", language, Some(bad_case.clone())).await.unwrap();
        assert!(r.headers().get("content-language").is_none());
        let p: serde_json::Value = r.json().await.unwrap();
        assert_eq!(p["title"], "The request has invalid fields");
        assert_eq!(p["errors"]["subject"][0], "length must be between 1 and 500");
    }
});

// A stored list that does not parse (written by hand, or by a bug) is an error the API reports
// as such, never an empty list that the next save would write back over the real data.
api_test!(async fn unreadable_stored_json_is_an_error_not_an_empty_list(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, case) = app
        .post("/api/v1/cases", &agent.token, json!({ "subject": "Tagged", "tags": ["vip"] }))
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let (_, read) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(read["tags"], json!(["vip"]));
    let corrupt = format!("UPDATE cases SET tags = 'vip, gold' WHERE id = {id}");
    app.sql(&corrupt, &corrupt).await;
    let (s, problem) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(s, 500, "{problem}");
    assert_eq!(problem["type"], "/problems/internal");
    assert!(problem.get("tags").is_none(), "{problem}");
});
