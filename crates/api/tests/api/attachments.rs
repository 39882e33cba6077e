use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use serde_json::{json, Value};

use crate::org_with_contact;

/// Files under the attachment store, except those still arriving.
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(app.files_dir.path()).unwrap() {
        let dir = dir.unwrap().path();
        if dir.file_name().unwrap() == "tmp" {
            assert_eq!(
                std::fs::read_dir(&dir).unwrap().count(),
                0,
                "no partial upload is left"
            );
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out
}

fn attachment_ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

api_test!(async fn agents_upload_send_and_download_files(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Files").await;
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Logs", "requester_id": contact })).await;
    let id = case["id"].as_i64().unwrap();

    let log = b"2026-11-22 ERROR disk full\n".repeat(1000);
    let (s, up) = app.upload(&format!("/api/v1/cases/{id}/attachments"), &agent.token, vec![
        ("server.log", "text/plain", log.clone()),
        ("../../copy of server.log", "text/plain", log.clone()),
        ("page.html", "text/html", b"<script>alert(1)</script>".to_vec()),
    ]).await;
    assert_eq!(s, 201, "{up}");
    let files = up.as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["size"], log.len());
    assert_eq!(files[1]["filename"], "copy of server.log", "no path survives in a file name");
    assert_eq!(files[0]["sha256"], files[1]["sha256"]);
    assert_eq!(files[0]["entry_id"], Value::Null, "not sent yet");
    assert_eq!(stored_files(&app).len(), 2, "identical bytes are stored once");

    // Sent with a public reply: the stream shows them on the entry.
    let ids = attachment_ids(&up);
    let (s, entry) = app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token,
        json!({ "kind": "public", "body": "see the files", "attachment_ids": ids })).await;
    assert_eq!(s, 201, "{entry}");
    assert_eq!(attachment_ids(&entry["attachments"]), ids);
    let (_, stream) = app.get(&format!("/api/v1/cases/{id}/stream"), &agent.token).await;
    let sent = stream["items"].as_array().unwrap().iter().find(|e| e["id"] == entry["id"]).unwrap().clone();
    assert_eq!(attachment_ids(&sent["attachments"]), ids);
    // Sent once: a second entry cannot take them again.
    let (s, p) = app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token,
        json!({ "kind": "internal", "body": "again", "attachment_ids": [ids[0]] })).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["attachment_ids"].is_array(), "{p}");

    let (s, headers, body) = app.download(&format!("/api/v1/attachments/{}/content", ids[2]), &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(body, b"<script>alert(1)</script>");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("page.html"), "{disposition}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (s, _, body) = app.download(&format!("/api/v1/attachments/{}/content", ids[0]), &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(body, log);

    let (s, list) = app.get(&format!("/api/v1/cases/{id}/attachments"), &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(attachment_ids(&list), ids);

    // Nobody downloads without signing in.
    let resp = app.client.get(app.url(&format!("/api/v1/attachments/{}/content", ids[0]))).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    // An upload without a file part is refused and names the field.
    let (s, p) = app.upload(&format!("/api/v1/cases/{id}/attachments"), &agent.token, vec![]).await;
    assert_eq!(s, 422, "{p}");
});

