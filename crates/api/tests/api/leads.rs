//! Leads: create with checked phones and emails, auto numbers, filters, copy, mass edit and
//! delete, comments, and conversion into an organization, a contact and a first case — all or
//! nothing.

use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::{json, Value};

use crate::{ids, org_with_contact};

api_test!(async fn leads_are_kept_found_and_edited(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, p) = app.post("/api/v1/leads", &agent.token,
        json!({ "last_name": "Orlov", "phones": ["12"], "emails": ["not-mail"] })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["phones[0]"].is_array() && p["errors"]["emails[0]"].is_array(), "{p}");
    let (s, p) = app.post("/api/v1/leads", &agent.token, json!({ "last_name": "X", "status": "converted" })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["status"].is_array());

    let (s, a) = app.post("/api/v1/leads", &agent.token, json!({
        "first_name": "Oleg", "last_name": "Orlov", "organization_name": "Orlov & Sons",
        "phones": ["+7 (495) 123-45-67"], "emails": ["Oleg@Orlov.test"], "source": "exhibition",
        "rating": "hot", "annual_revenue": 5000000, "employees": 40,
        "social_profiles": ["https://t.me/orlov"], "owner_id": agent.id })).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["phones"], json!(["+74951234567"]));
    assert_eq!(a["emails"], json!(["oleg@orlov.test"]));
    assert_eq!(a["status"], "new");
    assert_eq!(a["created_by_id"], agent.id);
    let (_, b) = app.post("/api/v1/leads", &agent.token, json!({ "last_name": "Belova", "source": "web" })).await;
    assert_eq!(b["number"].as_i64().unwrap(), a["number"].as_i64().unwrap() + 1);

    // Filters.
    let (_, l) = app.get("/api/v1/leads?q=orlov", &agent.token).await;
    assert_eq!(ids(&l), [a["id"].as_i64().unwrap()]);
    let (_, l) = app.get("/api/v1/leads?source=web", &agent.token).await;
    assert_eq!(ids(&l), [b["id"].as_i64().unwrap()]);
    let (_, l) = app.get(&format!("/api/v1/leads?owner_id={}", agent.id), &agent.token).await;
    assert_eq!(ids(&l), [a["id"].as_i64().unwrap()]);

    // Copy: a new lead with the same fields.
    let (s, copy) = app.post(&format!("/api/v1/leads/{}/copy", a["id"]), &agent.token, json!({})).await;
    assert_eq!(s, 201);
    assert_ne!(copy["id"], a["id"]);
    assert_eq!(copy["organization_name"], "Orlov & Sons");
    assert_eq!(copy["emails"], a["emails"]);

    // Mass edit and mass delete.
    let (s, r) = app.post("/api/v1/leads/mass-update", &agent.token,
        json!({ "ids": [a["id"], b["id"]], "status": "contacted" })).await;
    assert_eq!((s.as_u16(), r["affected"].as_i64()), (200, Some(2)));
    let (_, l) = app.get("/api/v1/leads?status=contacted", &agent.token).await;
    assert_eq!(l["items"].as_array().unwrap().len(), 2);
    app.post(&format!("/api/v1/leads/{}/comments", copy["id"]), &agent.token, json!({ "body": "dup" })).await;
    let (s, r) = app.post("/api/v1/leads/mass-delete", &agent.token, json!({ "ids": [copy["id"], b["id"]] })).await;
    assert_eq!((s.as_u16(), r["affected"].as_i64()), (200, Some(2)));
    let (s, _) = app.get(&format!("/api/v1/leads/{}", copy["id"]), &agent.token).await;
    assert_eq!(s, 404);

    // Comments on leads, organizations and contacts; agents only.
    let (org, contact) = org_with_contact(&app, &agent, "Commented").await;
    for path in [format!("/api/v1/leads/{}/comments", a["id"]), format!("/api/v1/organizations/{org}/comments"), format!("/api/v1/contacts/{contact}/comments")] {
        let (s, c) = app.post(&path, &agent.token, json!({ "body": "Called, asked for a quote" })).await;
        assert_eq!(s, 201, "{path}: {c}");
        assert_eq!(c["author_id"], agent.id);
        let (_, list) = app.get(&path, &agent.token).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{path}");
    }
    let portal = app.user(Role::Portal, None, Some(contact)).await;
    let (s, _) = app.get(&format!("/api/v1/contacts/{contact}/comments"), &portal.token).await;
    assert_eq!(s, 403);
    let (s, _) = app.get("/api/v1/leads/999999/comments", &agent.token).await;
    assert_eq!(s, 404);
});

