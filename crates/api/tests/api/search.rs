//! Full-text search: ranking, snippets, stemming (PostgreSQL) or prefixes (SQLite), and what a
//! portal user may find.

use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::{json, Value};

fn kinds_ids(res: &Value) -> Vec<(String, i64)> {
    res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_owned(),
                h["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

api_test!(async fn search_ranks_highlights_and_respects_visibility(app) {
    let pg = app.db.url.starts_with("postgres");
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, org) = app.post("/api/v1/organizations", &agent.token,
        json!({ "name": "Рога и копыта", "inn": "7707083893" })).await;
    assert_eq!(s, 201, "{org}");
    let org_id = org["id"].as_i64().unwrap();
    let (_, a_contact) = app.post("/api/v1/contacts", &agent.token, json!({
        "first_name": "Пётр", "last_name": "Сидоров", "organization_id": org_id,
        "emails": ["petr@roga.test"], "portal_access": true })).await;
    let a_contact = a_contact["id"].as_i64().unwrap();
    let (_, b_contact) = app.post("/api/v1/contacts", &agent.token, json!({
        "first_name": "Jane", "last_name": "Doe", "emails": ["jane@else.test"], "portal_access": true })).await;
    let b_contact = b_contact["id"].as_i64().unwrap();
    let a = app.user(Role::Portal, None, Some(a_contact)).await;
    let b = app.user(Role::Portal, None, Some(b_contact)).await;

    let (_, case_a) = app.post("/api/v1/cases", &agent.token, json!({
        "subject": "Принтер не печатает", "description": "Бумага застревает в лотке",
        "requester_id": a_contact })).await;
    let case_a = case_a["id"].as_i64().unwrap();
    let (_, reply) = app.post(&format!("/api/v1/cases/{case_a}/stream"), &agent.token,
        json!({ "kind": "public", "body": "Замените картридж принтера" })).await;
    let (_, note) = app.post(&format!("/api/v1/cases/{case_a}/stream"), &agent.token,
        json!({ "kind": "internal", "body": "пароль администратора принтера: swordfish" })).await;
    let (_, case_b) = app.post("/api/v1/cases", &agent.token, json!({
        "subject": "Printer jams on every page", "description": "The tray keeps jamming",
        "requester_id": b_contact })).await;
    let case_b = case_b["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/cases/{case_b}/stream"), &agent.token,
        json!({ "kind": "public", "body": "Have you tried another printer driver?" })).await;
    let (_, xss) = app.post("/api/v1/cases", &agent.token, json!({
        "subject": "<script>alert(1)</script> scanner", "description": "" })).await;

    // Agents find everything; a subject match ranks above a passing mention in a message.
    let (s, res) = app.get("/api/v1/search?q=printer", &agent.token).await;
    assert_eq!(s, 200, "{res}");
    let hits = kinds_ids(&res);
    assert_eq!(hits[0], ("case".to_owned(), case_b), "{res}");
    assert!(hits.iter().any(|(k, _)| k == "message"), "{res}");
    let snippet = res["items"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>"), "{snippet}");

    // Internal notes are found by agents.
    let (_, res) = app.get("/api/v1/search?q=swordfish", &agent.token).await;
    assert_eq!(kinds_ids(&res), [("message".to_owned(), note["id"].as_i64().unwrap())]);
    assert_eq!(res["items"][0]["case_id"], case_a);

    // Russian: on PostgreSQL any form of the word; on SQLite the word or its beginning.
    let word = if pg { "принтеров" } else { "принтер" };
    let (_, res) = app.get(&format!("/api/v1/search?q={word}&kinds=case,message"), &agent.token).await;
    let hits = kinds_ids(&res);
    assert!(hits.contains(&("case".to_owned(), case_a)), "{word}: {res}");
    assert!(hits.contains(&("message".to_owned(), reply["id"].as_i64().unwrap())), "{word}: {res}");
    if pg {
        // English stemming too: "jammed" finds "jams" and "jamming".
        let (_, res) = app.get("/api/v1/search?q=jammed&kinds=case", &agent.token).await;
        assert_eq!(kinds_ids(&res), [("case".to_owned(), case_b)], "{res}");
    }

    // Contacts by name or address, organizations by name or INN.
    let (_, res) = app.get("/api/v1/search?q=Сидоров", &agent.token).await;
    assert!(kinds_ids(&res).contains(&("contact".to_owned(), a_contact)), "{res}");
    let (_, res) = app.get("/api/v1/search?q=jane@else.test&kinds=contact", &agent.token).await;
    assert_eq!(kinds_ids(&res), [("contact".to_owned(), b_contact)], "{res}");
    let (_, res) = app.get("/api/v1/search?q=7707083893", &agent.token).await;
    assert_eq!(kinds_ids(&res), [("organization".to_owned(), org_id)], "{res}");

    // Snippets are escaped: stored markup never comes back as markup.
    let (_, res) = app.get("/api/v1/search?q=scanner", &agent.token).await;
    assert_eq!(res["items"][0]["id"], xss["id"]);
    let snippet = res["items"][0]["snippet"].as_str().unwrap();
    // (PostgreSQL's headline drops tags; SQLite's keeps the text, escaped.)
    assert!(!snippet.contains("<script"), "{snippet}");
    assert!(pg || snippet.contains("&lt;script&gt;"), "{snippet}");

    // A portal user finds their case and its public reply, never the note or another's case.
    let (s, res) = app.get("/api/v1/portal/search?q=принтер", &a.token).await;
    assert_eq!(s, 200, "{res}");
    let hits = kinds_ids(&res);
    assert!(hits.contains(&("case".to_owned(), case_a)), "{res}");
    assert!(hits.contains(&("message".to_owned(), reply["id"].as_i64().unwrap())));
    assert!(!hits.contains(&("message".to_owned(), note["id"].as_i64().unwrap())), "{res}");
    let (_, res) = app.get("/api/v1/portal/search?q=swordfish", &a.token).await;
    assert!(res["items"].as_array().unwrap().is_empty(), "{res}");
    let (_, res) = app.get("/api/v1/portal/search?q=printer", &a.token).await;
    assert!(res["items"].as_array().unwrap().is_empty(), "B's case stays hidden: {res}");
    let (_, res) = app.get("/api/v1/portal/search?q=printer", &b.token).await;
    assert!(kinds_ids(&res).contains(&("case".to_owned(), case_b)));
    let (s, p) = app.get("/api/v1/portal/search?q=Сидоров&kinds=contact", &a.token).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["kinds"].is_array());
    // Portal users use the portal's search; agents the staff one.
    let (s, _) = app.get("/api/v1/search?q=printer", &a.token).await;
    assert_eq!(s, 403);
    let (s, p) = app.get("/api/v1/search?q=", &agent.token).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["q"].is_array());
});

