//! Workflow rules: triggers, conditions, actions in order, each rule once per event, what they
//! did in the stream, and the built-in rule that tells the first line of new portal cases.

use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend};
use serde_json::{json, Value};

use crate::org_with_contact;

async fn drain(app: &TestApp) {
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
}

fn system_notes(stream: &Value) -> Vec<String> {
    stream["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "system")
        .filter_map(|e| e["body"].as_str().map(str::to_owned))
        .collect()
}

async fn rules_run_in_order_once_per_event(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.notify.mail_from = Some("Helpdesk <support@helpdesk.test>".into());
    })
    .await;
    let admin = app.user(Role::Admin, None, None).await;
    let anna = app.user(Role::Agent, Some(1), None).await;
    let boris = app.user(Role::Agent, Some(1), None).await;
    let (s, team) = app
        .post(
            "/api/v1/teams",
            &admin.token,
            json!({ "name": "First line", "support_line": 1, "member_ids": [anna.id, boris.id] }),
        )
        .await;
    assert_eq!(s, 201);
    let team = team["id"].as_i64().unwrap();
    let (_, contact) = org_with_contact(&app, &anna, "Acme").await;

    // Bad rules are refused, naming the field; agents do not write rules.
    let (s, problem) = app
        .post(
            "/api/v1/workflow-rules",
            &admin.token,
            json!({ "name": "x", "trigger": "case_created",
            "conditions": [{ "field": "password", "op": "equals", "value": "x" }],
            "actions": [{ "type": "escalate" }] }),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        problem["errors"].get("conditions[0].field").is_some(),
        "{problem}"
    );
    let (s, _) = app
        .post(
            "/api/v1/workflow-rules",
            &admin.token,
            json!({ "name": "x", "trigger": "case_created",
            "actions": [{ "type": "format_disk" }] }),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .post(
            "/api/v1/workflow-rules",
            &anna.token,
            json!({ "name": "x", "trigger": "case_created", "actions": [{ "type": "escalate" }] }),
        )
        .await;
    assert_eq!(s, 403);

    let rules = [
        json!({ "name": "Outage", "position": 10, "trigger": "case_created", "match_all": false,
                "conditions": [{ "field": "subject", "op": "contains", "value": "outage" },
                               { "field": "tags", "op": "contains", "value": "outage" }],
                "actions": [{ "type": "set_priority", "priority": "urgent" },
                            { "type": "add_tags", "tags": ["outage"] },
                            { "type": "assign_round_robin", "team_id": team }] }),
        // Sees what the rule before it did.
        json!({ "name": "Urgent", "position": 20, "trigger": "case_created",
                "conditions": [{ "field": "priority", "op": "equals", "value": "urgent" }],
                "actions": [{ "type": "notify_users", "user_ids": [boris.id], "text": "Urgent case" }] }),
        json!({ "name": "Off", "position": 30, "trigger": "case_created", "active": false,
                "actions": [{ "type": "set_priority", "priority": "low" }] }),
        // Changes made by rules start no rules.
        json!({ "name": "Loop", "position": 40, "trigger": "case_updated",
                "actions": [{ "type": "add_tags", "tags": ["touched"] }] }),
        json!({ "name": "Survey", "trigger": "status_changed",
                "conditions": [{ "field": "status", "op": "changed_to", "value": "resolved" }],
                "actions": [{ "type": "send_email", "subject": "How did we do on {number}?", "body": "Tell us about «{subject}»." }] }),
        json!({ "name": "Replied", "trigger": "message_received",
                "actions": [{ "type": "add_tags", "tags": ["customer-replied"] }] }),
    ];
    for r in rules {
        let (s, created) = app.post("/api/v1/workflow-rules", &admin.token, r).await;
        assert_eq!(s, 201, "{created}");
    }
    let (_, list) = app.get("/api/v1/workflow-rules", &anna.token).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "New portal case: tell the team"),
        "the built-in rule is listed: {list}"
    );

    let (s, case) = app
        .post(
            "/api/v1/cases",
            &admin.token,
            json!({ "subject": "Network outage in Kazan", "requester_id": contact }),
        )
        .await;
    assert_eq!(s, 201);
    let id = case["id"].as_i64().unwrap();
    drain(&app).await;
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &anna.token).await;
    assert_eq!(case["priority"], "urgent");
    assert_eq!(
        case["tags"],
        json!(["outage"]),
        "the case_updated rule did not run on a rule's change"
    );
    // Every change a rule made is an event, as any other change (webhooks and live feeds).
    let db = app.services.db.clone();
    let events = tokio::task::spawn_blocking(move || {
        db.read(|c| helpdesk_store::events::for_aggregate(c, "case", id))
    })
    .await
    .unwrap()
    .unwrap();
    for field in ["\"priority\"", "\"tags\"", "\"assignee_id\""] {
        assert!(
            events
                .iter()
                .any(|e| e.payload.contains(field) && e.payload.contains("by_rule")),
            "no rule event with {field}: {:?}",
            events
                .iter()
                .map(|e| (&e.event_type, &e.payload))
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(case["assignee_id"], anna.id, "first of the rotation");
    let (_, stream) = app
        .get(&format!("/api/v1/cases/{id}/stream?limit=100"), &anna.token)
        .await;
    let notes = system_notes(&stream);
    let outage: Vec<&String> = notes
        .iter()
        .filter(|n| n.starts_with("Rule «Outage»"))
        .collect();
    assert_eq!(outage.len(), 1, "{notes:?}");
    assert!(
        outage[0].contains("priority urgent") && outage[0].contains("assigned to"),
        "{}",
        outage[0]
    );
    assert!(
        notes.iter().any(|n| n.starts_with("Rule «Urgent»")),
        "{notes:?}"
    );
    // The same as data, for the app to say in the reader's language.
    let said = stream["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["body"]
                .as_str()
                .unwrap_or("")
                .starts_with("Rule «Outage»")
        })
        .map(|e| e["events"].clone())
        .unwrap();
    let (_, anna_me) = app.get("/api/v1/me", &anna.token).await;
    assert_eq!(said[0]["code"], "rule", "{said}");
    assert_eq!(said[0]["name"], "Outage", "{said}");
    assert_eq!(
        said[0]["outcomes"],
        json!([
            { "code": "priority_set", "priority": "urgent" },
            { "code": "tags_added", "tags": ["outage"] },
            { "code": "assigned", "user_id": anna.id, "name": anna_me["name"] },
        ]),
        "{said}"
    );
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("«Off»") || n.contains("«Loop»")),
        "{notes:?}"
    );
    let (_, inbox) = app.get("/api/v1/notifications", &boris.token).await;
    assert!(inbox.to_string().contains("Urgent case"), "{inbox}");

    // A customer's message and a resolution start their rules.
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (s, _) = app
        .post(
            &format!("/api/v1/portal/cases/{id}/messages"),
            &customer.token,
            json!({ "body": "Still down" }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/actions/resolve"),
            &anna.token,
            json!({ "resolution": "router replaced" }),
        )
        .await;
    assert_eq!(s, 200);
    drain(&app).await;
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &anna.token).await;
    assert_eq!(case["tags"], json!(["outage", "customer-replied"]));
    let (_, stream) = app
        .get(&format!("/api/v1/cases/{id}/stream?limit=100"), &anna.token)
        .await;
    let notes = system_notes(&stream);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("Rule «Survey»") && n.contains("email to acme@example.test")),
        "{notes:?}"
    );

    // The built-in rule: a new portal case reaches the first line's members.
    let (s, _) = app
        .post(
            "/api/v1/portal/cases",
            &customer.token,
            json!({ "subject": "Printer jammed" }),
        )
        .await;
    assert_eq!(s, 201);
    drain(&app).await;
    for agent in [&anna, &boris] {
        let (_, inbox) = app.get("/api/v1/notifications", &agent.token).await;
        assert!(inbox.to_string().contains("New portal case"), "{inbox}");
    }
}

