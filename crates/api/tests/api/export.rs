//! The incremental export: a full mirror, then only changes; nothing skipped or repeated under
//! concurrent writes; on PostgreSQL a change committed late is still delivered.

use std::collections::HashMap;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use serde_json::{json, Value};

use crate::org_with_contact;

/// Reads export pages from `cursor` until none waits; returns the items and the new cursor.
async fn drain(
    app: &TestApp,
    token: &str,
    what: &str,
    cursor: &str,
    limit: i64,
) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = cursor.to_owned();
    loop {
        let (s, page) = app
            .get(
                &format!("/api/v1/export/{what}?limit={limit}&cursor={cursor}"),
                token,
            )
            .await;
        assert_eq!(s, 200, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        let next = page["next_cursor"].as_str().unwrap().to_owned();
        assert!(
            position(&next) >= position(&cursor),
            "the cursor never goes back"
        );
        cursor = next;
        if page["has_more"] == false {
            return (items, cursor);
        }
    }
}

/// Like [`drain`], polling until at least `want` items came: on PostgreSQL a change shows once
/// every transaction older than it has ended, and other tests' transactions on the same server
/// count too.
async fn drain_until(
    app: &TestApp,
    token: &str,
    what: &str,
    cursor: &str,
    want: usize,
) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = cursor.to_owned();
    for _ in 0..100 {
        let (more, next) = drain(app, token, what, &cursor, 50).await;
        items.extend(more);
        cursor = next;
        if items.len() >= want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (items, cursor)
}

fn position(cursor: &str) -> (i64, i64) {
    if cursor.is_empty() {
        return (0, 0);
    }
    let (a, b) = cursor.split_once('.').unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

api_test!(async fn a_mirror_then_only_changes(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let portal_contact = org_with_contact(&app, &agent, "Mirror").await.1;
    let mut created = Vec::new();
    for n in 0..7 {
        let (s, case) = app
            .post("/api/v1/cases", &agent.token, json!({ "subject": format!("Mirror {n}"), "requester_id": portal_contact }))
            .await;
        assert_eq!(s, 201);
        created.push(case["id"].as_i64().unwrap());
    }
    app.post(&format!("/api/v1/cases/{}/stream", created[0]), &agent.token,
        json!({ "kind": "internal", "body": "exported too" })).await;

    let (cases, cursor) = drain_until(&app, &agent.token, "cases", "", 7).await;
    // The note touched the first case last.
    let mut expected = created[1..].to_vec();
    expected.push(created[0]);
    assert_eq!(ids(&cases), expected, "every case once, in the order they last changed");
    let (entries, _) = drain(&app, &agent.token, "stream-entries", "", 2).await;
    assert!(entries.iter().any(|e| e["body"] == "exported too" && e["kind"] == "internal"));
    let (contacts, _) = drain(&app, &agent.token, "contacts", "", 50).await;
    assert_eq!(ids(&contacts), [portal_contact]);
    let (orgs, org_cursor) = drain(&app, &agent.token, "organizations", "", 50).await;
    assert_eq!(orgs.len(), 1);

    // Nothing changed: nothing comes.
    let (none, same) = drain(&app, &agent.token, "cases", &cursor, 3).await;
    assert!(none.is_empty());
    assert_eq!(same, cursor);
    // One change: that case comes again, in its new state; then a new case after it.
    let (s, _) = app.patch(&format!("/api/v1/cases/{}", created[2]), &agent.token, json!({ "priority": "urgent" })).await;
    assert_eq!(s, 200);
    let (s, newer) = app.post("/api/v1/cases", &agent.token, json!({ "subject": "Mirror new" })).await;
    assert_eq!(s, 201);
    let (changed, _) = drain_until(&app, &agent.token, "cases", &cursor, 2).await;
    assert_eq!(ids(&changed), [created[2], newer["id"].as_i64().unwrap()]);
    assert_eq!(changed[0]["priority"], "urgent");
    let (org_changes, _) = drain(&app, &agent.token, "organizations", &org_cursor, 50).await;
    assert!(org_changes.is_empty());

    // Bad cursors and limits are named.
    let (s, p) = app.get("/api/v1/export/cases?cursor=abc", &agent.token).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["cursor"].is_array());
    let (s, p) = app.get("/api/v1/export/cases?limit=5000", &agent.token).await;
    assert_eq!(s, 422);
    assert!(p["errors"]["limit"].is_array());
});

