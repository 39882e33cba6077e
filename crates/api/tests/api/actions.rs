//! Case actions and the status rules of the stream, through the HTTP API.

use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestUser};
use serde_json::{json, Value};

use crate::{ids, org_with_contact};

async fn new_case(app: &TestApp, agent: &TestUser, body: Value) -> i64 {
    let (s, case) = app.post("/api/v1/cases", &agent.token, body).await;
    assert_eq!(s, 201, "{case}");
    case["id"].as_i64().unwrap()
}

async fn act(app: &TestApp, who: &TestUser, id: i64, action: &str, body: Value) -> (u16, Value) {
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{id}/actions/{action}"),
            &who.token,
            body,
        )
        .await;
    (s.as_u16(), v)
}

async fn stream_bodies(app: &TestApp, who: &TestUser, id: i64) -> Vec<(String, String)> {
    let (s, stream) = app
        .get(&format!("/api/v1/cases/{id}/stream?limit=200"), &who.token)
        .await;
    assert_eq!(s, 200, "{stream}");
    stream["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn status(app: &TestApp, who: &TestUser, id: i64) -> String {
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &who.token).await;
    case["status"].as_str().unwrap().to_owned()
}

async fn followers(app: &TestApp, who: &TestUser, id: i64) -> Vec<i64> {
    let (s, f) = app
        .get(&format!("/api/v1/cases/{id}/followers"), &who.token)
        .await;
    assert_eq!(s, 200, "{f}");
    f["user_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

api_test!(async fn take_and_assign_open_a_new_case_and_the_assignee_follows(app) {
    let second = app.user(Role::Agent, Some(2), None).await;
    let other = app.user(Role::Agent, Some(2), None).await;
    let id = new_case(&app, &second, json!({ "subject": "Queue" })).await;
    let (s, case) = act(&app, &other, id, "take", json!({})).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["assignee_id"], other.id);
    assert_eq!(case["status"], "open");
    assert_eq!(followers(&app, &other, id).await, vec![other.id]);

    let (s, case) = act(&app, &other, id, "assign", json!({ "assignee_id": second.id })).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["assignee_id"], second.id);
    assert_eq!(case["status"], "open", "reassigning keeps the status");
    assert_eq!(followers(&app, &other, id).await, vec![other.id, second.id]);
    let system: Vec<String> = stream_bodies(&app, &other, id).await.into_iter()
        .filter(|(k, _)| k == "system").map(|(_, b)| b).collect();
    assert!(system.iter().any(|b| b.starts_with("Assigned to")), "{system:?}");
    assert!(system.iter().any(|b| b == "Status: new → open"), "{system:?}");

    let (s, problem) = act(&app, &other, id, "assign", json!({})).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["assignee_id"].is_array(), "{problem}");
    let (_, customer_contact) = org_with_contact(&app, &other, "Assign").await;
    let customer = app.user(Role::Portal, None, Some(customer_contact)).await;
    let (s, problem) = act(&app, &other, id, "assign", json!({ "assignee_id": customer.id, "team_id": 999_999 })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["assignee_id"][0].as_str().unwrap().contains("not an active agent"), "{problem}");
    assert!(problem["errors"]["team_id"][0].as_str().unwrap().contains("does not exist"), "{problem}");
});

api_test!(async fn request_info_asks_the_customer_and_waits_for_their_answer(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Info").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let id = new_case(&app, &agent, json!({ "subject": "Slow", "requester_id": contact })).await;
    let (s, problem) = act(&app, &agent, id, "request-info", json!({})).await;
    assert_eq!(s, 422, "a request for information asks something: {problem}");
    assert!(problem["errors"]["note"].is_array(), "{problem}");
    let (s, case) = act(&app, &agent, id, "request-info", json!({ "note": "Which version do you run?" })).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["status"], "information_requested");
    let (_, stream) = app.get(&format!("/api/v1/portal/cases/{id}/stream"), &customer.token).await;
    let bodies: Vec<&str> = stream["items"].as_array().unwrap().iter().map(|e| e["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Which version do you run?"], "the customer sees the question, not the system entries");
    let (s, problem) = act(&app, &agent, id, "request-info", json!({ "note": "And the OS?" })).await;
    assert_eq!(s, 409);
    assert_eq!(problem["type"], "/problems/invalid-transition");
    assert_eq!(problem["detail"], "a case cannot go from `information_requested` to `information_requested`");
    // The waiting case is in the "awaiting customer" queue, and the customer's answer reopens it.
    let (_, q) = app.get("/api/v1/queues", &agent.token).await;
    let view = q["views"].as_array().unwrap().iter().find(|v| v["key"] == "awaiting_customer").unwrap().clone();
    assert_eq!(view["count"], 1, "{view}");
    let (s, answer) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &customer.token, json!({ "body": "Version 4.2" })).await;
    assert_eq!(s, 201, "{answer}");
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(case["status"], "open", "the answer hands the turn back");
});