#[tokio::test]
async fn rules_run_in_order_once_per_event_sqlite() {
    rules_run_in_order_once_per_event(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn rules_run_in_order_once_per_event_postgres() {
    rules_run_in_order_once_per_event(TestBackend::Postgres).await;
}

async fn time_in_status_rules(backend: TestBackend) {
    let clock = std::sync::Arc::new(helpdesk_service::ManualClock::default());
    let handle = clock.clone();
    let app = TestApp::spawn_customized(backend, Default::default(), move |svc| {
        svc.clock = handle;
    })
    .await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Acme").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (s, problem) = app
        .post(
            "/api/v1/workflow-rules",
            &admin.token,
            json!({ "name": "Nudge", "trigger": "time_in_status",
            "actions": [{ "type": "add_tags", "tags": ["nudged"] }] }),
        )
        .await;
    assert_eq!(s, 422, "minutes are required: {problem}");
    assert!(
        problem["errors"].get("after_minutes").is_some(),
        "{problem}"
    );
    let (s, rule) = app
        .post(
            "/api/v1/workflow-rules",
            &admin.token,
            json!({ "name": "Nudge", "trigger": "time_in_status", "after_minutes": 60,
            "conditions": [{ "field": "status", "op": "equals", "value": "awaiting_customer" }],
            "actions": [{ "type": "add_tags", "tags": ["nudged"] }] }),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    assert_eq!(rule["after_minutes"], 60);
    let run = || {
        let svc = app.services.clone();
        async move {
            tokio::task::spawn_blocking(move || svc.run_time_rules())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let tags = |id: i64| {
        let (app, token) = (&app, agent.token.clone());
        async move { app.get(&format!("/api/v1/cases/{id}"), &token).await.1["tags"].clone() }
    };
    let mut ids = Vec::new();
    for subject in ["Quiet", "Answered"] {
        let (_, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": subject, "requester_id": contact }),
            )
            .await;
        let id = case["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/cases/{id}/stream"),
            &agent.token,
            json!({ "kind": "public", "body": "Which version?" }),
        )
        .await;
        ids.push(id);
    }
    drain(&app).await;
    clock.advance(chrono::Duration::minutes(30));
    assert_eq!(run().await, 0);
    // The second customer answers, and is asked again ten minutes later: a new hour starts.
    app.post(
        &format!("/api/v1/portal/cases/{}/messages", ids[1]),
        &customer.token,
        json!({ "body": "5.2" }),
    )
    .await;
    clock.advance(chrono::Duration::minutes(10));
    app.post(
        &format!("/api/v1/cases/{}/stream", ids[1]),
        &agent.token,
        json!({ "kind": "public", "body": "Logs?" }),
    )
    .await;
    drain(&app).await;
    clock.advance(chrono::Duration::minutes(21));
    assert_eq!(
        run().await,
        1,
        "an hour in awaiting_customer: only the quiet case"
    );
    assert_eq!(tags(ids[0]).await, json!(["nudged"]));
    assert_eq!(tags(ids[1]).await, json!([]));
    assert_eq!(run().await, 0, "once");
    clock.advance(chrono::Duration::minutes(40));
    assert_eq!(run().await, 1);
    assert_eq!(tags(ids[1]).await, json!(["nudged"]));
}

#[tokio::test]
async fn time_in_status_rules_sqlite() {
    time_in_status_rules(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn time_in_status_rules_postgres() {
    time_in_status_rules(TestBackend::Postgres).await;
}
