//! Likely duplicates are reported on create and update without blocking, and listed as groups.

use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::json;

api_test!(async fn duplicates_are_reported_not_blocked(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    // Contacts: by email (any case) or phone.
    let (_, a) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Ivan", "last_name": "Petrov",
        "emails": ["ivan@petrov.test"], "phones": ["+7 495 111-22-33"] })).await;
    assert!(a.get("likely_duplicates").is_none(), "{a}");
    let (s, b) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "I.", "last_name": "Petrov",
        "emails": ["IVAN@petrov.test"] })).await;
    assert_eq!(s, 201, "saved anyway");
    assert_eq!(b["likely_duplicates"], json!([a["id"]]));
    let (_, c) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Vanya", "last_name": "P",
        "phones": ["+74951112233"] })).await;
    assert_eq!(c["likely_duplicates"], json!([a["id"]]));
    let (_, d) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "Other", "last_name": "Person",
        "emails": ["other@x.test"] })).await;
    assert!(d.get("likely_duplicates").is_none());
    let (s, groups) = app.get("/api/v1/duplicates/contacts", &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(groups["groups"], json!([[a["id"], b["id"], c["id"]]]));
    // An update reports too.
    let (_, d2) = app.patch(&format!("/api/v1/contacts/{}", d["id"]), &agent.token, json!({ "phones": ["+74951112233"] })).await;
    assert_eq!(d2["likely_duplicates"], json!([a["id"], c["id"]]), "{d2}");

    // Organizations: the same INN and KPP, or the same name without legal forms.
    let (_, o1) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001" })).await;
    let (_, o2) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Ромашка, ООО" })).await;
    assert_eq!(o2["likely_duplicates"], json!([o1["id"]]), "{o2}");
    let (_, o3) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Совсем другая", "inn": "7707083893", "kpp": "773601001" })).await;
    assert_eq!(o3["likely_duplicates"], json!([o1["id"]]));
    let (_, branch) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Филиал", "inn": "7707083893", "kpp": "526002001" })).await;
    assert!(branch.get("likely_duplicates").is_none(), "a branch is not a duplicate: {branch}");
    let (_, groups) = app.get("/api/v1/duplicates/organizations", &agent.token).await;
    assert_eq!(groups["groups"], json!([[o1["id"], o2["id"], o3["id"]]]));

    // Leads: by email or phone.
    let (_, l1) = app.post("/api/v1/leads", &agent.token, json!({ "last_name": "Sokolova", "emails": ["anna@sokol.test"] })).await;
    let (_, l2) = app.post("/api/v1/leads", &agent.token, json!({ "last_name": "Sokolova A.", "emails": ["Anna@Sokol.test"] })).await;
    assert_eq!(l2["likely_duplicates"], json!([l1["id"]]));
    let (_, groups) = app.get("/api/v1/duplicates/leads", &agent.token).await;
    assert_eq!(groups["groups"], json!([[l1["id"], l2["id"]]]));
});
