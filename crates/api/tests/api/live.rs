//! The live feed (server-sent events).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use helpdesk_api_types::cases::NewCase;
use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, Actor};
use serde_json::{json, Value};

/// Reads `data:` payloads of the stream until `done` says so or `within` passes.
async fn read_events(
    resp: reqwest::Response,
    within: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    let mut body = resp.bytes_stream();
    let mut text = String::new();
    let mut events = Vec::new();
    while start.elapsed() < within && !done(&events) {
        let left = within.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, body.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            for line in frame.lines() {
                if let Some(data) = line.strip_prefix("data: ") {
                    events.push(serde_json::from_str(data).unwrap());
                }
            }
        }
    }
    events
}

api_test!(async fn a_change_in_another_process_reaches_the_feed_within_a_second(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let resp = app.client.get(app.url("/api/v1/live?wait_seconds=10"))
        .bearer_auth(&agent.token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");

    let agent_id = agent.id;
    let created = Instant::now();
    let case = app.in_other_process(move |svc| {
        let actor = Actor { user_id: agent_id, role: Role::Agent, contact_id: None, line: None, scopes: None, session_id: None, client: Default::default() };
        svc.create_case(&actor, &NewCase { subject: "From the worker".into(), ..Default::default() }).unwrap()
    }).await;
    let events = read_events(resp, Duration::from_secs(5), |evs| {
        evs.iter().any(|e| e["event_type"] == "case.created")
    }).await;
    let elapsed = created.elapsed();
    let ev = events.iter().find(|e| e["event_type"] == "case.created").expect("case.created arrives");
    assert_eq!(ev["case_id"], case.id);
    assert_eq!(ev["payload"]["number"], case.number);
    assert!(elapsed < Duration::from_secs(1), "arrived after {elapsed:?}");
});

api_test!(async fn the_feed_resumes_after_the_last_event_id_and_is_for_agents_only(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, first) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "one" })).await;
    let (_, second) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "two" })).await;
    // Everything from the start: both cases, in order; `wait_seconds=0` ends the stream.
    let resp = app.client.get(app.url("/api/v1/live?after=0&wait_seconds=0")).bearer_auth(&agent.token).send().await.unwrap();
    let all = read_events(resp, Duration::from_secs(5), |_| false).await;
    let created: Vec<&Value> = all.iter().filter(|e| e["event_type"] == "case.created").collect();
    assert_eq!(created.iter().map(|e| e["case_id"].clone()).collect::<Vec<_>>(), vec![first["id"].clone(), second["id"].clone()]);
    // Resuming after the first case's event delivers only what came later.
    let resp = app.client.get(app.url("/api/v1/live?wait_seconds=0")).bearer_auth(&agent.token)
        .header("Last-Event-ID", created[0]["id"].to_string()).send().await.unwrap();
    let later = read_events(resp, Duration::from_secs(5), |_| false).await;
    assert!(later.iter().all(|e| e["id"].as_i64() > created[0]["id"].as_i64()));
    assert!(later.iter().any(|e| e["case_id"] == second["id"]));

    let (_, contact) = crate::org_with_contact(&app, &agent, "Live").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (s, problem) = app.get("/api/v1/live?wait_seconds=0", &customer.token).await;
    assert_eq!(s, 403, "{problem}");
    let (s, problem) = app.get("/api/v1/live?wait_seconds=99999", &agent.token).await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["wait_seconds"].is_array());
});

api_test!(async fn the_feed_ends_when_its_session_does(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let resp = app.client.get(app.url("/api/v1/live?wait_seconds=60"))
        .bearer_auth(&agent.token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let (s, _) = app.patch(&format!("/api/v1/users/{}", agent.id), &admin.token, json!({ "active": false })).await;
    assert_eq!(s, 200);
    let disabled = Instant::now();
    // The stream closes within one session check (15 s) instead of running its 60 s.
    let mut body = resp.bytes_stream();
    let ended = tokio::time::timeout(Duration::from_secs(25), async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the feed of a disabled user ended");
    assert!(disabled.elapsed() < Duration::from_secs(20), "{:?}", disabled.elapsed());
    let (s, _) = app.get("/api/v1/live?wait_seconds=1", &agent.token).await;
    assert_eq!(s, 401, "and cannot reconnect");
});
