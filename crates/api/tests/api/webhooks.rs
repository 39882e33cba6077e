//! Webhooks against a real HTTP receiver: signatures checked with an independent implementation
//! of Standard Webhooks, at-least-once delivery through a receiver outage in order per case,
//! the retry schedule, the delivery log and redelivery, internal notes only on opt-in, the
//! failure streak that turns a subscription off, and the SSRF guard.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use helpdesk_api_types::Role;
use helpdesk_service::ManualClock;
use helpdesk_test_support::{api_test, TestApp, TestBackend};
use serde_json::{json, Value};

use crate::org_with_contact;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: http::HeaderMap,
    body: String,
}

struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Got>>>,
    /// Answer 503 to everything while set.
    failing: Arc<std::sync::atomic::AtomicBool>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// Starts a receiver on `listener`.
    fn start(listener: TcpListener) -> Receiver {
        let port = listener.local_addr().unwrap().port();
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let failing: Arc<std::sync::atomic::AtomicBool> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (g, f) = (got.clone(), failing.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let (g, f) = (g.clone(), f.clone());
                    App::new().default_service(web::to(move |req: HttpRequest, body: String| {
                        let (g, f) = (g.clone(), f.clone());
                        async move {
                            if f.load(std::sync::atomic::Ordering::SeqCst) {
                                return HttpResponse::ServiceUnavailable().finish();
                            }
                            let mut headers = http::HeaderMap::new();
                            for (k, v) in req.headers() {
                                headers.insert(
                                    http::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
                                    http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
                                );
                            }
                            g.lock().unwrap().push(Got { headers, body });
                            HttpResponse::NoContent().finish()
                        }
                    }))
                })
                .workers(1)
                .listen(listener)
                .expect("receiver listens")
                .run();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        Receiver {
            port,
            got,
            failing,
            handle: rx.recv().unwrap(),
        }
    }

    fn received(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Takes every outbox event (writing deliveries), then sends what is due until nothing is.
async fn deliver(app: &TestApp) {
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
    let sender = helpdesk_worker::webhooks::WebhookSender::new(app.services.clone());
    for _ in 0..50 {
        if sender.run_next().await.unwrap() == helpdesk_worker::Outcome::Idle {
            return;
        }
    }
    panic!("webhook deliveries never ran out");
}

async fn spawn_with_clock(backend: TestBackend) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let c = clock.clone();
    let app = TestApp::spawn_customized(backend, Default::default(), move |svc| {
        svc.clock = c;
        svc.webhooks.allow_private_targets = true;
    })
    .await;
    (app, clock)
}

fn verify(secret: &str, got: &Got) -> Value {
    let wh = standardwebhooks::Webhook::new(secret).expect("a Standard Webhooks secret");
    wh.verify(got.body.as_bytes(), &got.headers)
        .unwrap_or_else(|e| panic!("signature does not verify: {e:?}: {}", got.body));
    serde_json::from_str(&got.body).unwrap()
}

/// The case an event is about.
fn case_of(event: &Value) -> i64 {
    let d = &event["data"];
    d["case"]["id"]
        .as_i64()
        .or_else(|| d["case_id"].as_i64())
        .unwrap_or(0)
}

