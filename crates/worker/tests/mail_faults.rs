//! The mailer when things go wrong: a server that accepts connections and never greets, one
//! that goes silent after taking the message, a worker that dies holding claimed mails, a
//! worker told to stop mid-send; and an admin resending what failed. On both backends, against
//! a real SMTP server (aiosmtpd) where mail is meant to arrive.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use helpdesk_api_types::Role;
use helpdesk_store::notifications as store;
use helpdesk_store::queue::MailQueue;
use helpdesk_test_support::{TestApp, TestBackend};
use helpdesk_worker::mailer::{Limits, Mailer};
use helpdesk_worker::{OutboxConsumer, Outcome};
use serde_json::json;
use support::{drain, SmtpServer};

const SHORT: Limits = Limits {
    greeting: Duration::from_secs(1),
    transaction: Duration::from_secs(2),
};

async fn app_with_mail(backend: TestBackend) -> TestApp {
    TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.notify.mail_from = Some("Helpdesk <support@helpdesk.test>".into());
    })
    .await
}

/// A case for a new customer at `email`: its "request registered" mail is queued once the
/// outbox runs.
async fn case_for(app: &TestApp, email: &str) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, org) = app
        .post(
            "/api/v1/organizations",
            &agent.token,
            json!({ "name": format!("Org of {email}") }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, contact) = app
        .post("/api/v1/contacts", &agent.token, json!({
            "first_name": "Анна", "last_name": "Смирнова", "organization_id": org["id"], "emails": [email],
        }))
        .await;
    assert_eq!(s, 201, "{contact}");
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer", "requester_id": contact["id"] }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let consumer = OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || while consumer.run_next().unwrap() != Outcome::Idle {})
        .await
        .unwrap();
}

async fn mails(app: &TestApp) -> Vec<store::MailRow> {
    let db = app.services.db.clone();
    tokio::task::spawn_blocking(move || db.read(store::all_mails))
        .await
        .unwrap()
        .unwrap()
}

/// Accepts connections and never says a word.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// Speaks SMTP up to the end of the message, then never answers: the hand-over is cut. Counts
/// the messages whose end it saw.
fn stalling_server() -> (u16, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || converse(s, counter));
        }
    });
    (port, seen)
}

fn converse(stream: TcpStream, seen: Arc<Mutex<usize>>) {
    let mut out = stream.try_clone().unwrap();
    let _ = out.write_all(b"220 stall.test ESMTP\r\n");
    let mut in_data = false;
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        if in_data {
            if line == "." {
                *seen.lock().unwrap() += 1;
                // Never answer; keep the connection open.
                std::thread::sleep(Duration::from_secs(600));
                return;
            }
            continue;
        }
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 stall.test\r\n",
            "DATA" => {
                in_data = true;
                b"354 go ahead\r\n"
            }
            "QUIT" => b"221 bye\r\n",
            _ => b"250 OK\r\n",
        };
        if out.write_all(reply).is_err() {
            return;
        }
    }
}

/// A server that never greets costs one attempt with back-off, within the greeting limit, and
/// is never "unknown": nothing was handed over.
async fn silent_server_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let port = silent_server();
    let mailer = Mailer::new(app.services.clone(), &format!("smtp://127.0.0.1:{port}"))
        .unwrap()
        .with_limits(SHORT);
    case_for(&app, "anna@customer.test").await;
    let started = Instant::now();
    assert_eq!(mailer.run_next().await.unwrap(), Outcome::Processed(1));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let rows = mails(&app).await;
    assert_eq!(rows[0].status, "pending");
    assert_eq!(rows[0].attempts, 1);
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("did not greet"),
        "{:?}",
        rows[0].last_error
    );
    assert!(
        rows[0].next_attempt_at > rows[0].created_at,
        "with back-off"
    );
}