api_test!(async fn request_info_can_ask_a_colleague_instead(app) {
    let agent = app.user(Role::Agent, Some(2), None).await;
    let first_line = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Colleague").await;
    let id = new_case(&app, &agent, json!({ "subject": "Escalated", "requester_id": contact })).await;
    let (_, before) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    let (s, problem) = act(&app, &agent, id, "request-info", json!({ "note": "Did you reboot it?", "ask": "colleague" })).await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["user_id"].is_array(), "{problem}");
    let (s, case) = act(&app, &agent, id, "request-info", json!({ "note": "Did you reboot it?", "ask": "colleague", "user_id": first_line.id })).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["status"], before["status"], "the customer still waits on us: the status stays");
    let (_, stream) = app.get(&format!("/api/v1/cases/{id}/stream"), &agent.token).await;
    let note = stream["items"].as_array().unwrap().iter().find(|e| e["kind"] == "internal").expect("an internal note").clone();
    let handle = first_line.email.split('@').next().unwrap();
    assert_eq!(note["body"], format!("@{handle} Did you reboot it?"));
    // A case with nobody to ask publicly says so.
    let lonely = new_case(&app, &agent, json!({ "subject": "No requester" })).await;
    let (s, problem) = act(&app, &agent, lonely, "request-info", json!({ "note": "Who are you?" })).await;
    assert_eq!(s, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("no requester"), "{problem}");
});

api_test!(async fn escalation_moves_the_case_to_the_next_lines_team(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, l2) = app.post("/api/v1/teams", &admin.token, json!({ "name": "Second line", "support_line": 2 })).await;
    let (_, l3) = app.post("/api/v1/teams", &admin.token, json!({ "name": "Third line", "support_line": 3 })).await;
    let id = new_case(&app, &agent, json!({ "subject": "Deep bug" })).await;
    let (s, problem) = act(&app, &agent, id, "escalate", json!({ "team_id": l3["id"] })).await;
    assert_eq!(s, 422, "a team of another line is refused");
    assert!(problem["errors"]["team_id"][0].as_str().unwrap().contains("line 2"), "{problem}");

    let (s, case) = act(&app, &agent, id, "escalate", json!({ "note": "Needs the DB team" })).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["support_line"], 2);
    assert_eq!(case["team_id"], l2["id"]);
    assert_eq!(case["assignee_id"], json!(null));
    assert!(followers(&app, &agent, id).await.contains(&agent.id), "the escalating agent stays a follower");
    assert!(stream_bodies(&app, &agent, id).await.contains(&("internal".into(), "Needs the DB team".into())));

    let (s, case) = act(&app, &agent, id, "escalate", json!({})).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["support_line"], 3);
    let (s, problem) = act(&app, &agent, id, "escalate", json!({})).await;
    assert_eq!(s, 409);
    assert!(problem["detail"].as_str().unwrap().contains("last"), "{problem}");
});

