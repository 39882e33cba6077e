//! Merging organizations, contacts and leads: everything that pointed at the merged records
//! points at the survivor, the merged ones stay as tombstones whose ids still resolve, the
//! caller's field choices are kept, and a failure half-way leaves nothing half-merged.

use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::{json, Value};

use crate::ids;

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

api_test!(async fn merging_contacts_moves_cases_messages_emails_portal_users_and_comments(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, org) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Merge Co" })).await;
    let (_, keep) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Ivan", "last_name": "Petrov",
        "organization_id": id(&org), "emails": ["ivan@merge.test"], "phones": ["+7 495 111-22-33"] })).await;
    let (s, dup) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Ivan P.", "last_name": "Petrov",
        "title": "CTO", "emails": ["petrov@merge.test", "IVAN@merge.test"], "phones": ["+74951112233"],
        "portal_access": true, "do_not_call": true })).await;
    assert_eq!(s, 201);
    assert_eq!(dup["likely_duplicates"], json!([id(&keep)]), "{dup}");
    let (keep, dup) = (id(&keep), id(&dup));

    // The duplicate has a case (as requester), a case it shares with the survivor, a portal
    // login that wrote a message, and a comment.
    let (_, own) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Printer", "requester_id": dup })).await;
    let (_, shared) = app.post("/api/v1/cases", &agent.token,
        json!({ "subject": "Shared", "requester_id": keep, "contact_ids": [dup] })).await;
    let portal = app.user(Role::Portal, None, Some(dup)).await;
    let (s, _) = app.post(&format!("/api/v1/portal/cases/{}/messages", id(&own)), &portal.token,
        json!({ "body": "Any news?" })).await;
    assert_eq!(s, 201);
    app.post(&format!("/api/v1/contacts/{dup}/comments"), &agent.token, json!({ "body": "Prefers mail" })).await;

    let (s, m) = app.post("/api/v1/contacts/merge", &agent.token, json!({
        "survivor_id": keep, "merged_ids": [dup], "fields": { "first_name": keep, "title": dup } })).await;
    assert_eq!(s, 200, "{m}");
    let survivor = &m["survivor"];
    assert_eq!(survivor["id"], keep);
    assert_eq!(survivor["first_name"], "Ivan");
    assert_eq!(survivor["title"], "CTO");
    assert_eq!(survivor["organization_id"], id(&org));
    assert_eq!(survivor["emails"], json!(["ivan@merge.test", "petrov@merge.test"]));
    assert_eq!(survivor["phones"], json!(["+74951112233"]));
    assert_eq!((survivor["do_not_call"].as_bool(), survivor["portal_access"].as_bool()), (Some(true), Some(true)));
    assert_eq!(m["relinked"]["cases_as_requester"], 1, "{m}");
    assert_eq!(m["relinked"]["portal_users"], 1);
    assert_eq!(m["relinked"]["stream_entries"], 1);
    assert_eq!(m["relinked"]["comments"], 1);

    // The old id resolves to the survivor; lists and duplicate groups no longer show it.
    let (s, old) = app.get(&format!("/api/v1/contacts/{dup}"), &agent.token).await;
    assert_eq!((s.as_u16(), id(&old)), (200, keep));
    let (_, list) = app.get(&format!("/api/v1/contacts?organization_id={}", id(&org)), &agent.token).await;
    assert_eq!(ids(&list), [keep]);
    let (_, groups) = app.get("/api/v1/duplicates/contacts", &agent.token).await;
    assert_eq!(groups["groups"], json!([]));
    let (_, by_mail) = app.get("/api/v1/contacts?email=petrov@merge.test", &agent.token).await;
    assert_eq!(ids(&by_mail), [keep]);

    // Cases: the requester moved, the shared case lists the survivor once.
    let (_, c) = app.get(&format!("/api/v1/cases/{}", id(&own)), &agent.token).await;
    assert_eq!(c["requester_id"], keep, "{c}");
    let (_, c) = app.get(&format!("/api/v1/cases/{}", id(&shared)), &agent.token).await;
    assert_eq!(c["contact_ids"], json!([keep]), "{c}");
    let (_, stream) = app.get(&format!("/api/v1/cases/{}/stream", id(&own)), &agent.token).await;
    let authored: Vec<&Value> = stream["items"].as_array().unwrap().iter()
        .filter(|e| e["author_contact_id"].as_i64().is_some()).collect();
    assert!(!authored.is_empty() && authored.iter().all(|e| e["author_contact_id"] == keep), "{stream}");

    // The portal login now speaks for the survivor and still sees its case.
    let (s, mine) = app.get("/api/v1/portal/cases", &portal.token).await;
    assert_eq!(s, 200, "{mine}");
    assert!(ids(&mine).contains(&id(&own)), "{mine}");
    let (_, comments) = app.get(&format!("/api/v1/contacts/{keep}/comments"), &agent.token).await;
    assert_eq!(comments[0]["body"], "Prefers mail");

    // A tombstone is not edited or merged again; a case naming it gets the survivor.
    let (s, p) = app.patch(&format!("/api/v1/contacts/{dup}"), &agent.token, json!({ "title": "x" })).await;
    assert_eq!(s, 409, "{p}");
    let (s, p) = app.post("/api/v1/contacts/merge", &agent.token, json!({ "survivor_id": keep, "merged_ids": [dup] })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["merged_ids"][0].as_str().unwrap().contains("already merged"), "{p}");
    let (s, c) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Old id", "requester_id": dup })).await;
    assert_eq!((s.as_u16(), c["requester_id"].as_i64()), (201, Some(keep)), "{c}");

    // The audit trail of both records tells the story.
    let (_, audit) = app.get(&format!("/api/v1/contacts/{keep}/audit"), &agent.token).await;
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["field"] == "title"), "{audit}");
    let (_, audit) = app.get(&format!("/api/v1/contacts/{dup}/audit"), &agent.token).await;
    assert!(audit["items"].as_array().unwrap().iter()
        .any(|e| e["field"] == "merged_into_id" && e["new_value"].as_str() == Some(keep.to_string().as_str())), "{audit}");

    // Bad requests name the field.
    let (s, p) = app.post("/api/v1/contacts/merge", &agent.token,
        json!({ "survivor_id": keep, "merged_ids": [keep] })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["merged_ids"].is_array(), "{p}");
    let (_, other) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "A", "last_name": "B" })).await;
    let (s, p) = app.post("/api/v1/contacts/merge", &agent.token,
        json!({ "survivor_id": keep, "merged_ids": [id(&other)], "fields": { "password": keep, "title": 999999 } })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["fields.password"].is_array() && p["errors"]["fields.title"].is_array(), "{p}");
    let (s, _) = app.post("/api/v1/contacts/merge", &agent.token,
        json!({ "survivor_id": keep, "merged_ids": [999999] })).await;
    assert_eq!(s, 422);
    let (s, _) = app.post("/api/v1/contacts/merge", &portal.token,
        json!({ "survivor_id": keep, "merged_ids": [id(&other)] })).await;
    assert_eq!(s, 403);
});

