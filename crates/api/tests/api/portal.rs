use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::json;

use crate::{ids, org_with_contact};

api_test!(async fn portal_users_see_only_their_own_cases_and_no_internal_notes(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact_a) = org_with_contact(&app, &agent, "Alpha").await;
    let (_, contact_b) = org_with_contact(&app, &agent, "Beta").await;
    let a = app.user(Role::Portal, None, Some(contact_a)).await;
    let b = app.user(Role::Portal, None, Some(contact_b)).await;

    let (s, case_a) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "A's case", "description": "hello", "requester_id": contact_a })).await;
    assert_eq!(s, 201);
    let id = case_a["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token, json!({ "kind": "internal", "body": "customer is difficult" })).await;
    app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token, json!({ "kind": "public", "body": "we are on it" })).await;
    app.post(&format!("/api/v1/cases/{id}/status"), &agent.token, json!({ "status": "awaiting_customer" })).await;

    let (s, list_a) = app.get("/api/v1/portal/cases", &a.token).await;
    assert_eq!(s, 200);
    assert_eq!(ids(&list_a), vec![id]);
    assert!(list_a["items"][0].get("assignee_id").is_none(), "no agent-side fields in the portal");
    let (_, list_b) = app.get("/api/v1/portal/cases", &b.token).await;
    assert!(ids(&list_b).is_empty());

    let (s, stream) = app.get(&format!("/api/v1/portal/cases/{id}/stream"), &a.token).await;
    assert_eq!(s, 200);
    let bodies: Vec<&str> = stream["items"].as_array().unwrap().iter().map(|e| e["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["hello", "we are on it"]);
    assert!(stream["items"].as_array().unwrap().iter().all(|e| e["kind"] == "public"));

    for path in [format!("/api/v1/portal/cases/{id}"), format!("/api/v1/portal/cases/{id}/stream")] {
        let (s, _) = app.get(&path, &b.token).await;
        assert_eq!(s, 404, "B must not learn that {path} exists");
    }
    let (s, _) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &b.token, json!({ "body": "hi" })).await;
    assert_eq!(s, 404);
});

api_test!(async fn portal_case_is_unassigned_and_new(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (org, contact) = org_with_contact(&app, &agent, "Gamma").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (s, case) = app.post("/api/v1/portal/cases", &customer.token, json!({ "subject": "Help", "description": "please" })).await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["status"], "new");
    assert_eq!(case["requester_id"], contact);
    assert_eq!(case["organization_id"], org);
    let (_, full) = app.get(&format!("/api/v1/cases/{}", case["id"]), &agent.token).await;
    assert_eq!(full["assignee_id"], json!(null));
    assert_eq!(full["channel"], "portal");
    let (s, msg) = app.post(&format!("/api/v1/portal/cases/{}/messages", case["id"]), &customer.token, json!({ "body": "any news?" })).await;
    assert_eq!(s, 201);
    assert_eq!(msg["kind"], "public");
    assert_eq!(msg["author_contact_id"], contact);
});

api_test!(async fn organization_visibility_is_opt_in(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (org, boss) = org_with_contact(&app, &agent, "Delta").await;
    let (_, colleague) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Olga", "last_name": "K", "organization_id": org, "portal_access": true })).await;
    let colleague = colleague["id"].as_i64().unwrap();
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "colleague's", "requester_id": colleague })).await;
    let portal = app.user(Role::Portal, None, Some(boss)).await;
    let (_, before) = app.get("/api/v1/portal/cases", &portal.token).await;
    assert!(ids(&before).is_empty());
    app.patch(&format!("/api/v1/contacts/{boss}"), &agent.token, json!({ "portal_sees_organization": true })).await;
    let (_, after) = app.get("/api/v1/portal/cases", &portal.token).await;
    assert_eq!(ids(&after), vec![case["id"].as_i64().unwrap()]);
    app.patch(&format!("/api/v1/contacts/{boss}"), &agent.token, json!({ "portal_access": false })).await;
    let (s, _) = app.get("/api/v1/portal/cases", &portal.token).await;
    assert_eq!(s, 401, "switching portal access off signs the customer out");
});

api_test!(async fn the_customer_closes_their_case_with_a_last_word(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Closers").await;
    let (_, other) = org_with_contact(&app, &agent, "Others").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let stranger = app.user(Role::Portal, None, Some(other)).await;
    let (s, case) = app.post("/api/v1/portal/cases", &customer.token, json!({ "subject": "Printer", "description": "it jams" })).await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let close = format!("/api/v1/portal/cases/{id}/close");

    // Another customer cannot learn the case exists; a blank last word is named.
    let (s, _) = app.post(&close, &stranger.token, json!({})).await;
    assert_eq!(s, 404);
    let (s, problem) = app.post(&close, &customer.token, json!({ "message": "   " })).await;
    assert_eq!(s, 422, "{problem}");
    assert!(problem["errors"]["message"].is_array(), "{problem}");
    let (_, still) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(still["status"], "new", "nothing changed by a refused close");

    let (s, closed) = app.post(&close, &customer.token, json!({ "message": "Found it: a paper clip." })).await;
    assert_eq!(s, 200, "{closed}");
    assert_eq!(closed["status"], "closed");

    // The agent reads the last word and who closed the case.
    let (_, full) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(full["status"], "closed");
    assert!(full["closed_at"].is_string(), "{full}");
    let (_, stream) = app.get(&format!("/api/v1/cases/{id}/stream"), &agent.token).await;
    let items = stream["items"].as_array().unwrap();
    let last_word = items.iter().find(|e| e["body"] == "Found it: a paper clip.").expect("the last word");
    assert_eq!((last_word["kind"].as_str(), last_word["author_contact_id"].as_i64()), (Some("public"), Some(contact)));
    let moved = items.iter().find(|e| e["kind"] == "system" && e["body"].as_str().unwrap_or("").contains("closed")).expect("a status entry");
    assert_eq!(moved["author_user_id"], customer.id, "{moved}");

    // Closing twice is a conflict; a message afterwards reopens the case as before.
    let (s, problem) = app.post(&close, &customer.token, json!({})).await;
    assert_eq!(s, 409, "{problem}");
    let (s, _) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &customer.token, json!({ "body": "It jams again" })).await;
    assert_eq!(s, 201);
    let (_, reopened) = app.get(&format!("/api/v1/portal/cases/{id}"), &customer.token).await;
    assert_eq!(reopened["status"], "open");
});