async fn every_event_arrives_in_order_after_an_outage(backend: TestBackend) {
    let (app, clock) = spawn_with_clock(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Hooked").await;
    // Events before the subscription exists are not sent.
    deliver(&app).await;

    // The receiver's port, with nothing listening yet: the receiver is down.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let (s, sub) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({ "url": format!("http://127.0.0.1:{port}/hook"), "description": "mirror" }),
        )
        .await;
    assert_eq!(s, 201, "{sub}");
    let secret = sub["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = sub["id"].as_i64().unwrap();
    let (_, again) = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin.token)
        .await;
    assert!(again.get("secret").is_none(), "the secret is shown once");

    // Two cases, each with a few events.
    let mut cases = Vec::new();
    for subject in ["First", "Second"] {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": subject, "requester_id": contact }),
            )
            .await;
        assert_eq!(s, 201);
        let cid = case["id"].as_i64().unwrap();
        let (s, _) = app
            .post(
                &format!("/api/v1/cases/{cid}/stream"),
                &agent.token,
                json!({ "kind": "public", "body": format!("{subject}: hello") }),
            )
            .await;
        assert_eq!(s, 201);
        let (s, _) = app
            .post(
                &format!("/api/v1/cases/{cid}/stream"),
                &agent.token,
                json!({ "kind": "internal", "body": "not for subscriptions that do not opt in" }),
            )
            .await;
        assert_eq!(s, 201);
        let (s, _) = app
            .post(
                &format!("/api/v1/cases/{cid}/actions/hold"),
                &agent.token,
                json!({}),
            )
            .await;
        assert_eq!(s, 200);
        cases.push(cid);
    }

    // Down: every first attempt fails and is scheduled 5 s later.
    deliver(&app).await;
    let (_, log) = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), &admin.token)
        .await;
    let items = log["items"].as_array().unwrap();
    assert!(!items.is_empty());
    // Only the oldest delivery of each case was tried; the rest wait behind it.
    let tried: Vec<&Value> = items.iter().filter(|d| d["attempts"] == 1).collect();
    assert_eq!(tried.len(), 2, "{log}");
    for d in &tried {
        assert_eq!(d["status"], "retrying");
        assert_eq!(d["last_error"], "could not connect");
    }
    assert!(items.iter().all(|d| d["status"]
        == if d["attempts"] == 0 {
            "scheduled"
        } else {
            "retrying"
        }));
    // Nothing is due before the back-off ends.
    deliver(&app).await;
    let (_, log) = app
        .get(&format!("/api/v1/webhooks/{id}/deliveries"), &admin.token)
        .await;
    assert_eq!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["attempts"] == 1)
            .count(),
        2
    );
    clock.advance(chrono::Duration::seconds(6));
    deliver(&app).await;
    let (_, detail) = app
        .get(
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}",
                tried[0]["id"].as_i64().unwrap()
            ),
            &admin.token,
        )
        .await;
    assert_eq!(
        detail["attempt_log"].as_array().unwrap().len(),
        2,
        "{detail}"
    );
    assert_eq!(detail["delivery"]["attempts"], 2);

    // Up again: after the next back-off (5 min) everything arrives.
    let receiver = Receiver::start(TcpListener::bind(("127.0.0.1", port)).unwrap());
    clock.advance(chrono::Duration::minutes(5));
    deliver(&app).await;
    let got = receiver.received();
    let events: Vec<Value> = got.iter().map(|g| verify(&secret, g)).collect();
    for cid in &cases {
        let of_case: Vec<&Value> = events.iter().filter(|e| case_of(e) == *cid).collect();
        let types: Vec<&str> = of_case
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "case.created",
                // The agent's public reply: awaiting the customer, then the message itself.
                "case.status_changed",
                "message.created",
                "case.status_changed"
            ],
            "case {cid}: {types:?}"
        );
        assert_eq!(of_case[1]["data"]["to"], "awaiting_customer");
        assert_eq!(of_case[2]["data"]["visibility"], "public");
        assert_eq!(of_case[3]["data"]["from"], "awaiting_customer");
        assert_eq!(of_case[3]["data"]["to"], "on_hold");
        // Ids of one case increase in the order of the events.
        let ids: Vec<i64> = got
            .iter()
            .filter(|g| case_of(&serde_json::from_str(&g.body).unwrap()) == *cid)
            .map(|g| {
                g.headers["webhook-id"].to_str().unwrap()["msg_evt".len()..]
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }
    // At least once: nothing is missing, nothing internal leaked.
    assert!(!got.iter().any(|g| g.body.contains("not for subscriptions")));
    let (_, log) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?status=delivered"),
            &admin.token,
        )
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), got.len());
    let (_, pending) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries?status=scheduled"),
            &admin.token,
        )
        .await;
    assert!(pending["items"].as_array().unwrap().is_empty(), "{pending}");
    let first = &log["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(first["last_status_code"], 204);

    // Manual redelivery sends the same message again, newly signed.
    let (s, again) = app
        .post(
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}/redeliver",
                first["id"].as_i64().unwrap()
            ),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 202, "{again}");
    deliver(&app).await;
    let got = receiver.received();
    let last = got.last().unwrap();
    verify(&secret, last);
    assert_eq!(
        last.headers["webhook-id"].to_str().unwrap(),
        first["message_id"].as_str().unwrap()
    );

    // A ping; after rotating the secret, the old one no longer verifies.
    let (s, rotated) = app
        .post(
            &format!("/api/v1/webhooks/{id}/secret"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let (s, _) = app
        .post(
            &format!("/api/v1/webhooks/{id}/ping"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 202);
    deliver(&app).await;
    let ping = receiver.received().last().unwrap().clone();
    let body = verify(&new_secret, &ping);
    assert_eq!(body["type"], "ping");
    let old = standardwebhooks::Webhook::new(&secret).unwrap();
    assert!(old.verify(ping.body.as_bytes(), &ping.headers).is_err());
}

#[tokio::test]
async fn every_event_arrives_in_order_after_an_outage_sqlite() {
    every_event_arrives_in_order_after_an_outage(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn every_event_arrives_in_order_after_an_outage_postgres() {
    every_event_arrives_in_order_after_an_outage(TestBackend::Postgres).await;
}

async fn filters_opt_in_and_failure_streak(backend: TestBackend) {
    let (app, clock) = spawn_with_clock(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let receiver = Receiver::start(TcpListener::bind("127.0.0.1:0").unwrap());
    let port = receiver.port;
    let url = format!("http://127.0.0.1:{port}/all");
    // One subscription for messages including internal notes, one for contacts only.
    let (s, notes) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({ "url": url, "event_types": ["message.created"], "include_internal": true }),
        )
        .await;
    assert_eq!(s, 201, "{notes}");
    let (s, contacts) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({ "url": format!("http://127.0.0.1:{port}/contacts"), "event_types": ["contact.created"] }),
        )
        .await;
    assert_eq!(s, 201);
    let (_, contact) = org_with_contact(&app, &agent, "Filtered").await;
    let (_, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Filter", "requester_id": contact }),
        )
        .await;
    let cid = case["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/cases/{cid}/stream"),
        &agent.token,
        json!({ "kind": "internal", "body": "secret plan" }),
    )
    .await;
    deliver(&app).await;
    let got = receiver.received();
    let to_notes: Vec<Value> = got
        .iter()
        .filter(|g| g.headers.get("webhook-id").is_some())
        .filter(|g| g.body.contains("message.created"))
        .map(|g| verify(notes["secret"].as_str().unwrap(), g))
        .collect();
    assert_eq!(to_notes.len(), 1, "only the note: {got:?}");
    assert_eq!(to_notes[0]["data"]["visibility"], "internal");
    assert_eq!(to_notes[0]["data"]["entry"]["body"], "secret plan");
    let to_contacts: Vec<Value> = got
        .iter()
        .filter(|g| g.body.contains("contact.created"))
        .map(|g| verify(contacts["secret"].as_str().unwrap(), g))
        .collect();
    assert_eq!(to_contacts.len(), 1);
    assert_eq!(to_contacts[0]["data"]["contact"]["id"], contact);
    assert_eq!(got.len(), 2, "nothing else was subscribed to");

    // The receiver fails for longer than the streak allows (3 days): the subscription is
    // turned off and the admins are told.
    receiver
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let nid = notes["id"].as_i64().unwrap();
    for _ in 0..3 {
        app.post(
            &format!("/api/v1/cases/{cid}/stream"),
            &agent.token,
            json!({ "kind": "public", "body": "into the void" }),
        )
        .await;
    }
    deliver(&app).await;
    for _ in 0..12 {
        clock.advance(chrono::Duration::hours(10));
        deliver(&app).await;
    }
    let (_, sub) = app
        .get(&format!("/api/v1/webhooks/{nid}"), &admin.token)
        .await;
    assert_eq!(sub["active"], false, "{sub}");
    assert!(sub["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("every delivery failed"));
    let (_, failed) = app
        .get(
            &format!("/api/v1/webhooks/{nid}/deliveries?status=failed"),
            &admin.token,
        )
        .await;
    let failed = failed["items"].as_array().unwrap();
    assert!(!failed.is_empty());
    assert_eq!(failed[0]["attempts"], 8, "the whole schedule was tried");
    assert_eq!(failed[0]["last_status_code"], 503);
    let (_, inbox) = app.get("/api/v1/notifications", &admin.token).await;
    assert_eq!(inbox["items"][0]["kind"], "system", "{inbox}");
    assert!(inbox["items"][0]["title"]
        .as_str()
        .unwrap()
        .contains("/all"));

    // Turned back on, it delivers what was still pending, in order.
    receiver
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let before = receiver.received().len();
    let (s, sub) = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/webhooks/{nid}"),
            Some(&admin.token),
            Some(&json!({ "url": url, "event_types": ["message.created"], "include_internal": true, "active": true })),
        )
        .await;
    assert_eq!(s, 200, "{sub}");
    assert!(sub["disabled_reason"].is_null());
    app.post(
        &format!("/api/v1/cases/{cid}/stream"),
        &agent.token,
        json!({ "kind": "public", "body": "back" }),
    )
    .await;
    deliver(&app).await;
    let got = receiver.received();
    assert!(got.len() > before);
    assert!(got.last().unwrap().body.contains("back"));
}

#[tokio::test]
async fn filters_opt_in_and_failure_streak_sqlite() {
    filters_opt_in_and_failure_streak(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn filters_opt_in_and_failure_streak_postgres() {
    filters_opt_in_and_failure_streak(TestBackend::Postgres).await;
}

api_test!(async fn internal_targets_are_refused(app) {
    let admin = app.user(Role::Admin, None, None).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
    ] {
        let (s, problem) = app
            .post("/api/v1/webhooks", &admin.token, json!({ "url": url }))
            .await;
        assert_eq!(s, 422, "{url}: {problem}");
        let why = problem["errors"]["url"][0].as_str().unwrap();
        assert!(why.contains("private") || why.contains("loopback"), "{why}");
    }
    let (s, problem) = app
        .post("/api/v1/webhooks", &admin.token, json!({ "url": "ftp://example.com/x" }))
        .await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["url"].is_array());
    let (s, problem) = app
        .post("/api/v1/webhooks", &admin.token, json!({ "url": "https://example.com/x", "event_types": ["case.exploded"] }))
        .await;
    assert_eq!(s, 422, "{problem}");
    let (_, list) = app.get("/api/v1/webhooks", &admin.token).await;
    assert_eq!(list, json!([]), "nothing was stored");
    let (s, catalog) = app.get("/api/v1/webhooks/event-types", &admin.token).await;
    assert_eq!(s, 200);
    assert!(catalog.as_array().unwrap().iter().any(|t| t["type"] == "message.created" && t["data_schema"] == "MessageCreatedData"));
});

/// An SMTP server that accepts connections and never answers delays no webhook: every job of
/// the worker runs on its own. The held mails are released, unsent and uncounted, when the
/// worker is stopped.
async fn hung_smtp_delays_no_webhook(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.webhooks.allow_private_targets = true;
        svc.notify.mail_from = Some("Helpdesk <support@helpdesk.test>".into());
    })
    .await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let receiver = Receiver::start(TcpListener::bind("127.0.0.1:0").unwrap());
    let (s, hook) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({ "url": format!("http://127.0.0.1:{}/in", receiver.port), "event_types": ["case.created"] }),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    // Accepts and holds every connection, never greets.
    let smtp = TcpListener::bind("127.0.0.1:0").unwrap();
    let smtp_port = smtp.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in smtp.incoming().flatten() {
            held.push(s);
        }
    });
    let slow = std::time::Duration::from_secs(60);
    let mailer = helpdesk_worker::mailer::Mailer::new(
        app.services.clone(),
        &format!("smtp://127.0.0.1:{smtp_port}"),
    )
    .unwrap()
    .with_limits(helpdesk_worker::mailer::Limits {
        greeting: slow,
        transaction: slow,
    });
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(helpdesk_worker::run(
        app.services.clone(),
        Some(mailer),
        helpdesk_worker::imap::ImapPoller::new(app.services.clone()),
        stopping,
    ));
    let mut cases = Vec::new();
    for n in 0..3 {
        let (_, contact) = org_with_contact(&app, &agent, &format!("Hung{n}")).await;
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": format!("Hung {n}"), "requester_id": contact }),
            )
            .await;
        assert_eq!(s, 201, "{case}");
        cases.push(case["id"].as_i64().unwrap());
    }
    let started = std::time::Instant::now();
    while receiver.received().len() < cases.len() && started.elapsed().as_secs() < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut got: Vec<i64> = receiver
        .received()
        .iter()
        .map(|g| case_of(&verify(hook["secret"].as_str().unwrap(), g)))
        .collect();
    got.sort();
    assert_eq!(got, cases, "every webhook arrived while mail hangs");
    assert!(
        started.elapsed().as_secs() < 5,
        "webhooks waited {:?}",
        started.elapsed()
    );
    let db = app.services.db.clone();
    let held = move || {
        let db = db.clone();
        async move {
            tokio::task::spawn_blocking(move || db.read(helpdesk_store::notifications::all_mails))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let rows = held().await;
    assert!(!rows.is_empty());
    assert!(
        rows.iter().any(|m| m.status == "claimed"),
        "the hung server holds mail: {:?}",
        rows.iter().map(|m| &m.status).collect::<Vec<_>>()
    );
    assert!(rows.iter().all(|m| m.status != "sent"));

    let asked = std::time::Instant::now();
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), worker)
        .await
        .expect("the worker stops promptly")
        .unwrap();
    assert!(asked.elapsed().as_secs() < 10);
    for m in held().await {
        assert_eq!(
            (m.status.as_str(), m.attempts),
            ("pending", 0),
            "released unsent: {m:?}"
        );
    }
}