api_test!(async fn merging_organizations_moves_cases_contacts_contracts_and_children(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, keep) = app.post("/api/v1/organizations", &agent.token,
        json!({ "name": "Romashka LLC", "phones": ["+7 495 000-00-01"] })).await;
    let (_, dup) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "ООО Ромашка",
        "inn": "7707083893", "kpp": "773601001", "phones": ["+7 495 000-00-02"], "description": "From the old CRM" })).await;
    let (keep, dup) = (id(&keep), id(&dup));
    let (_, child) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Branch", "parent_id": dup })).await;
    let (_, contact) = app.post("/api/v1/contacts", &agent.token,
        json!({ "first_name": "Olga", "last_name": "Sidorova", "organization_id": dup })).await;
    let (_, product) = app.post("/api/v1/products", &admin.token, json!({ "name": "Suite" })).await;
    let (s, contract) = app.post("/api/v1/contracts", &admin.token, json!({ "organization_id": dup,
        "product_id": id(&product), "number": "K-7", "starts_on": "2020-01-01" })).await;
    assert_eq!(s, 201, "{contract}");
    let (_, case) = app.post("/api/v1/cases", &agent.token,
        json!({ "subject": "Invoice", "organization_id": dup, "customer_id": dup })).await;

    let (s, m) = app.post("/api/v1/organizations/merge", &agent.token, json!({
        "survivor_id": keep, "merged_ids": [dup], "fields": { "name": dup, "inn": dup, "kpp": dup } })).await;
    assert_eq!(s, 200, "{m}");
    let survivor = &m["survivor"];
    assert_eq!((survivor["name"].as_str(), survivor["inn"].as_str(), survivor["kpp"].as_str()),
        (Some("ООО Ромашка"), Some("7707083893"), Some("773601001")));
    assert_eq!(survivor["description"], "From the old CRM", "an empty field is filled from the merged record");
    assert_eq!(survivor["phones"], json!(["+74950000001", "+74950000002"]));
    for (what, n) in [("cases", 1), ("cases_as_customer", 1), ("contacts", 1), ("contracts", 1), ("child_organizations", 1)] {
        assert_eq!(m["relinked"][what], n, "{what}: {m}");
    }
    let (_, c) = app.get(&format!("/api/v1/cases/{}", id(&case)), &agent.token).await;
    assert_eq!((c["organization_id"].as_i64(), c["customer_id"].as_i64()), (Some(keep), Some(keep)));
    let (_, c) = app.get(&format!("/api/v1/contacts/{}", id(&contact)), &agent.token).await;
    assert_eq!(c["organization_id"], keep);
    let (_, b) = app.get(&format!("/api/v1/organizations/{}", id(&child)), &agent.token).await;
    assert_eq!(b["parent_id"], keep);
    let (_, k) = app.get(&format!("/api/v1/contracts?organization_id={keep}"), &agent.token).await;
    assert_eq!(k["items"][0]["number"], "K-7", "{k}");

    // The old id resolves; lists, search by INN and new links see the survivor only.
    let (s, old) = app.get(&format!("/api/v1/organizations/{dup}"), &agent.token).await;
    assert_eq!((s.as_u16(), id(&old)), (200, keep));
    let (_, l) = app.get("/api/v1/organizations?inn=7707083893", &agent.token).await;
    assert_eq!(ids(&l), [keep]);
    let (s, p) = app.post("/api/v1/contacts", &agent.token,
        json!({ "first_name": "New", "last_name": "Person", "organization_id": dup })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["organization_id"][0].as_str().unwrap().contains(&format!("merged into {keep}")), "{p}");
});