#[tokio::test]
async fn silent_server_sqlite() {
    silent_server_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn silent_server_postgres() {
    silent_server_scenario(TestBackend::Postgres).await;
}

/// A server that goes silent after taking the message: the outcome is unknown, recorded as such
/// within the transaction limit, and the mail is not sent again by itself.
async fn cut_hand_over_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let (port, seen) = stalling_server();
    let mailer = Mailer::new(app.services.clone(), &format!("smtp://127.0.0.1:{port}"))
        .unwrap()
        .with_limits(SHORT);
    case_for(&app, "boris@customer.test").await;
    assert_eq!(mailer.run_next().await.unwrap(), Outcome::Processed(1));
    assert_eq!(*seen.lock().unwrap(), 1, "the server saw the whole message");
    let rows = mails(&app).await;
    assert_eq!(rows[0].status, "unknown");
    assert!(rows[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("may have been delivered"));
    assert_eq!(
        mailer.run_next().await.unwrap(),
        Outcome::Idle,
        "not retried by itself"
    );
}

#[tokio::test]
async fn cut_hand_over_sqlite() {
    cut_hand_over_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn cut_hand_over_postgres() {
    cut_hand_over_scenario(TestBackend::Postgres).await;
}

/// A worker that claimed mails and died before reaching any server loses none of them: the
/// stale claim is released and the mail goes out exactly once.
async fn dead_claim_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    case_for(&app, "vera@customer.test").await;
    let db = app.services.db.clone();
    tokio::task::spawn_blocking(move || {
        db.write(|c| {
            // Claimed three minutes ago by a worker that is gone.
            let now = chrono::Utc::now().naive_utc();
            let then = now - chrono::Duration::minutes(3);
            let due = MailQueue::due(c, now, 10)?;
            let claimed = MailQueue::take(c, &due, then, then + chrono::Duration::minutes(2))?;
            assert_eq!(claimed.len(), 1);
            Ok::<_, helpdesk_store::StoreError>(())
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(mails(&app).await[0].status, "claimed");
    drain(&app, &mailer).await;
    let got = smtp.received();
    assert_eq!(got.len(), 1, "sent once");
    let rows = mails(&app).await;
    assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("sent", 1));
}

#[tokio::test]
async fn dead_claim_sqlite() {
    dead_claim_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn dead_claim_postgres() {
    dead_claim_scenario(TestBackend::Postgres).await;
}

/// Told to stop while a server keeps it waiting for a greeting, the mailer releases the mail
/// (its attempt not counted) and returns at once; a fresh mailer then sends it.
async fn stop_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let port = silent_server();
    let mailer = Mailer::new(app.services.clone(), &format!("smtp://127.0.0.1:{port}"))
        .unwrap()
        .with_limits(Limits {
            greeting: Duration::from_secs(30),
            transaction: Duration::from_secs(30),
        });
    case_for(&app, "gleb@customer.test").await;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(Arc::new(mailer).run(stopping));
    for _ in 0..100 {
        if mails(&app).await[0].status == "claimed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        mails(&app).await[0].status,
        "claimed",
        "waiting for a greeting"
    );
    let asked = Instant::now();
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the mailer stops promptly")
        .unwrap();
    assert!(asked.elapsed() < Duration::from_secs(5));
    let rows = mails(&app).await;
    assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("pending", 0));

    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    drain(&app, &mailer).await;
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn stop_releases_sqlite() {
    stop_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn stop_releases_postgres() {
    stop_scenario(TestBackend::Postgres).await;
}

/// Admins see what needs attention and resend it; agents see nothing of the queue; a mail that
/// is not failed or unknown cannot be resent.
async fn resend_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let (port, _) = stalling_server();
    let mailer = Mailer::new(app.services.clone(), &format!("smtp://127.0.0.1:{port}"))
        .unwrap()
        .with_limits(SHORT);
    case_for(&app, "dina@customer.test").await;
    mailer.run_next().await.unwrap();
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;

    let (s, _) = app
        .get("/api/v1/outgoing-mail?problems=true", &agent.token)
        .await;
    assert_eq!(s, 403);
    let (s, page) = app
        .get("/api/v1/outgoing-mail?problems=true", &admin.token)
        .await;
    assert_eq!(s, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["status"], "unknown");
    assert_eq!(items[0]["recipient"], "dina@customer.test");
    assert!(items[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("may have been delivered"));
    let id = items[0]["id"].as_i64().unwrap();
    let (s, sent) = app
        .get("/api/v1/outgoing-mail?status=sent", &admin.token)
        .await;
    assert_eq!(
        (s.as_u16(), sent["items"].as_array().unwrap().len()),
        (200, 0)
    );

    let (s, again) = app
        .post(
            &format!("/api/v1/outgoing-mail/{id}/resend"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["status"], "pending");
    assert_eq!(again["attempts"], 0);
    assert!(again["next_attempt_at"].is_string());
    let (s, twice) = app
        .post(
            &format!("/api/v1/outgoing-mail/{id}/resend"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "{twice}");
    let (s, _) = app
        .post(
            "/api/v1/outgoing-mail/999999/resend",
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 404);

    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    drain(&app, &mailer).await;
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["dina@customer.test".to_owned()]);
    let (_, page) = app
        .get("/api/v1/outgoing-mail?problems=true", &admin.token)
        .await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
}

#[tokio::test]
async fn resend_sqlite() {
    resend_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn resend_postgres() {
    resend_scenario(TestBackend::Postgres).await;
}