async fn count(app: &helpdesk_test_support::TestApp, token: &str, path: &str) -> usize {
    let (_, l) = app.get(&format!("{path}?limit=200"), token).await;
    l["items"].as_array().unwrap().len()
}

api_test!(async fn conversion_makes_everything_or_nothing(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, lead) = app.post("/api/v1/leads", &agent.token, json!({
        "first_name": "Irina", "last_name": "Volkova", "organization_name": "Volkov Logistics",
        "title": "CIO", "phones": ["+74951112233"], "emails": ["irina@volkov.test"],
        "website": "https://volkov.test", "industry": "Logistics" })).await;
    let id = lead["id"].as_i64().unwrap();

    // A failure half-way (an unknown contact to link) leaves nothing behind.
    let orgs_before = count(&app, &agent.token, "/api/v1/organizations").await;
    let (s, p) = app.post(&format!("/api/v1/leads/{id}/convert"), &agent.token, json!({ "contact_id": 999999 })).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(count(&app, &agent.token, "/api/v1/organizations").await, orgs_before, "no organization left over");
    let (_, still) = app.get(&format!("/api/v1/leads/{id}"), &agent.token).await;
    assert_eq!(still["status"], "new");

    // The conversion: organization, contact and a first case.
    let (s, done) = app.post(&format!("/api/v1/leads/{id}/convert"), &agent.token,
        json!({ "first_case": { "subject": "Onboarding", "description": "Set up their account" } })).await;
    assert_eq!(s, 200, "{done}");
    let org = done["organization_id"].as_i64().unwrap();
    let contact = done["contact_id"].as_i64().unwrap();
    let case = done["case_id"].as_i64().unwrap();
    assert_eq!(done["lead"]["status"], "converted");
    assert_eq!(done["lead"]["converted_contact_id"], contact);
    let (_, o) = app.get(&format!("/api/v1/organizations/{org}"), &agent.token).await;
    assert_eq!(o["name"], "Volkov Logistics");
    assert_eq!(o["website"], "https://volkov.test");
    assert_eq!(o["from_lead_id"], id);
    let (_, c) = app.get(&format!("/api/v1/contacts/{contact}"), &agent.token).await;
    assert_eq!((c["first_name"].as_str(), c["last_name"].as_str()), (Some("Irina"), Some("Volkova")));
    assert_eq!(c["emails"], json!(["irina@volkov.test"]));
    assert_eq!(c["phones"], json!(["+74951112233"]));
    assert_eq!(c["organization_id"], org);
    assert_eq!(c["from_lead_id"], id);
    let (_, k) = app.get(&format!("/api/v1/cases/{case}"), &agent.token).await;
    assert_eq!(k["requester_id"], contact);
    assert_eq!(k["organization_id"], org);

    // The lead stays readable, and is converted once only.
    let (s, read) = app.get(&format!("/api/v1/leads/{id}"), &agent.token).await;
    assert_eq!((s.as_u16(), &read["status"]), (200, &Value::from("converted")));
    let (s, _) = app.post(&format!("/api/v1/leads/{id}/convert"), &agent.token, json!({})).await;
    assert_eq!(s, 409);
    let (s, _) = app.call(reqwest::Method::PUT, &format!("/api/v1/leads/{id}"), Some(&agent.token),
        Some(&json!({ "last_name": "Changed" }))).await;
    assert_eq!(s, 409);

    // Linking to an existing organization instead of creating one.
    let (existing, _) = org_with_contact(&app, &agent, "Existing").await;
    let (_, second) = app.post("/api/v1/leads", &agent.token, json!({ "last_name": "Petrov", "organization_name": "Existing Ltd" })).await;
    let orgs_before = count(&app, &agent.token, "/api/v1/organizations").await;
    let (s, linked) = app.post(&format!("/api/v1/leads/{}/convert", second["id"]), &agent.token,
        json!({ "organization_id": existing })).await;
    assert_eq!(s, 200, "{linked}");
    assert_eq!(linked["organization_id"], existing);
    assert!(linked["case_id"].is_null());
    assert_eq!(count(&app, &agent.token, "/api/v1/organizations").await, orgs_before);
    let (_, c) = app.get(&format!("/api/v1/contacts/{}", linked["contact_id"]), &agent.token).await;
    assert_eq!(c["organization_id"], existing);
    let (_, o) = app.get(&format!("/api/v1/organizations/{existing}"), &agent.token).await;
    assert!(o["from_lead_id"].is_null(), "a linked organization is not marked");
});