#[tokio::test]
async fn hung_smtp_delays_no_webhook_sqlite() {
    hung_smtp_delays_no_webhook(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn hung_smtp_delays_no_webhook_postgres() {
    hung_smtp_delays_no_webhook(TestBackend::Postgres).await;
}

/// A receiver that was down for longer than the first retries gets its backlog within a minute
/// of coming back, in order, instead of at the next scheduled retry (30 minutes later): while a
/// subscription fails, one delivery is tried early once a minute. A probe that fails changes
/// nothing of the schedule. The log tells scheduled, retrying and delivered apart.
async fn recovered_receiver_catches_up(backend: TestBackend) {
    let (app, clock) = spawn_with_clock(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (s, hook) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({ "url": format!("http://127.0.0.1:{port}/in"), "event_types": ["case.created"] }),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    let id = hook["id"].as_i64().unwrap();
    let mut cases = Vec::new();
    for n in 0..3 {
        let (_, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": format!("Backlog {n}") }),
            )
            .await;
        cases.push(case["id"].as_i64().unwrap());
    }
    let log = |status: &'static str| {
        let (app, token) = (&app, admin.token.clone());
        async move {
            let (_, page) = app
                .get(
                    &format!("/api/v1/webhooks/{id}/deliveries?status={status}"),
                    &token,
                )
                .await;
            page["items"].as_array().unwrap().clone()
        }
    };
    // The events become deliveries, not tried yet.
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
    assert_eq!(log("scheduled").await.len(), 3);
    // Down through the first three attempts (now, +5 s, +5 min): the next is 30 minutes away.
    deliver(&app).await;
    clock.advance(chrono::Duration::seconds(6));
    deliver(&app).await;
    clock.advance(chrono::Duration::minutes(5) + chrono::Duration::seconds(1));
    deliver(&app).await;
    let retrying = log("retrying").await;
    assert_eq!(retrying.len(), 3, "{retrying:?}");
    assert!(retrying.iter().all(|d| d["attempts"] == 3));
    let next: Vec<Value> = retrying
        .iter()
        .map(|d| d["next_attempt_at"].clone())
        .collect();

    // Still down a minute later: the probe fails; the schedule stands.
    clock.advance(chrono::Duration::seconds(61));
    deliver(&app).await;
    let after_probe = log("retrying").await;
    assert!(
        after_probe.iter().all(|d| d["attempts"] == 3),
        "{after_probe:?}"
    );
    assert_eq!(
        after_probe
            .iter()
            .map(|d| d["next_attempt_at"].clone())
            .collect::<Vec<_>>(),
        next
    );
    let head = after_probe
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .min()
        .unwrap();
    let (_, detail) = app
        .get(
            &format!("/api/v1/webhooks/{id}/deliveries/{head}"),
            &admin.token,
        )
        .await;
    assert_eq!(
        detail["attempt_log"].as_array().unwrap().len(),
        4,
        "three tries and a probe: {detail}"
    );

    // Back: within the next minute everything arrives, in order, long before the 30-minute retry.
    let receiver = Receiver::start(TcpListener::bind(("127.0.0.1", port)).unwrap());
    clock.advance(chrono::Duration::seconds(61));
    deliver(&app).await;
    let got: Vec<i64> = receiver
        .received()
        .iter()
        .map(|g| case_of(&verify(hook["secret"].as_str().unwrap(), g)))
        .collect();
    assert_eq!(got.len(), 3, "the whole backlog: {got:?}");
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, cases);
    assert_eq!(log("delivered").await.len(), 3);
    assert!(log("retrying").await.is_empty());
    let (_, sub) = app
        .get(&format!("/api/v1/webhooks/{id}"), &admin.token)
        .await;
    assert!(sub["failing_since"].is_null(), "{sub}");
}

#[tokio::test]
async fn recovered_receiver_catches_up_sqlite() {
    recovered_receiver_catches_up(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn recovered_receiver_catches_up_postgres() {
    recovered_receiver_catches_up(TestBackend::Postgres).await;
}