api_test!(async fn hold_resolve_close_reopen_and_reject(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Life").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let id = new_case(&app, &agent, json!({ "subject": "Cycle", "requester_id": contact })).await;
    let (s, case) = act(&app, &agent, id, "hold", json!({ "note": "Waiting for the vendor" })).await;
    assert_eq!((s, case["status"].as_str()), (200, Some("on_hold")));

    let (s, problem) = act(&app, &agent, id, "resolve", json!({ "resolution": "  " })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["resolution"].is_array(), "{problem}");
    let (s, case) = act(&app, &agent, id, "resolve", json!({ "resolution": "Vendor shipped a patch" })).await;
    assert_eq!(s, 200, "{case}");
    assert_eq!(case["status"], "resolved");
    assert_eq!(case["resolution"], "Vendor shipped a patch");
    let (_, portal) = app.get(&format!("/api/v1/portal/cases/{id}"), &customer.token).await;
    assert_eq!(portal["resolution"], "Vendor shipped a patch", "the customer sees how it was resolved");

    let (s, problem) = act(&app, &agent, id, "hold", json!({})).await;
    assert_eq!(s, 409, "a resolved case is not put on hold: {problem}");
    let (s, case) = act(&app, &agent, id, "close", json!({})).await;
    assert_eq!((s, case["status"].as_str()), (200, Some("closed")));
    assert!(case["closed_at"].is_string());
    let (s, _) = act(&app, &agent, id, "assign", json!({ "assignee_id": agent.id })).await;
    assert_eq!(s, 409, "a closed case is reopened before it is reassigned");

    let (s, case) = act(&app, &agent, id, "reopen", json!({ "note": "The patch broke printing" })).await;
    assert_eq!((s, case["status"].as_str()), (200, Some("open")));
    assert_eq!(case["closed_at"], json!(null));
    let (s, problem) = act(&app, &agent, id, "reopen", json!({})).await;
    assert_eq!(s, 409, "an open case is not reopened");
    assert_eq!(problem["type"], "/problems/invalid-transition");

    let (s, problem) = act(&app, &agent, id, "reject", json!({ "reason": "" })).await;
    assert_eq!(s, 422, "{problem}");
    let (s, case) = act(&app, &agent, id, "reject", json!({ "reason": "Duplicate of a vendor ticket" })).await;
    assert_eq!((s, case["status"].as_str()), (200, Some("rejected")));
    assert!(stream_bodies(&app, &agent, id).await.contains(&("system".into(), "Rejected: Duplicate of a vendor ticket".into())));
});

api_test!(async fn merge_moves_stream_contacts_and_followers(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let watcher = app.user(Role::Agent, Some(1), None).await;
    let (_, ca) = org_with_contact(&app, &agent, "MergeA").await;
    let (_, cb) = org_with_contact(&app, &agent, "MergeB").await;
    let customer_b = app.user(Role::Portal, None, Some(cb)).await;
    let target = new_case(&app, &agent, json!({ "subject": "Mail down", "description": "first report", "requester_id": ca })).await;
    let source = new_case(&app, &agent, json!({ "subject": "Mail down again", "description": "second report", "requester_id": cb })).await;
    app.post(&format!("/api/v1/cases/{source}/stream"), &agent.token, json!({ "kind": "internal", "body": "same outage" })).await;
    let (s, _) = app.call(reqwest::Method::PUT, &format!("/api/v1/cases/{source}/followers/me"), Some(&watcher.token), None).await;
    assert_eq!(s, 200);

    let (s, problem) = act(&app, &agent, source, "merge", json!({ "target_id": source })).await;
    assert_eq!(s, 422, "{problem}");
    let (s, problem) = act(&app, &agent, source, "merge", json!({ "target_id": 999_999 })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["target_id"].is_array(), "{problem}");

    let (s, problem) = act(&app, &agent, source, "merge", json!({ "target_number": 999_999 })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["target_number"][0].as_str().unwrap().contains("#999999"), "{problem}");
    let (s, problem) = act(&app, &agent, source, "merge", json!({})).await;
    assert_eq!(s, 422, "a target is named: {problem}");

    // The target is another organization's case: said plainly, merged only when confirmed.
    let (_, t) = app.get(&format!("/api/v1/cases/{target}"), &agent.token).await;
    let number = t["number"].as_i64().unwrap();
    let (s, problem) = act(&app, &agent, source, "merge", json!({ "target_number": number })).await;
    assert_eq!(s, 422, "{problem}");
    let why = problem["errors"]["confirm_other_organization"][0].as_str().unwrap();
    assert!(why.contains("MergeA") && why.contains(&format!("#{number}")), "{why}");
    assert!(stream_bodies(&app, &agent, target).await.iter().all(|(_, b)| b != "second report"), "nothing moved");
    let (s, found) = app.get(&format!("/api/v1/cases?number={number}"), &agent.token).await;
    assert_eq!((s.as_u16(), ids(&found)), (200, vec![target]), "a case is found by its number");

    let (s, merged) = act(&app, &agent, source, "merge", json!({ "target_number": number, "confirm_other_organization": true })).await;
    assert_eq!(s, 200, "{merged}");
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["merged_into_id"], target);
    let moved = stream_bodies(&app, &agent, target).await;
    for body in ["first report", "second report", "same outage"] {
        assert!(moved.iter().any(|(_, b)| b == body), "{body} moved: {moved:?}");
    }
    let left = stream_bodies(&app, &agent, source).await;
    assert_eq!(left.len(), 2, "the source keeps its status and merge entries: {left:?}");
    assert!(left.iter().all(|(k, _)| k == "system"));
    let (_, t) = app.get(&format!("/api/v1/cases/{target}"), &agent.token).await;
    assert_eq!(t["contact_ids"], json!([ca, cb]));
    assert!(followers(&app, &agent, target).await.contains(&watcher.id));

    // B's customer now follows the conversation in the target; the merged case is gone for them.
    let (s, _) = app.get(&format!("/api/v1/portal/cases/{source}"), &customer_b.token).await;
    assert_eq!(s, 404);
    let (_, list) = app.get("/api/v1/portal/cases", &customer_b.token).await;
    assert_eq!(ids(&list), vec![target]);

    let (s, _) = act(&app, &agent, source, "merge", json!({ "target_id": target })).await;
    assert_eq!(s, 409, "a merged case is final");
    let closed = new_case(&app, &agent, json!({ "subject": "done" })).await;
    act(&app, &agent, closed, "close", json!({})).await;
    let other = new_case(&app, &agent, json!({ "subject": "other" })).await;
    let (s, problem) = act(&app, &agent, other, "merge", json!({ "target_id": closed })).await;
    assert_eq!(s, 409, "{problem}");
});

