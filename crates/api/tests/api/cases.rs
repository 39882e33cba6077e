use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::json;

use crate::{ids, org_with_contact};

api_test!(async fn first_line_agent_registers_and_owns_a_case(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (org, contact) = org_with_contact(&app, &agent, "Acme").await;
    let (s, case) = app.post("/api/v1/cases", &agent.token, json!({
        "subject": "Printer is on fire", "description": "Smoke from tray 2", "requester_id": contact, "channel": "phone",
    })).await;
    assert_eq!(s, 201, "{case}");
    assert!(case["number"].as_i64().unwrap() >= 1000);
    assert_eq!(case["assignee_id"], agent.id);
    assert_eq!(case["status"], "open");
    assert_eq!(case["organization_id"], org, "organization taken from the requester");
    assert_eq!(case["contact_ids"], json!([contact]));
    assert_eq!(case["case_type"], "consultation");
    let id = case["id"].as_i64().unwrap();
    let (s, stream) = app.get(&format!("/api/v1/cases/{id}/stream"), &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(stream["items"][0]["body"], "Smoke from tray 2", "the description opens the stream");
});

api_test!(async fn second_line_agent_case_waits_in_the_queue(app) {
    let agent = app.user(Role::Agent, Some(2), None).await;
    let (s, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Queue me" })).await;
    assert_eq!(s, 201);
    assert_eq!(case["assignee_id"], json!(null));
    assert_eq!(case["status"], "new");
    assert_eq!(case["support_line"], 2);
});

api_test!(async fn case_numbers_are_unique_and_ascending(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let mut numbers = Vec::new();
    for i in 0..5 {
        let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": format!("case {i}") })).await;
        numbers.push(case["number"].as_i64().unwrap());
    }
    let mut sorted = numbers.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(numbers, sorted);
});

api_test!(async fn types_other_than_consultation_need_a_contract(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (org, contact) = org_with_contact(&app, &agent, "Contracted").await;
    let (_, product) = app.post("/api/v1/products", &admin.token, json!({ "name": "Suite", "components": ["Core"] })).await;
    let product = product["id"].as_i64().unwrap();
    let body = json!({ "subject": "Crash", "case_type": "error", "requester_id": contact, "product_id": product });
    let (s, problem) = app.post("/api/v1/cases", &agent.token, body.clone()).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["case_type"][0].as_str().unwrap().contains("contract"), "{problem}");
    let (s, _) = app.post("/api/v1/contracts", &admin.token, json!({
        "organization_id": org, "product_id": product, "number": "K-1", "starts_on": "2020-01-01",
    })).await;
    assert_eq!(s, 201);
    let (s, case) = app.post("/api/v1/cases", &agent.token, body).await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["case_type"], "error");
});

api_test!(async fn the_status_machine_refuses_with_409(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "s" })).await;
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}/status");
    let (s, _) = app.post(&path, &agent.token, json!({ "status": "resolved" })).await;
    assert_eq!(s, 200);
    let (s, problem) = app.post(&path, &agent.token, json!({ "status": "on_hold" })).await;
    assert_eq!(s, 409);
    assert_eq!(problem["type"], "/problems/invalid-transition");
    assert_eq!(problem["detail"], "a case cannot go from `resolved` to `on_hold`");
    let (s, _) = app.post(&path, &agent.token, json!({ "status": "closed" })).await;
    assert_eq!(s, 200);
    let (s, _) = app.patch(&format!("/api/v1/cases/{id}"), &agent.token, json!({ "subject": "edit a closed case" })).await;
    assert_eq!(s, 409);
    let (_, stream) = app.get(&format!("/api/v1/cases/{id}/stream"), &agent.token).await;
    let system: Vec<&str> = stream["items"].as_array().unwrap().iter()
        .filter(|e| e["kind"] == "system").map(|e| e["body"].as_str().unwrap()).collect();
    assert_eq!(system, ["Status: open → resolved", "Status: resolved → closed"]);
});

api_test!(async fn filters_and_keyset_pages(app) {
    let agent = app.user(Role::Agent, Some(2), None).await;
    let other = app.user(Role::Agent, Some(1), None).await;
    let (org, contact) = org_with_contact(&app, &agent, "Filtered").await;
    let mut all = Vec::new();
    for (i, prio) in ["low", "high", "high", "urgent", "normal"].iter().enumerate() {
        let (_, c) = app.post("/api/v1/cases", &agent.token, json!({
            "subject": format!("VPN issue {i}"), "priority": prio, "requester_id": if i % 2 == 0 { Some(contact) } else { None },
        })).await;
        all.push(c["id"].as_i64().unwrap());
    }
    app.post("/api/v1/cases", &other.token, json!({ "subject": "Mine" })).await;
    let (_, high) = app.get("/api/v1/cases?priority=high,urgent", &agent.token).await;
    assert_eq!(ids(&high), vec![all[3], all[2], all[1]]);
    let (_, by_org) = app.get(&format!("/api/v1/cases?organization_id={org}"), &agent.token).await;
    assert_eq!(ids(&by_org), vec![all[4], all[2], all[0]]);
    let (_, unassigned) = app.get("/api/v1/cases?assignee=none&q=vpn", &agent.token).await;
    assert_eq!(ids(&unassigned).len(), 5);
    let (_, mine) = app.get("/api/v1/cases?assignee=me", &other.token).await;
    assert_eq!(ids(&mine).len(), 1);
    let (_, p1) = app.get("/api/v1/cases?q=VPN&limit=2", &agent.token).await;
    let cursor = p1["next_cursor"].as_str().unwrap().to_owned();
    let (_, p2) = app.get(&format!("/api/v1/cases?q=VPN&limit=2&cursor={cursor}"), &agent.token).await;
    let (_, p3) = app.get(&format!("/api/v1/cases?q=VPN&limit=2&cursor={}", p2["next_cursor"].as_str().unwrap()), &agent.token).await;
    assert_eq!(p3["next_cursor"], json!(null));
    let paged: Vec<i64> = [ids(&p1), ids(&p2), ids(&p3)].concat();
    let mut expected = all.clone();
    expected.reverse();
    assert_eq!(paged, expected);
    let (s, problem) = app.get("/api/v1/cases?status=pending", &agent.token).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["status"].is_array());
});