api_test!(async fn customers_get_files_of_public_messages_of_their_own_cases_only(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact_a) = org_with_contact(&app, &agent, "Alpha").await;
    let (_, contact_b) = org_with_contact(&app, &agent, "Beta").await;
    let a = app.user(Role::Portal, None, Some(contact_a)).await;
    let b = app.user(Role::Portal, None, Some(contact_b)).await;
    let (_, case) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Invoice", "requester_id": contact_a })).await;
    let id = case["id"].as_i64().unwrap();

    let (_, up) = app.upload(&format!("/api/v1/cases/{id}/attachments"), &agent.token, vec![
        ("invoice.pdf", "application/pdf", b"%PDF-1.7 public".to_vec()),
        ("notes.txt", "text/plain", b"internal analysis".to_vec()),
        ("draft.txt", "text/plain", b"never sent".to_vec()),
    ]).await;
    let ids = attachment_ids(&up);
    app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token,
        json!({ "kind": "public", "body": "your invoice", "attachment_ids": [ids[0]] })).await;
    app.post(&format!("/api/v1/cases/{id}/stream"), &agent.token,
        json!({ "kind": "internal", "body": "analysis", "attachment_ids": [ids[1]] })).await;

    let (s, _, body) = app.download(&format!("/api/v1/portal/attachments/{}/content", ids[0]), &a.token).await;
    assert_eq!(s, 200);
    assert_eq!(body, b"%PDF-1.7 public");
    for hidden in [ids[1], ids[2]] {
        let (s, _, body) = app.download(&format!("/api/v1/portal/attachments/{hidden}/content"), &a.token).await;
        assert_eq!(s, 404, "an internal or unsent file is invisible to the customer");
        assert!(!String::from_utf8_lossy(&body).contains("internal analysis"));
    }
    let (s, _, _) = app.download(&format!("/api/v1/portal/attachments/{}/content", ids[0]), &b.token).await;
    assert_eq!(s, 404, "another customer's file does not exist for B");
    let (s, _, _) = app.download(&format!("/api/v1/attachments/{}/content", ids[0]), &a.token).await;
    assert_eq!(s, 403, "customers use the portal endpoint");

    let (_, list) = app.get(&format!("/api/v1/portal/cases/{id}/attachments"), &a.token).await;
    assert_eq!(attachment_ids(&list), vec![ids[0]]);
    let (_, stream) = app.get(&format!("/api/v1/portal/cases/{id}/stream"), &a.token).await;
    let files: Vec<i64> = stream["items"].as_array().unwrap().iter()
        .flat_map(|e| attachment_ids(&e["attachments"])).collect();
    assert_eq!(files, vec![ids[0]], "the portal stream carries only public files");

    // The customer sends a screenshot with a message; the agent gets it.
    let (s, mine) = app.upload(&format!("/api/v1/portal/cases/{id}/attachments"), &a.token,
        vec![("screen.png", "image/png", vec![0x89, b'P', b'N', b'G'])]).await;
    assert_eq!(s, 201, "{mine}");
    let mine = attachment_ids(&mine);
    let (s, p) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &a.token,
        json!({ "body": "screenshot attached", "attachment_ids": [ids[2]] })).await;
    assert_eq!(s, 422, "the agent's unsent file is not the customer's to send: {p}");
    let (s, msg) = app.post(&format!("/api/v1/portal/cases/{id}/messages"), &a.token,
        json!({ "body": "screenshot attached", "attachment_ids": mine })).await;
    assert_eq!(s, 201, "{msg}");
    assert_eq!(attachment_ids(&msg["attachments"]), mine);
    let (s, _, body) = app.download(&format!("/api/v1/attachments/{}/content", mine[0]), &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(body, vec![0x89, b'P', b'N', b'G']);
    let (s, _) = app.upload(&format!("/api/v1/portal/cases/{id}/attachments"), &b.token,
        vec![("x.txt", "text/plain", b"x".to_vec())]).await;
    assert_eq!(s, 404, "B cannot upload to A's case");
});

api_test!(async fn merging_moves_the_files_to_the_target(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, a) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "first" })).await;
    let (_, b) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "duplicate" })).await;
    let (_, up) = app.upload(&format!("/api/v1/cases/{}/attachments", b["id"]), &agent.token,
        vec![("dump.bin", "application/octet-stream", vec![7; 100])]).await;
    let (s, _) = app.post(&format!("/api/v1/cases/{}/actions/merge", b["id"]), &agent.token, json!({ "target_id": a["id"] })).await;
    assert_eq!(s, 200);
    let (_, list) = app.get(&format!("/api/v1/cases/{}/attachments", a["id"]), &agent.token).await;
    assert_eq!(attachment_ids(&list), attachment_ids(&up));
    assert_eq!(list[0]["case_id"], a["id"]);
});

async fn size_limit_is_enforced(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.files = helpdesk_store::files::FileStore::new(svc.files.root().to_owned(), 64 * 1024);
    })
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, case) = app
        .post("/api/v1/cases", &agent.token, json!({ "subject": "big" }))
        .await;
    let path = format!("/api/v1/cases/{}/attachments", case["id"]);

    let (s, p) = app
        .upload(
            &path,
            &agent.token,
            vec![
                ("small.txt", "text/plain", vec![b'a'; 100]),
                (
                    "big.bin",
                    "application/octet-stream",
                    vec![1; 64 * 1024 + 1],
                ),
            ],
        )
        .await;
    assert_eq!(s, 413, "{p}");
    assert_eq!(
        p["type"].as_str().unwrap().rsplit('/').next(),
        Some("too-large")
    );
    let (_, list) = app
        .get(
            &format!("/api/v1/cases/{}/attachments", case["id"]),
            &agent.token,
        )
        .await;
    assert_eq!(list, json!([]), "nothing of a refused upload is recorded");
    assert!(
        stored_files(&app).len() <= 1,
        "the oversized file is not on disk"
    );
    let (s, up) = app
        .upload(
            &path,
            &agent.token,
            vec![("exact.bin", "application/octet-stream", vec![2; 64 * 1024])],
        )
        .await;
    assert_eq!(s, 201, "a file exactly at the limit is fine: {up}");
}

#[tokio::test]
async fn size_limit_sqlite() {
    size_limit_is_enforced(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn size_limit_postgres() {
    size_limit_is_enforced(TestBackend::Postgres).await;
}
