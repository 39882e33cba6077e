use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::json;

api_test!(async fn organization_inn_kpp_and_phones_are_checked(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, org) = app.post("/api/v1/organizations", &agent.token, json!({
        "name": "ПАО Сбербанк", "inn": "7707083893", "kpp": "773601001",
        "phones": ["8 (495) 500-55-50"], "emails": ["Info@Sber.TEST"],
        "addresses": [{ "kind": "legal", "text": "Москва, ул. Вавилова, 19" }],
    })).await;
    assert_eq!(s, 201, "{org}");
    assert_eq!(org["phones"], json!(["+74955005550"]));
    assert_eq!(org["emails"], json!(["info@sber.test"]));
    let (s, problem) = app.post("/api/v1/organizations", &agent.token, json!({
        "name": "Bad", "inn": "7707083894", "kpp": "77360100", "phones": ["495 123"],
    })).await;
    assert_eq!(s, 422);
    assert_eq!(problem["errors"]["inn"], json!(["INN check digits do not match"]));
    assert!(problem["errors"]["kpp"][0].as_str().unwrap().contains("9 characters"));
    assert!(problem["errors"]["phones[0]"][0].as_str().unwrap().contains("country code"));
    let (s, problem) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Sole trader", "inn": "500100732259", "kpp": "773601001" })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["kpp"].is_array());
});

api_test!(async fn organization_patch_sets_and_clears(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (_, parent) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Holding" })).await;
    let (_, org) = app.post("/api/v1/organizations", &agent.token, json!({ "name": "Daughter", "website": "https://d.test" })).await;
    let id = org["id"].as_i64().unwrap();
    let (s, patched) = app.patch(&format!("/api/v1/organizations/{id}"), &agent.token, json!({ "website": null, "parent_id": parent["id"] })).await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["website"], json!(null));
    assert_eq!(patched["name"], "Daughter", "fields left out stay");
    let (s, problem) = app.patch(&format!("/api/v1/organizations/{}", parent["id"]), &agent.token, json!({ "parent_id": id })).await;
    assert_eq!(s, 422, "no cycles: {problem}");
    let (_, found) = app.get("/api/v1/organizations?q=daught", &agent.token).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
});

api_test!(async fn contacts_keep_normalised_emails_and_phones(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, c) = app.post("/api/v1/contacts", &agent.token, json!({
        "first_name": "Мария", "last_name": "Иванова", "emails": ["M.Ivanova@Example.TEST", "m.ivanova@example.test"],
        "phones": ["+7 916 123-45-67"], "do_not_call": true,
    })).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["emails"], json!(["m.ivanova@example.test"]));
    assert_eq!(c["phones"], json!(["+79161234567"]));
    let (_, found) = app.get("/api/v1/contacts?email=M.IVANOVA@example.test", &agent.token).await;
    assert_eq!(found["items"][0]["id"], c["id"]);
    let (s, problem) = app.post("/api/v1/contacts", &agent.token, json!({ "first_name": "X", "last_name": "Y", "emails": ["not-an-email"] })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["emails[0]"].is_array());
});

api_test!(async fn admins_manage_users_teams_and_products(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, team) = app.post("/api/v1/teams", &admin.token, json!({ "name": "First line", "support_line": 1, "member_ids": [agent.id] })).await;
    assert_eq!(s, 201, "{team}");
    assert_eq!(team["member_ids"], json!([agent.id]));
    let (s, _) = app.post("/api/v1/teams", &admin.token, json!({ "name": "First line" })).await;
    assert_eq!(s, 422, "team names are unique");
    let (_, me) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(me["team_ids"], json!([team["id"]]));
    let (s, user) = app.post("/api/v1/users", &admin.token, json!({ "email": "New.Agent@Example.test", "name": "New", "role": "agent", "password": "long enough pw", "support_line": 2 })).await;
    assert_eq!(s, 201, "{user}");
    assert_eq!(user["email"], "new.agent@example.test");
    let (s, problem) = app.post("/api/v1/users", &admin.token, json!({ "email": "p@example.test", "name": "P", "role": "portal" })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["contact_id"].is_array());
    let (s, product) = app.post("/api/v1/products", &admin.token, json!({ "name": "Suite", "components": ["Core", "Reports"] })).await;
    assert_eq!(s, 201);
    assert_eq!(product["components"].as_array().unwrap().len(), 2);
    let (s, product) = app.post(&format!("/api/v1/products/{}/components", product["id"]), &admin.token, json!({ "name": "API" })).await;
    assert_eq!(s, 201);
    assert_eq!(product["components"][2]["name"], "API");
    let (s, problem) = app.patch(&format!("/api/v1/users/{}", admin.id), &admin.token, json!({ "role": "agent" })).await;
    assert_eq!(s, 422, "an admin cannot demote themselves: {problem}");
});