api_test!(async fn a_failed_merge_leaves_nothing_half_merged(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, keep) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Keep" })).await;
    let (_, dup) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Dup", "website": "dup.test" })).await;
    let (keep, dup) = (id(&keep), id(&dup));
    let (_, contact) = app.post("/api/v1/contacts", &agent.token,
        json!({ "first_name": "A", "last_name": "B", "organization_id": dup })).await;
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "S", "organization_id": dup })).await;
    app.post(&format!("/api/v1/organizations/{dup}/comments"), &agent.token, json!({ "body": "note" })).await;

    // Comments are moved after cases and contacts: make that step fail.
    app.sql(
        "CREATE FUNCTION comments_frozen() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'frozen'; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER comments_frozen BEFORE UPDATE ON comments FOR EACH ROW EXECUTE FUNCTION comments_frozen();",
        "CREATE TRIGGER comments_frozen BEFORE UPDATE ON comments BEGIN SELECT RAISE(ABORT, 'frozen'); END;",
    ).await;
    let (s, _) = app.post("/api/v1/organizations/merge", &agent.token,
        json!({ "survivor_id": keep, "merged_ids": [dup], "fields": { "website": dup } })).await;
    assert_eq!(s, 500);
    let (_, c) = app.get(&format!("/api/v1/cases/{}", id(&case)), &agent.token).await;
    assert_eq!(c["organization_id"], dup, "the case was not moved");
    let (_, c) = app.get(&format!("/api/v1/contacts/{}", id(&contact)), &agent.token).await;
    assert_eq!(c["organization_id"], dup, "the contact was not moved");
    let (_, o) = app.get(&format!("/api/v1/organizations/{dup}"), &agent.token).await;
    assert_eq!(id(&o), dup, "the merged record is not a tombstone");
    let (_, o) = app.get(&format!("/api/v1/organizations/{keep}"), &agent.token).await;
    assert!(o["website"].is_null(), "the survivor is unchanged: {o}");
    let (_, audit) = app.get(&format!("/api/v1/organizations/{dup}/audit"), &agent.token).await;
    assert_eq!(audit["items"], json!([]));

    app.sql("DROP TRIGGER comments_frozen ON comments;", "DROP TRIGGER comments_frozen;").await;
    let (s, m) = app.post("/api/v1/organizations/merge", &agent.token,
        json!({ "survivor_id": keep, "merged_ids": [dup], "fields": { "website": dup } })).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["survivor"]["website"], "dup.test");
    assert_eq!(m["relinked"]["comments"], 1);
});

api_test!(async fn merging_leads_keeps_comments_and_tombstones(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, a) = app.post("/api/v1/leads", &agent.token,
        json!({ "last_name": "Orlov", "emails": ["o@orlov.test"], "rating": "warm" })).await;
    let (_, b) = app.post("/api/v1/leads", &agent.token,
        json!({ "first_name": "Oleg", "last_name": "Orlov", "emails": ["o@orlov.test", "oleg@orlov.test"], "rating": "hot" })).await;
    let (a, b) = (id(&a), id(&b));
    app.post(&format!("/api/v1/leads/{b}/comments"), &agent.token, json!({ "body": "met at expo" })).await;
    let (s, m) = app.post("/api/v1/leads/merge", &agent.token,
        json!({ "survivor_id": a, "merged_ids": [b], "fields": { "rating": b } })).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["survivor"]["first_name"], "Oleg");
    assert_eq!(m["survivor"]["rating"], "hot");
    assert_eq!(m["survivor"]["emails"], json!(["o@orlov.test", "oleg@orlov.test"]));
    let (_, c) = app.get(&format!("/api/v1/leads/{a}/comments"), &agent.token).await;
    assert_eq!(c[0]["body"], "met at expo");
    let (_, old) = app.get(&format!("/api/v1/leads/{b}"), &agent.token).await;
    assert_eq!(id(&old), a);
    let (_, l) = app.get("/api/v1/leads?q=orlov", &agent.token).await;
    assert_eq!(ids(&l), [a]);
    // Deleting the survivor takes its tombstones with it.
    let (s, r) = app.post("/api/v1/leads/mass-delete", &agent.token, json!({ "ids": [a] })).await;
    assert_eq!((s.as_u16(), r["affected"].as_i64()), (200, Some(1)));
    let (s, _) = app.get(&format!("/api/v1/leads/{b}"), &agent.token).await;
    assert_eq!(s, 404);
});