api_test!(async fn follow_and_unfollow(app) {
    let agent = app.user(Role::Agent, Some(2), None).await;
    let id = new_case(&app, &agent, json!({ "subject": "Watch" })).await;
    assert!(followers(&app, &agent, id).await.is_empty(), "an unassigned case has no followers");
    for _ in 0..2 {
        let (s, f) = app.call(reqwest::Method::PUT, &format!("/api/v1/cases/{id}/followers/me"), Some(&agent.token), None).await;
        assert_eq!(s, 200);
        assert_eq!(f["user_ids"], json!([agent.id]), "following twice changes nothing");
    }
    let (s, f) = app.call(reqwest::Method::DELETE, &format!("/api/v1/cases/{id}/followers/me"), Some(&agent.token), None).await;
    assert_eq!(s, 200);
    assert_eq!(f["user_ids"], json!([]));
});

api_test!(async fn replies_move_the_status_and_internal_notes_do_not(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Rules").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let id = new_case(&app, &agent, json!({ "subject": "Rules", "requester_id": contact })).await;
    let post = |kind: &'static str| json!({ "kind": kind, "body": format!("{kind} entry") });
    app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token, post("internal")).await;
    assert_eq!(status(&app, &agent, id).await, "open", "an internal note changes nothing");
    app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token, post("public")).await;
    assert_eq!(status(&app, &agent, id).await, "awaiting_customer", "a public reply waits for the customer");
    let msg = |body: &str| json!({ "body": body });
    let (s, _) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &customer.token, msg("here you go")).await;
    assert_eq!(s, 201);
    assert_eq!(status(&app, &agent, id).await, "open", "the customer's answer reopens the work");

    for action in ["hold", "resolve"] {
        let body = if action == "resolve" { json!({ "resolution": "fixed" }) } else { json!({}) };
        act(&app, &agent, id, action, body).await;
        app.post(&format!("/api/v1/portal/cases/{id}/messages"), &customer.token, msg("still broken")).await;
        assert_eq!(status(&app, &agent, id).await, "open", "a message on a {action} case opens it");
    }

    // Closed recently: the message reopens the case.
    act(&app, &agent, id, "close", json!({})).await;
    let (s, entry) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &customer.token, msg("one more thing")).await;
    assert_eq!(s, 201);
    assert_eq!(entry["case_id"], id);
    assert_eq!(status(&app, &agent, id).await, "open");

    // Closed longer ago than the reopen window: a new case, linked to the old one.
    act(&app, &agent, id, "close", json!({})).await;
    app.backdate_closing(id, 30).await;
    let (s, entry) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &customer.token, msg("it is back")).await;
    assert_eq!(s, 201, "{entry}");
    let follow_up = entry["case_id"].as_i64().unwrap();
    assert_ne!(follow_up, id);
    let (_, case) = app.get(&format!("/api/v1/cases/{follow_up}"), &agent.token).await;
    assert_eq!(case["follow_up_of_id"], id);
    assert_eq!(case["status"], "new");
    assert_eq!(case["requester_id"], contact);
    assert_eq!(case["description"], "it is back");
    assert_eq!(status(&app, &agent, id).await, "closed", "the old case stays closed");
    let (_, list) = app.get("/api/v1/portal/cases", &customer.token).await;
    assert!(ids(&list).contains(&follow_up));
});