api_test!(async fn search_finds_case_numbers_phones_inns_and_addresses_as_typed(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, org) = app.post("/api/v1/organizations", &agent.token, json!({
        "name": "Северный ветер", "inn": "7707083893", "phones": ["8 (495) 500-55-50"] })).await;
    let org_id = org["id"].as_i64().unwrap();
    let (_, contact) = app.post("/api/v1/contacts", &agent.token, json!({
        "first_name": "Анна", "last_name": "Полякова", "organization_id": org_id,
        "emails": ["anna.polyakova@veter.test"], "phones": ["+7 916 123-45-67 доб. 12"],
        "portal_access": true })).await;
    let contact_id = contact["id"].as_i64().unwrap();
    let (_, other) = app.post("/api/v1/contacts", &agent.token, json!({
        "first_name": "Олег", "last_name": "Иванов", "emails": ["oleg@else.test"] })).await;
    let other_id = other["id"].as_i64().unwrap();
    let (_, mine) = app.post("/api/v1/cases", &agent.token, json!({
        "subject": "Не приходят счета", "description": "", "requester_id": contact_id })).await;
    let (_, theirs) = app.post("/api/v1/cases", &agent.token, json!({
        "subject": "VPN drops", "description": "", "requester_id": other_id })).await;
    let number = mine["number"].as_i64().unwrap();

    // A case number, with or without its sign, finds that case first.
    for text in [format!("{number}"), format!("%23{number}"), format!("№{number}")] {
        let (s, res) = app.get(&format!("/api/v1/search?q={text}"), &agent.token).await;
        assert_eq!(s, 200, "{res}");
        assert_eq!(kinds_ids(&res)[0], ("case".to_owned(), mine["id"].as_i64().unwrap()), "{text}: {res}");
        assert_eq!(res["items"][0]["case_number"], number);
        assert_eq!(res["items"][0]["snippet"], format!("<mark>#{number}</mark>"));
    }
    // A phone as people write it — with the trunk 8, without the country code, in part.
    for text in ["8 (916) 123-45-67", "916 123 45 67", "%2B79161234567", "1234567"] {
        let (_, res) = app.get(&format!("/api/v1/search?q={text}&kinds=contact"), &agent.token).await;
        assert_eq!(kinds_ids(&res), [("contact".to_owned(), contact_id)], "{text}: {res}");
        assert_eq!(res["items"][0]["snippet"], "<mark>+79161234567;ext=12</mark>", "{text}");
    }
    let (_, res) = app.get("/api/v1/search?q=495 500-55-50", &agent.token).await;
    assert_eq!(kinds_ids(&res)[0], ("organization".to_owned(), org_id), "{res}");
    // An INN, and the start of an address being typed.
    let (_, res) = app.get("/api/v1/search?q=7707083893", &agent.token).await;
    assert_eq!(kinds_ids(&res)[0], ("organization".to_owned(), org_id), "{res}");
    assert_eq!(res["items"][0]["snippet"], "<mark>7707083893</mark>");
    let (_, res) = app.get("/api/v1/search?q=anna.pol@&kinds=contact", &agent.token).await;
    assert!(kinds_ids(&res).is_empty(), "an address is matched from its start: {res}");
    let (_, res) = app.get("/api/v1/search?q=anna.polyakova@ve&kinds=contact", &agent.token).await;
    assert_eq!(kinds_ids(&res), [("contact".to_owned(), contact_id)], "{res}");
    // Words as they are typed: the last one may be the start of a word.
    let (_, res) = app.get("/api/v1/search?q=Поляк&kinds=contact", &agent.token).await;
    assert_eq!(kinds_ids(&res), [("contact".to_owned(), contact_id)], "{res}");
    let (_, res) = app.get("/api/v1/search?q=vpn dr&kinds=case", &agent.token).await;
    assert_eq!(kinds_ids(&res), [("case".to_owned(), theirs["id"].as_i64().unwrap())], "{res}");

    // The portal: a number finds only the caller's own case; phones and INNs name nothing.
    let portal = app.user(Role::Portal, None, Some(contact_id)).await;
    let (_, res) = app.get(&format!("/api/v1/portal/search?q={number}"), &portal.token).await;
    assert_eq!(kinds_ids(&res)[0], ("case".to_owned(), mine["id"].as_i64().unwrap()), "{res}");
    let (_, res) = app.get(&format!("/api/v1/portal/search?q={}", theirs["number"]), &portal.token).await;
    assert!(!kinds_ids(&res).iter().any(|(k, _)| k == "case"), "another's case stays hidden: {res}");
});
