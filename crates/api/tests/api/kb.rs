//! The knowledge base: Markdown rendered to sanitized HTML, a category tree without loops,
//! links to cases from either side, search, and what portal users may read.

use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::{json, Value};

use crate::org_with_contact;

api_test!(async fn articles_are_written_linked_found_and_shown_to_customers(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Reader").await;
    let (_, other_contact) = org_with_contact(&app, &agent, "Other").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let other = app.user(Role::Portal, None, Some(other_contact)).await;

    // A category tree; a category cannot sit inside its own subtree.
    let (_, root) = app.post("/api/v1/kb/categories", &agent.token, json!({ "name": "Printing" })).await;
    let (s, child) = app.post("/api/v1/kb/categories", &agent.token, json!({ "name": "Drivers", "parent_id": root["id"] })).await;
    assert_eq!(s, 201, "{child}");
    let (s, p) = app.call(reqwest::Method::PUT, &format!("/api/v1/kb/categories/{}", root["id"]), Some(&agent.token),
        Some(&json!({ "name": "Printing", "parent_id": child["id"] }))).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["errors"]["parent_id"].is_array());

    // Markdown becomes sanitized HTML.
    let (s, public) = app.post("/api/v1/kb/articles", &agent.token, json!({
        "title": "Printer jams: clearing the tray", "category_id": child["id"], "language": "en",
        "body_md": "# Clear the jam\n\n1. Open the **rear door**\n2. Pull the sheet <script>alert(1)</script>",
        "status": "published", "visibility": "portal", "tags": ["Printer", "printer", "jam"] })).await;
    assert_eq!(s, 201, "{public}");
    let html = public["body_html"].as_str().unwrap();
    assert!(html.contains("<h1>Clear the jam</h1>") && html.contains("<strong>rear door</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(public["tags"], json!(["jam", "printer"]));
    assert!(public["published_at"].is_string());
    let (_, internal) = app.post("/api/v1/kb/articles", &agent.token, json!({
        "title": "Printer admin password rotation", "body_md": "Rotate the printer admin password monthly.",
        "status": "published", "visibility": "internal" })).await;
    let (_, draft) = app.post("/api/v1/kb/articles", &agent.token, json!({
        "title": "Printer firmware (draft)", "body_md": "Not ready", "visibility": "portal" })).await;
    assert_eq!(draft["status"], "draft");
    let (s, p) = app.post("/api/v1/kb/articles", &agent.token, json!({ "title": "x", "body_md": "", "language": "de" })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["language"].is_array());

    // Filters.
    let (_, list) = app.get(&format!("/api/v1/kb/articles?category_id={}", child["id"]), &agent.token).await;
    assert_eq!(crate::ids(&list), [public["id"].as_i64().unwrap()]);
    let (_, list) = app.get("/api/v1/kb/articles?tag=jam", &agent.token).await;
    assert_eq!(crate::ids(&list), [public["id"].as_i64().unwrap()]);
    let (_, list) = app.get("/api/v1/kb/articles?status=draft", &agent.token).await;
    assert_eq!(crate::ids(&list), [draft["id"].as_i64().unwrap()]);

    // Linked to a case, seen from both sides.
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Printer jams", "requester_id": contact })).await;
    let case_id = case["id"].as_i64().unwrap();
    for a in [&public, &internal] {
        let (s, _) = app.call(reqwest::Method::PUT, &format!("/api/v1/cases/{case_id}/articles/{}", a["id"]), Some(&agent.token), None).await;
        assert_eq!(s, 204);
    }
    let (_, linked) = app.get(&format!("/api/v1/cases/{case_id}/articles"), &agent.token).await;
    assert_eq!(linked.as_array().unwrap().len(), 2);
    let (_, cases) = app.get(&format!("/api/v1/kb/articles/{}/cases", public["id"]), &agent.token).await;
    assert_eq!(cases, json!([case_id]));

    // Customers: only published portal articles, and on their own case only those.
    let (_, list) = app.get("/api/v1/portal/kb/articles", &customer.token).await;
    assert_eq!(crate::ids(&list), [public["id"].as_i64().unwrap()]);
    let (s, _) = app.get(&format!("/api/v1/portal/kb/articles/{}", internal["id"]), &customer.token).await;
    assert_eq!(s, 404);
    let (s, _) = app.get(&format!("/api/v1/portal/kb/articles/{}", draft["id"]), &customer.token).await;
    assert_eq!(s, 404);
    let (_, on_case) = app.get(&format!("/api/v1/portal/cases/{case_id}/articles"), &customer.token).await;
    assert_eq!(on_case.as_array().unwrap().len(), 1);
    assert_eq!(on_case[0]["id"], public["id"]);
    let (s, _) = app.get(&format!("/api/v1/portal/cases/{case_id}/articles"), &other.token).await;
    assert_eq!(s, 404, "another customer's case stays hidden");
    let (s, _) = app.get("/api/v1/kb/articles", &customer.token).await;
    assert_eq!(s, 403);

    // Search: agents find every article; customers the published portal ones.
    let (_, res) = app.get("/api/v1/search?q=printer&kinds=article", &agent.token).await;
    assert_eq!(res["items"].as_array().unwrap().len(), 3, "{res}");
    let (_, res) = app.get("/api/v1/portal/search?q=printer&kinds=article", &customer.token).await;
    let found: Vec<i64> = res["items"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
    assert_eq!(found, [public["id"].as_i64().unwrap()], "{res}");

    // Unlinking, and deleting a category keeps its articles.
    let (s, _) = app.call(reqwest::Method::DELETE, &format!("/api/v1/cases/{case_id}/articles/{}", internal["id"]), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (_, linked) = app.get(&format!("/api/v1/cases/{case_id}/articles"), &agent.token).await;
    assert_eq!(linked.as_array().unwrap().len(), 1);
    let (s, _) = app.call(reqwest::Method::DELETE, &format!("/api/v1/kb/categories/{}", child["id"]), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (_, kept) = app.get(&format!("/api/v1/kb/articles/{}", public["id"]), &agent.token).await;
    assert!(kept["category_id"].is_null());
});

api_test!(async fn article_files_reach_customers_only_from_published_portal_articles(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Files").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let (_, public) = app.post("/api/v1/kb/articles", &agent.token, json!({ "title": "Driver install",
        "body_md": "See the attached guide.", "status": "published", "visibility": "portal" })).await;
    let (_, internal) = app.post("/api/v1/kb/articles", &agent.token, json!({ "title": "Service manual",
        "body_md": "Internal.", "status": "published", "visibility": "internal" })).await;
    let png = b"\x89PNG\r\n\x1a\nnot really".to_vec();
    let (s, files) = app.upload(&format!("/api/v1/kb/articles/{}/attachments", public["id"]), &agent.token,
        vec![("guide.pdf", "application/pdf", b"%PDF-1.4 guide".to_vec()), ("../../screen.png", "image/png", png.clone())]).await;
    assert_eq!(s, 201, "{files}");
    assert_eq!(files[1]["filename"], "screen.png");
    assert_eq!(files[1]["size"], png.len());
    let (_, secret) = app.upload(&format!("/api/v1/kb/articles/{}/attachments", internal["id"]), &agent.token,
        vec![("manual.txt", "text/plain", b"service codes".to_vec())]).await;

    // Agents list and download; customers get the public article's files only.
    let (_, listed) = app.get(&format!("/api/v1/kb/articles/{}/attachments", public["id"]), &agent.token).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let (s, headers, bytes) = app.download(&format!("/api/v1/portal/kb/attachments/{}/content", files[1]["id"]), &customer.token).await;
    assert_eq!(s, 200);
    assert_eq!(bytes, png);
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (s, listed) = app.get(&format!("/api/v1/portal/kb/articles/{}/attachments", public["id"]), &customer.token).await;
    assert_eq!((s.as_u16(), listed.as_array().map(Vec::len)), (200, Some(2)));
    let (s, _) = app.get(&format!("/api/v1/portal/kb/articles/{}/attachments", internal["id"]), &customer.token).await;
    assert_eq!(s, 404);
    let (s, _, _) = app.download(&format!("/api/v1/portal/kb/attachments/{}/content", secret[0]["id"]), &customer.token).await;
    assert_eq!(s, 404);
    let (s, _, _) = app.download(&format!("/api/v1/kb/attachments/{}/content", files[0]["id"]), &customer.token).await;
    assert_eq!(s, 403);
    let (s, _) = app.upload(&format!("/api/v1/kb/articles/{}/attachments", public["id"]), &customer.token,
        vec![("x.txt", "text/plain", b"x".to_vec())]).await;
    assert_eq!(s, 403);

    // Removing a file; unpublishing hides the rest from customers.
    let (s, _) = app.call(reqwest::Method::DELETE, &format!("/api/v1/kb/attachments/{}", files[0]["id"]), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (_, listed) = app.get(&format!("/api/v1/kb/articles/{}/attachments", public["id"]), &agent.token).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (s, _) = app.call(reqwest::Method::PUT, &format!("/api/v1/kb/articles/{}", public["id"]), Some(&agent.token),
        Some(&json!({ "title": "Driver install", "body_md": "See the attached guide.", "status": "draft", "visibility": "portal" }))).await;
    assert_eq!(s, 200);
    let (s, _, _) = app.download(&format!("/api/v1/portal/kb/attachments/{}/content", files[1]["id"]), &customer.token).await;
    assert_eq!(s, 404);
});

api_test!(async fn customers_see_only_categories_that_lead_to_their_articles(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Kbco").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    let category = |name: &'static str, parent: Option<i64>| {
        let agent = &agent;
        let app = &app;
        async move {
            let (s, c) = app.post("/api/v1/kb/categories", &agent.token, json!({ "name": name, "parent_id": parent })).await;
            assert_eq!(s, 201, "{c}");
            c["id"].as_i64().unwrap()
        }
    };
    let help = category("Help", None).await;
    let printers = category("Printers", Some(help)).await;
    let internal = category("Escalation playbooks", None).await;
    let drafts = category("Upcoming releases", None).await;
    for (title, cat, status, visibility) in [
        ("Paper jams", printers, "published", "portal"),
        ("When to call the vendor", internal, "published", "internal"),
        ("Version 5", drafts, "draft", "portal"),
    ] {
        let (s, a) = app.post("/api/v1/kb/articles", &agent.token, json!({
            "title": title, "body_md": "text", "category_id": cat, "status": status, "visibility": visibility })).await;
        assert_eq!(s, 201, "{a}");
    }
    let names = |list: &Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    let (s, all) = app.get("/api/v1/kb/categories", &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(names(&all).len(), 4, "agents see every category: {all}");
    let (s, theirs) = app.get("/api/v1/kb/categories", &customer.token).await;
    assert_eq!(s, 200);
    let mut theirs = names(&theirs);
    theirs.sort();
    assert_eq!(theirs, ["Help", "Printers"], "the way to the published portal article, nothing else");
});