api_test!(async fn internal_notes_and_replies_join_the_stream(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "s" })).await;
    let path = format!("/api/v1/cases/{}/stream", case["id"]);
    let (s, note) = app.post(&path, &agent.token, json!({ "kind": "internal", "body": "call the vendor" })).await;
    assert_eq!(s, 201);
    assert_eq!(note["kind"], "internal");
    let (s, _) = app.post(&path, &agent.token, json!({ "kind": "system", "body": "forged" })).await;
    assert_eq!(s, 422);
    let (_, stream) = app.get(&path, &agent.token).await;
    assert_eq!(stream["items"].as_array().unwrap().len(), 1);
});

api_test!(async fn assigning_a_new_case_opens_it_and_says_so(app) {
    let agent = app.user(Role::Agent, Some(2), None).await;
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "s" })).await;
    let id = case["id"].as_i64().unwrap();
    let (s, updated) = app.patch(&format!("/api/v1/cases/{id}"), &agent.token, json!({ "assignee_id": agent.id, "tags": ["VPN", "vpn", " urgent "] })).await;
    assert_eq!(s, 200, "{updated}");
    assert_eq!(updated["status"], "open");
    assert_eq!(updated["tags"], json!(["vpn", "urgent"]));
    let (s, problem) = app.patch(&format!("/api/v1/cases/{id}"), &agent.token, json!({ "assignee_id": 999999 })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["assignee_id"].is_array());
});

api_test!(async fn queues_count_the_agents_saved_views(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let me = app.user(Role::Agent, Some(1), None).await;
    let other = app.user(Role::Agent, Some(2), None).await;
    let (s, team) = app.post("/api/v1/teams", &admin.token, json!({ "name": "Support", "support_line": 1, "member_ids": [me.id] })).await;
    assert_eq!(s, 201, "{team}");
    let team = team["id"].as_i64().unwrap();
    // Mine (open), unassigned on the team (new), mine awaiting the customer, a closed one.
    let (_, mine) = app.post("/api/v1/cases", &me.token, json!({ "subject": "mine" })).await;
    let (_, queued) = app.post("/api/v1/cases", &other.token, json!({ "subject": "queued", "team_id": team })).await;
    assert_eq!(queued["assignee_id"], json!(null), "{queued}");
    let (_, waiting) = app.post("/api/v1/cases", &me.token, json!({ "subject": "waiting" })).await;
    let (s, reply) = app.post(&format!("/api/v1/cases/{}/stream", waiting["id"]), &me.token, json!({ "kind": "public", "body": "Does it work now?" })).await;
    assert_eq!(s, 201, "{reply}");
    let (_, done) = app.post("/api/v1/cases", &me.token, json!({ "subject": "done" })).await;
    let (s, _) = app.post(&format!("/api/v1/cases/{}/status", done["id"]), &me.token, json!({ "status": "closed" })).await;
    assert_eq!(s, 200);

    let (s, q) = app.get("/api/v1/queues", &me.token).await;
    assert_eq!(s, 200, "{q}");
    let views: Vec<(String, i64, String)> = q["views"].as_array().unwrap().iter()
        .map(|v| (v["key"].as_str().unwrap().to_owned(), v["count"].as_i64().unwrap(), v["query"].as_str().unwrap().to_owned()))
        .collect();
    let keys: Vec<&str> = views.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(keys, ["mine", "unassigned", "team", "awaiting_customer", "breaching_sla", "all_open"]);
    let count = |k: &str| views.iter().find(|v| v.0 == k).unwrap().1;
    assert_eq!(count("mine"), 2, "mine and waiting");
    assert_eq!(count("unassigned"), 1);
    assert_eq!(count("team"), 1);
    assert_eq!(count("awaiting_customer"), 1);
    assert_eq!(count("breaching_sla"), 0, "no SLA policy, no deadlines");
    assert_eq!(count("all_open"), 3, "the closed case is not open work");
    // Each view's query lists exactly the cases it counted.
    for (key, n, query) in &views {
        let (s, page) = app.get(&format!("/api/v1/cases?{query}&limit=200"), &me.token).await;
        assert_eq!(s, 200, "{key}: {page}");
        assert_eq!(page["items"].as_array().unwrap().len() as i64, *n, "{key}");
    }
    let (_, unassigned) = app.get(&format!("/api/v1/cases?{}", views[1].2), &me.token).await;
    assert_eq!(unassigned["items"][0]["id"], queued["id"]);
    let (_, my_list) = app.get(&format!("/api/v1/cases?{}", views[0].2), &me.token).await;
    let my_ids: Vec<&serde_json::Value> = my_list["items"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert_eq!(my_ids, [&waiting["id"], &mine["id"]], "newest first");
    // An agent without a team has no team view.
    let (_, q) = app.get("/api/v1/queues", &other.token).await;
    assert!(q["views"].as_array().unwrap().iter().all(|v| v["key"] != "team"), "{q}");
});
