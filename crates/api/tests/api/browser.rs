//! The SPA in headless Chromium against a live server: an agent signs in and sees the case
//! list; a portal user signs in and sees only their own case. Needs the built SPA
//! (`just frontend`, which `just test` runs first) and chromium + chromedriver.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend, TestUser};
use serde_json::json;

use crate::org_with_contact;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser() -> (Driver, Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (just tools)");
    let driver = Driver(child);
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1200,800", "--lang=en-US"]
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(client) = ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn sign_in(c: &Client, user: &TestUser) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("input[name=email]"))
        .await
        .expect("login form");
    c.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(&user.email)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(&user.password)
        .await
        .unwrap();
    c.find(Locator::Css("[data-test=sign-in]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn rows(c: &Client, table: &str) -> Vec<String> {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(table))
        .await
        .expect("the case table appears");
    let mut out = Vec::new();
    for row in c
        .find_all(Locator::Css(&format!("{table} [data-test=case-row]")))
        .await
        .unwrap()
    {
        out.push(row.text().await.unwrap());
    }
    out
}

async fn run(backend: TestBackend) {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist");
    assert!(
        dist.join("index.html").is_file(),
        "build the SPA first: `just frontend`"
    );
    let app = TestApp::spawn_with(
        backend,
        AppConfig {
            static_dir: Some(dist),
            ..AppConfig::default()
        },
    )
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact_a) = org_with_contact(&app, &agent, "BrowserA").await;
    let (_, contact_b) = org_with_contact(&app, &agent, "BrowserB").await;
    let portal_a = app.user(Role::Portal, None, Some(contact_a)).await;
    // An SLA policy, so the list shows deadlines.
    let admin = app.user(Role::Admin, None, None).await;
    let (s, _) = app
        .post(
            "/api/v1/sla-policies",
            &admin.token,
            json!({ "name": "Standard", "targets": { "normal": { "first_response_minutes": 60, "resolution_minutes": 240 } } }),
        )
        .await;
    assert_eq!(s, 201);
    let mut case_ids = Vec::new();
    for (subject, requester) in [
        ("Printer jams on tray 2", contact_a),
        ("VPN drops every hour", contact_b),
    ] {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": subject, "requester_id": requester }),
            )
            .await;
        assert_eq!(s, 201);
        case_ids.push(case["id"].as_i64().unwrap());
    }
    // The agent answers A, and notes something internal; the worker fans both out.
    for (kind, body) in [
        ("public", "Try the other tray"),
        ("internal", "tray 2 is broken"),
    ] {
        let (s, _) = app
            .post(
                &format!("/api/v1/cases/{}/stream", case_ids[0]),
                &agent.token,
                json!({ "kind": kind, "body": body }),
            )
            .await;
        assert_eq!(s, 201);
    }
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();

    let (_driver, c) = browser().await;
    c.goto(&app.url("/")).await.unwrap();
    sign_in(&c, &agent).await;
    let agent_rows = rows(&c, "[data-test=cases]").await;
    assert_eq!(agent_rows.len(), 2, "{agent_rows:?}");
    assert!(agent_rows
        .iter()
        .any(|r| r.contains("Printer jams on tray 2") && r.contains("Awaiting customer")));
    assert!(agent_rows
        .iter()
        .any(|r| r.contains("VPN drops every hour")));
    // The SLA column: the unanswered case shows its deadline, the answered one waits paused.
    let (_, vpn) = app
        .get(&format!("/api/v1/cases/{}", case_ids[1]), &agent.token)
        .await;
    let due = chrono::DateTime::parse_from_rfc3339(vpn["sla"]["due_at"].as_str().unwrap())
        .unwrap()
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let mut states = Vec::new();
    for cell in c
        .find_all(Locator::Css("[data-test=cases] [data-test=sla]"))
        .await
        .unwrap()
    {
        states.push((
            cell.attr("data-state").await.unwrap().unwrap_or_default(),
            cell.text().await.unwrap(),
        ));
    }
    states.sort();
    assert_eq!(
        states,
        vec![
            ("due".to_owned(), format!("due {due}")),
            ("paused".to_owned(), "Paused".to_owned())
        ]
    );
    let who = c
        .find(Locator::Css("[data-test=who]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(who.contains("agent"), "{who}");

    c.find(Locator::Css("[data-test=sign-out]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sign_in(&c, &portal_a).await;
    let portal_rows = rows(&c, "[data-test=portal-cases]").await;
    assert_eq!(portal_rows.len(), 1, "{portal_rows:?}");
    assert!(portal_rows[0].contains("Printer jams on tray 2"));
    let page = c.source().await.unwrap();
    assert!(
        !page.contains("VPN drops every hour"),
        "another customer's case must not reach the page"
    );
    assert!(
        c.find(Locator::Css("[data-test=cases]")).await.is_err(),
        "the portal user never gets the agent list"
    );

    // One unread notification: the public reply, not the internal note.
    let unread = c.find(Locator::Css("[data-test=unread]")).await.unwrap();
    let mut count = String::new();
    for _ in 0..100 {
        count = unread.text().await.unwrap();
        if count == "1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count, "1");
    c.find(Locator::Css("[data-test=bell]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let item = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("[data-test=notification]"))
        .await
        .expect("the notification list opens");
    let title = item.text().await.unwrap();
    assert!(
        title.contains("New message") && title.contains("Printer jams on tray 2"),
        "{title}"
    );
    assert_eq!(
        c.find_all(Locator::Css("[data-test=notification]"))
            .await
            .unwrap()
            .len(),
        1
    );
    c.find(Locator::Css("[data-test=read-all]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        count = unread.text().await.unwrap();
        if count == "0" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count, "0", "marking all read clears the count");
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_and_portal_user_sign_in_and_see_their_cases_sqlite() {
    run(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_and_portal_user_sign_in_and_see_their_cases_postgres() {
    run(TestBackend::Postgres).await;
}