api_test!(async fn field_changes_are_audited_with_who_and_old_and_new(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (org, contact) = org_with_contact(&app, &agent, "Audit").await;
    let id = new_case(&app, &agent, json!({ "subject": "Before", "requester_id": contact })).await;
    app.patch(&format!("/api/v1/cases/{id}"), &agent.token, json!({ "subject": "After", "priority": "urgent" })).await;
    act(&app, &agent, id, "resolve", json!({ "resolution": "done" })).await;
    let (s, audit) = app.get(&format!("/api/v1/cases/{id}/audit"), &agent.token).await;
    assert_eq!(s, 200, "{audit}");
    let rows: Vec<(String, Value, Value, i64)> = audit["items"].as_array().unwrap().iter().map(|e| (
        e["field"].as_str().unwrap().to_owned(), e["old_value"].clone(), e["new_value"].clone(), e["actor_user_id"].as_i64().unwrap(),
    )).collect();
    let find = |f: &str| rows.iter().find(|r| r.0 == f).cloned().unwrap_or_else(|| panic!("no {f} in {rows:?}"));
    assert_eq!(find("subject"), ("subject".into(), json!("\"Before\""), json!("\"After\""), agent.id));
    assert_eq!(find("priority").1, json!("\"normal\""));
    assert_eq!(find("status").2, json!("\"resolved\""));
    assert_eq!(find("resolution").1, json!(null));
    assert!(rows.iter().all(|r| r.0 != "updated_at"), "timestamps of every write are not history");

    app.patch(&format!("/api/v1/organizations/{org}"), &agent.token, json!({ "industry": "Retail" })).await;
    let (_, audit) = app.get(&format!("/api/v1/organizations/{org}/audit"), &agent.token).await;
    assert_eq!(audit["items"][0]["field"], "industry");
    assert_eq!(audit["items"][0]["new_value"], "\"Retail\"");
    app.patch(&format!("/api/v1/contacts/{contact}"), &agent.token, json!({ "title": "CTO" })).await;
    let (_, audit) = app.get(&format!("/api/v1/contacts/{contact}/audit"), &agent.token).await;
    assert_eq!(audit["items"][0]["field"], "title");
    assert_eq!(audit["items"][0]["old_value"], json!(null));
    let (s, _) = app.get("/api/v1/contacts/999999/audit", &agent.token).await;
    assert_eq!(s, 404);
});

api_test!(async fn system_entries_say_what_happened_as_data(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, team) = app.post("/api/v1/teams", &admin.token, json!({ "name": "Printers", "support_line": 1 })).await;
    assert_eq!(s, 201, "{team}");
    let id = new_case(&app, &agent, json!({ "subject": "Data" })).await;
    let (s, _) = act(&app, &agent, id, "assign", json!({ "assignee_id": agent.id, "team_id": team["id"] })).await;
    assert_eq!(s, 200);
    let (s, _) = act(&app, &agent, id, "resolve", json!({ "resolution": "Roller replaced" })).await;
    assert_eq!(s, 200);

    let (_, stream) = app.get(&format!("/api/v1/cases/{id}/stream?limit=200"), &agent.token).await;
    let system: Vec<&Value> = stream["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "system").collect();
    let handoff = system.iter().find(|e| e["body"].as_str().unwrap().starts_with("Assigned to")).expect("the handoff");
    assert_eq!(handoff["body"], format!("Assigned to {}; Team: Printers", agent_name(&app, &agent).await));
    assert_eq!(handoff["events"], json!([
        { "code": "assigned", "user_id": agent.id, "name": agent_name(&app, &agent).await },
        { "code": "team_set", "team_id": team["id"], "name": "Printers" },
    ]));
    let resolved: Vec<&Value> = system.iter().flat_map(|e| e["events"].as_array().unwrap().iter()).collect();
    assert!(resolved.contains(&&json!({ "code": "status_changed", "from": "open", "to": "resolved" })), "{resolved:?}");
    assert!(resolved.contains(&&json!({ "code": "resolved", "resolution": "Roller replaced" })), "{resolved:?}");
    // Other entries carry no events.
    assert!(stream["items"].as_array().unwrap().iter().filter(|e| e["kind"] != "system").all(|e| e.get("events").is_none()));
});

async fn agent_name(app: &TestApp, who: &TestUser) -> String {
    let (_, me) = app.get("/api/v1/me", &who.token).await;
    me["name"].as_str().unwrap().to_owned()
}
