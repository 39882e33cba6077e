//! Attachments in S3-compatible object storage (a real S3 API server, moto, per test): uploads
//! land in the bucket and nowhere on the replica's disk, downloads stream back whole and by
//! range, the worker's reads get the same bytes, and an unreachable store makes `/readyz`
//! answer 503 within seconds and uploads and downloads 503, never 500.

use std::time::{Duration, Instant};

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_store::files::FileStore;
use helpdesk_test_support::s3::S3Server;
use helpdesk_test_support::{TestApp, TestBackend};
use serde_json::json;

use crate::org_with_contact;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

async fn files_live_in_object_storage(backend: TestBackend) {
    let mut server = blocking(S3Server::start).await;
    let url = "s3://helpdesk-files/replicas/eu";
    let bucket = {
        let settings = server.settings(url);
        let s = blocking(move || {
            let s3 = helpdesk_store::files::S3::new(&settings).unwrap();
            s3.create_bucket().unwrap();
            s3
        })
        .await;
        std::sync::Arc::new(s)
    };
    let settings = server.settings(url);
    let app = TestApp::spawn_customized(backend, AppConfig::default(), move |svc| {
        let s3 = helpdesk_store::files::S3::new(&settings).unwrap();
        svc.files = FileStore::new(svc.files.root().to_owned(), svc.files.max_bytes())
            .in_object_storage(s3);
    })
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Buckets").await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Logs in the bucket", "requester_id": contact }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();

    let log: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
    let (s, up) = app
        .upload(
            &format!("/api/v1/cases/{id}/attachments"),
            &agent.token,
            vec![
                ("server.log", "text/plain", log.clone()),
                ("again.log", "text/plain", log.clone()),
            ],
        )
        .await;
    assert_eq!(s, 201, "{up}");
    let sha = up[0]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(up[1]["sha256"], up[0]["sha256"]);
    let file_id = up[0]["id"].as_i64().unwrap();

    // In the bucket, under the prefix, by content; nothing on this replica's disk.
    let (b, s2) = (bucket.clone(), sha.clone());
    assert!(blocking(move || b.exists(&s2).unwrap()).await);
    let on_disk: Vec<_> = std::fs::read_dir(app.files_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(on_disk, ["tmp"], "only the spool folder is on disk");
    assert_eq!(
        std::fs::read_dir(app.files_dir.path().join("tmp"))
            .unwrap()
            .count(),
        0,
        "nothing left in the spool"
    );

    // Streamed back whole, and by range.
    let content = format!("/api/v1/attachments/{file_id}/content");
    let (s, headers, body) = app.download(&content, &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(body, log);
    assert_eq!(headers["content-length"], log.len().to_string());
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("server.log"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let part = app
        .client
        .get(app.url(&content))
        .bearer_auth(&agent.token)
        .header("range", "bytes=1000-1009")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.bytes().await.unwrap().to_vec(),
        log[1000..1010].to_vec()
    );

    // What the worker reads (mail attachments, imports) is the same bytes.
    let (svc, s3) = (app.services.clone(), sha.clone());
    assert_eq!(blocking(move || svc.files.read(&s3).unwrap()).await, log);

    let (s, _) = app.get("/readyz", "").await;
    assert_eq!(s, 200);

    // The store goes away: not ready, and files answer 503, never 500.
    server.stop();
    let asked = Instant::now();
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.text().await.unwrap(), "file store unreachable");
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    let (s, _, _) = app.download(&content, &agent.token).await;
    assert_eq!(s, 503);
    let (s, p) = app
        .upload(
            &format!("/api/v1/cases/{id}/attachments"),
            &agent.token,
            vec![("new.log", "text/plain", b"other bytes".to_vec())],
        )
        .await;
    assert_eq!(s, 503, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("cannot be stored"),
        "{p}"
    );
}

#[tokio::test]
async fn files_live_in_object_storage_sqlite() {
    files_live_in_object_storage(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn files_live_in_object_storage_postgres() {
    files_live_in_object_storage(TestBackend::Postgres).await;
}