async fn mirror_stays_exact_under_concurrent_writes(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (client, base, token, stop) = (
            app.client.clone(),
            app.address.clone(),
            agent.token.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut mine: Vec<i64> = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 10 {
                n += 1;
                if n % 3 == 0 && !mine.is_empty() {
                    let id = mine[n % mine.len()];
                    let r = client
                        .patch(format!("{base}/api/v1/cases/{id}"))
                        .bearer_auth(&token)
                        .json(&json!({ "subject": format!("w{w} case {id} edit {n}") }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                } else {
                    let r = client
                        .post(format!("{base}/api/v1/cases"))
                        .bearer_auth(&token)
                        .json(&json!({ "subject": format!("w{w} new {n}") }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201);
                    let v: Value = r.json().await.unwrap();
                    mine.push(v["id"].as_i64().unwrap());
                }
            }
            mine.len()
        }));
    }
    // The reader mirrors while the writers write.
    let mut mirror: HashMap<i64, Value> = HashMap::new();
    let mut cursor = String::new();
    for _ in 0..15 {
        let (items, next) = drain(&app, &agent.token, "cases", &cursor, 7).await;
        for i in items {
            mirror.insert(i["id"].as_i64().unwrap(), i);
        }
        cursor = next;
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for w in writers {
        total += w.await.unwrap();
    }
    for _ in 0..100 {
        let (items, next) = drain(&app, &agent.token, "cases", &cursor, 7).await;
        for i in items {
            mirror.insert(i["id"].as_i64().unwrap(), i);
        }
        cursor = next;
        if mirror.len() == total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The mirror holds every case in its latest state.
    let mut truth = HashMap::new();
    let mut page_cursor: Option<String> = None;
    loop {
        let url = match &page_cursor {
            Some(c) => format!("/api/v1/cases?limit=200&cursor={c}"),
            None => "/api/v1/cases?limit=200".to_owned(),
        };
        let (_, page) = app.get(&url, &agent.token).await;
        for c in page["items"].as_array().unwrap() {
            truth.insert(c["id"].as_i64().unwrap(), c["subject"].clone());
        }
        match page["next_cursor"].as_str() {
            Some(c) => page_cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(truth.len(), total);
    assert_eq!(mirror.len(), truth.len(), "no case missing from the mirror");
    for (id, subject) in &truth {
        assert_eq!(
            &mirror[id]["subject"], subject,
            "case {id} is current in the mirror"
        );
    }
}

#[tokio::test]
async fn mirror_stays_exact_under_concurrent_writes_sqlite() {
    mirror_stays_exact_under_concurrent_writes(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn mirror_stays_exact_under_concurrent_writes_postgres() {
    mirror_stays_exact_under_concurrent_writes(TestBackend::Postgres).await;
}

/// PostgreSQL assigns a change's place when its transaction starts, and commits in any order:
/// a change committed after a later one must still reach a reader whose cursor went past that
/// later one. The export holds the cursor back until the earlier transaction ends.
#[tokio::test]
async fn a_late_commit_is_not_skipped_postgres() {
    let app = TestApp::spawn(TestBackend::Postgres).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, first) = app
        .post("/api/v1/cases", &agent.token, json!({ "subject": "Early" }))
        .await;
    let first = first["id"].as_i64().unwrap();
    // (Other tests' transactions on the server can hold even this first change back a moment.)
    let (early, cursor) = drain_until(&app, &agent.token, "cases", "", 1).await;
    assert_eq!(ids(&early), [first]);

    // A writer starts a transaction that changes the case and does not commit yet...
    let mut held = diesel::PgConnection::establish(&app.db.url).unwrap();
    held.batch_execute(&format!(
        "BEGIN; UPDATE cases SET subject = 'Late' WHERE id = {first};"
    ))
    .unwrap();
    // ...while another change commits.
    let (_, second) = app
        .post("/api/v1/cases", &agent.token, json!({ "subject": "Quick" }))
        .await;
    let second = second["id"].as_i64().unwrap();
    let (seen, same) = drain(&app, &agent.token, "cases", &cursor, 50).await;
    assert!(
        seen.is_empty(),
        "the quick change waits behind the running one: {seen:?}"
    );
    assert_eq!(same, cursor);

    held.batch_execute("COMMIT").unwrap();
    let (seen, _) = drain_until(&app, &agent.token, "cases", &cursor, 2).await;
    let mut got = ids(&seen);
    got.sort_unstable();
    assert_eq!(got, [first, second]);
    assert!(seen.iter().any(|c| c["subject"] == "Late"));
}
