//! Notification fan-out and the SMTP outbox against a real SMTP server (aiosmtpd, delivering
//! into a Maildir), on both backends.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::TcpListener;

use helpdesk_api_types::Role;
use helpdesk_store::notifications as store;
use helpdesk_store::queue::MailQueue;
use helpdesk_test_support::{TestApp, TestBackend, TestUser};
use helpdesk_worker::mailer::Mailer;
use helpdesk_worker::{OutboxConsumer, Outcome};
use serde_json::{json, Value};
use support::{drain, mails_to, SmtpServer};

async fn app_with_mail(backend: TestBackend) -> TestApp {
    TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.notify.mail_from = Some("Helpdesk <support@helpdesk.test>".into());
        svc.notify.public_url = Some("https://help.example.test".into());
    })
    .await
}

async fn customer(app: &TestApp, agent: &TestUser, email: &str) -> i64 {
    let (s, org) = app
        .post(
            "/api/v1/organizations",
            &agent.token,
            json!({ "name": format!("Org of {email}") }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, contact) = app.post("/api/v1/contacts", &agent.token, json!({
        "first_name": "Иван", "last_name": "Петров", "organization_id": org["id"], "emails": [email],
    })).await;
    assert_eq!(s, 201, "{contact}");
    contact["id"].as_i64().unwrap()
}

/// Switches portal access on for a contact whose portal user exists (with a password): no
/// invitation is sent to someone who already signs in.
async fn open_portal(app: &TestApp, agent: &TestUser, contact: i64) {
    let (s, changed) = app
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            &agent.token,
            json!({ "portal_access": true }),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert!(changed.get("portal_invitation").is_none(), "{changed}");
}

fn local_part(u: &TestUser) -> &str {
    u.email.split('@').next().unwrap()
}

async fn fan_out_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();

    let anna = app
        .user_speaking(Role::Agent, Some(1), None, Some("ru"))
        .await;
    let boris = app.user(Role::Agent, Some(2), None).await;
    let carl = app.user(Role::Agent, Some(1), None).await;
    // Boris follows every new case; Carl wants no email about messages.
    let mut settings =
        serde_json::to_value(helpdesk_api_types::notifications::NotificationSettings::default())
            .unwrap();
    settings["auto_follow"] = json!(true);
    let (s, saved) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/me/notification-settings",
            Some(&boris.token),
            Some(&settings),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["auto_follow"], true);
    let mut quiet =
        serde_json::to_value(helpdesk_api_types::notifications::NotificationSettings::default())
            .unwrap();
    quiet["email"]["message"] = json!(false);
    let (s, _) = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/me/notification-settings",
            Some(&carl.token),
            Some(&quiet),
        )
        .await;
    assert_eq!(s, 200);

    let ivan_email = "ivan.petrov@customer.test";
    let ivan_contact = customer(&app, &anna, ivan_email).await;
    let ivan = app
        .user_speaking(Role::Portal, None, Some(ivan_contact), Some("ru"))
        .await;
    open_portal(&app, &anna, ivan_contact).await;

    // Anna registers Ivan's call; Carl follows it by hand.
    let (s, case) = app.post("/api/v1/cases", &anna.token, json!({ "subject": "VPN отваливается", "description": "Звонок клиента", "requester_id": ivan_contact })).await;
    assert_eq!(s, 201, "{case}");
    let (id, n) = (
        case["id"].as_i64().unwrap(),
        case["number"].as_i64().unwrap(),
    );
    let (s, _) = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/cases/{id}/followers/me"),
            Some(&carl.token),
            None,
        )
        .await;
    assert!(s.is_success());
    let (s, followers) = app
        .get(&format!("/api/v1/cases/{id}/followers"), &anna.token)
        .await;
    assert_eq!(s, 200);
    let follower_ids: Vec<i64> = followers["user_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    for who in [anna.id, boris.id, ivan.id, carl.id] {
        assert!(
            follower_ids.contains(&who),
            "assignee, auto-follower, requester's portal account and Carl follow: {followers}"
        );
    }

    let secret = "клиент должен нам за три месяца";
    let (s, _) = app.post(&format!("/api/v1/cases/{id}/stream"), &anna.token, json!({ "kind": "internal", "body": format!("@{} посмотри, {secret}", local_part(&boris)) })).await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &anna.token,
            json!({ "kind": "public", "body": "Перезагрузите роутер, пожалуйста." }),
        )
        .await;
    assert_eq!(s, 201);
    drain(&app, &mailer).await;

    let all = smtp.received();
    // The customer: registration and the public reply, in Russian, with the case tag; never the note.
    let to_ivan = mails_to(&all, ivan_email);
    let subjects: Vec<&str> = to_ivan.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(to_ivan.len(), 2, "{subjects:?}");
    assert!(
        subjects.contains(
            &format!("[#{n}] Ваше обращение зарегистрировано: VPN отваливается").as_str()
        ),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("Re: [#{n}] VPN отваливается").as_str()),
        "{subjects:?}"
    );
    assert!(to_ivan
        .iter()
        .any(|m| m.body.contains("Перезагрузите роутер")));
    for m in &all {
        if !m.to.iter().any(|t| t.ends_with("@example.test")) {
            assert!(
                !m.body.contains(secret) && !m.subject.contains(secret),
                "an internal note reached {:?}",
                m.to
            );
        }
        assert_eq!(m.auto_submitted.as_deref(), Some("auto-generated"));
    }
    // Boris: new case, the mention (one notification for the note), the reply — in English.
    let to_boris: Vec<&str> = mails_to(&all, &boris.email)
        .iter()
        .map(|m| m.subject.as_str())
        .collect();
    assert!(
        to_boris
            .iter()
            .any(|s| s.starts_with(&format!("[#{n}] ")) && s.contains("mentioned you")),
        "{to_boris:?}"
    );
    assert!(
        to_boris.iter().any(|s| s.contains("New message")),
        "{to_boris:?}"
    );
    assert!(
        !to_boris.iter().any(|s| s.contains("New internal note")),
        "the mention replaces the follower note: {to_boris:?}"
    );
    // Anna did it all herself: nothing. Carl: no email about messages, but in-app ones.
    assert!(mails_to(&all, &anna.email).is_empty());
    assert!(
        mails_to(&all, &carl.email).is_empty(),
        "Carl switched message email off"
    );
    let (_, carl_inbox) = app.get("/api/v1/notifications", &carl.token).await;
    let carl_titles: Vec<&str> = carl_inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(carl_titles.len(), 2, "{carl_titles:?}");
    assert!(carl_titles.iter().any(|t| t.contains("New internal note")));

    // In the app: Ivan sees the reply, never the note.
    let (s, inbox) = app.get("/api/v1/notifications", &ivan.token).await;
    assert_eq!(s, 200);
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["kind"], "message");
    assert_eq!(
        items[0]["title"],
        format!("[#{n}] Новое сообщение: VPN отваливается")
    );
    let (_, count) = app
        .get("/api/v1/notifications/unread-count", &boris.token)
        .await;
    let unread = count["unread"].as_i64().unwrap();
    assert_eq!(unread, 3, "new case, mention, reply");
    let (_, boris_inbox) = app
        .get("/api/v1/notifications?unread=true&limit=1", &boris.token)
        .await;
    let first = boris_inbox["items"][0]["id"].as_i64().unwrap();
    assert!(boris_inbox["next_cursor"].is_string());
    let (s, _) = app
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            &boris.token,
            json!(null),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            &ivan.token,
            json!(null),
        )
        .await;
    assert_eq!(
        s, 404,
        "another user's notification does not exist for Ivan"
    );
    let (_, count) = app
        .get("/api/v1/notifications/unread-count", &boris.token)
        .await;
    assert_eq!(count["unread"], unread - 1);
    let (_, marked) = app
        .post("/api/v1/notifications/read-all", &boris.token, json!(null))
        .await;
    assert_eq!(marked["marked"], unread - 1);

    // Everything went out once: running the jobs again sends nothing more.
    let before = all.len();
    drain(&app, &mailer).await;
    assert_eq!(smtp.received().len(), before);
    let db = app.services.db.clone();
    let rows = tokio::task::spawn_blocking(move || db.read(store::all_mails))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rows.len(), before);
    assert!(rows.iter().all(|m| m.status == "sent" && m.attempts == 1));
}

#[tokio::test]
async fn fan_out_sqlite() {
    fan_out_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn fan_out_postgres() {
    fan_out_scenario(TestBackend::Postgres).await;
}

/// The SMTP server is down: the mail waits and goes out once it is back, exactly once.
async fn retry_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = Mailer::new(app.services.clone(), &format!("smtp://127.0.0.1:{port}")).unwrap();
    let agent = app.user(Role::Agent, Some(1), None).await;
    let contact = customer(&app, &agent, "olga@customer.test").await;
    let (_, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer", "requester_id": contact }),
        )
        .await;

    drain(&app, &mailer).await;
    let db = app.services.db.clone();
    let rows = tokio::task::spawn_blocking(move || db.read(store::all_mails))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "pending", "a refused connection is retried");
    assert_eq!(rows[0].attempts, 1);
    assert!(rows[0].last_error.is_some());
    assert!(
        rows[0].next_attempt_at > rows[0].created_at,
        "with back-off"
    );

    // Not due yet: nothing is attempted.
    assert_eq!(mailer.run_next().await.unwrap(), Outcome::Idle);
    let smtp = SmtpServer::start_on(port);
    let db = app.services.db.clone();
    let mail_id = rows[0].id;
    let rescheduled = tokio::task::spawn_blocking(move || {
        db.write(|c| {
            // An admin's "try now": due at once, its count kept.
            MailQueue::reschedule(c, mail_id, chrono::Utc::now().naive_utc())
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert!(rescheduled, "a waiting mail can be made due");
    drain(&app, &mailer).await;
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["olga@customer.test".to_owned()]);
    assert!(
        got[0]
            .subject
            .starts_with(&format!("[#{}] Your request is registered", case["number"])),
        "{}",
        got[0].subject
    );
    let db = app.services.db.clone();
    let rows = tokio::task::spawn_blocking(move || db.read(store::all_mails))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("sent", 2));
}

#[tokio::test]
async fn smtp_retry_sqlite() {
    retry_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn smtp_retry_postgres() {
    retry_scenario(TestBackend::Postgres).await;
}

/// A worker that dies after claiming a mail never sends it twice.
async fn stuck_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    let agent = app.user(Role::Agent, Some(1), None).await;
    let contact = customer(&app, &agent, "petr@customer.test").await;
    app.post(
        "/api/v1/cases",
        &agent.token,
        json!({ "subject": "Crash", "requester_id": contact }),
    )
    .await;
    let consumer = OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || consumer.run_next())
        .await
        .unwrap()
        .unwrap();
    // Claimed eleven minutes ago by a worker that is gone.
    let db = app.services.db.clone();
    tokio::task::spawn_blocking(move || {
        db.write(|c| {
            let now = chrono::Utc::now().naive_utc();
            let then = now - chrono::Duration::minutes(11);
            let due = MailQueue::due(c, now, 10)?;
            let claimed = MailQueue::take(c, &due, then, then + chrono::Duration::minutes(2))?;
            assert_eq!(claimed.len(), 1);
            // It reached a server, under a lease of ten minutes that ran out a minute ago.
            let sending = MailQueue::advance(
                c,
                claimed[0],
                "sending",
                then + chrono::Duration::minutes(10),
            )?;
            assert!(sending.is_some());
            Ok::<_, helpdesk_store::StoreError>(())
        })
    })
    .await
    .unwrap()
    .unwrap();
    drain(&app, &mailer).await;
    assert!(
        smtp.received().is_empty(),
        "a mail that may have gone out is not sent again"
    );
    let db = app.services.db.clone();
    let rows = tokio::task::spawn_blocking(move || db.read(store::all_mails))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rows[0].status, "unknown");
}

#[tokio::test]
async fn stuck_mail_sqlite() {
    stuck_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn stuck_mail_postgres() {
    stuck_scenario(TestBackend::Postgres).await;
}

/// Assignment, a customer's portal message, status changes and escalation reach the right
/// people; a contact who asked for no email gets none.
async fn assignment_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    let admin = app.user(Role::Admin, None, None).await;
    let first = app.user(Role::Agent, Some(1), None).await;
    let second = app
        .user_speaking(Role::Agent, Some(1), None, Some("ru"))
        .await;
    let (s, _) = app
        .post(
            "/api/v1/teams",
            &admin.token,
            json!({ "name": "Line 2", "support_line": 2 }),
        )
        .await;
    assert_eq!(s, 201);

    // A customer registers a case in the portal: the confirmation goes to them.
    let olga_email = "olga@customer.test";
    let olga_contact = customer(&app, &first, olga_email).await;
    let olga = app.user(Role::Portal, None, Some(olga_contact)).await;
    open_portal(&app, &first, olga_contact).await;
    let (s, case) = app
        .post(
            "/api/v1/portal/cases",
            &olga.token,
            json!({ "subject": "Cannot print", "description": "Error 42" }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let (id, n) = (
        case["id"].as_i64().unwrap(),
        case["number"].as_i64().unwrap(),
    );

    // The first agent assigns it to the second, who hears of it (in Russian).
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/actions/assign"),
            &first.token,
            json!({ "assignee_id": second.id }),
        )
        .await;
    assert_eq!(s, 200);
    drain(&app, &mailer).await;
    let all = smtp.received();
    let to_olga = mails_to(&all, olga_email);
    assert_eq!(to_olga.len(), 1);
    assert!(
        to_olga[0]
            .subject
            .starts_with(&format!("[#{n}] Your request is registered")),
        "{}",
        to_olga[0].subject
    );
    let to_second: Vec<&str> = mails_to(&all, &second.email)
        .iter()
        .map(|m| m.subject.as_str())
        .collect();
    assert_eq!(
        to_second,
        vec![format!("[#{n}] Назначено вам: Cannot print").as_str()]
    );
    assert!(mails_to(&all, &first.email).is_empty());

    // The customer writes; the assignee (a follower) hears of it, the customer does not get
    // their own words back.
    let (s, _) = app
        .post(
            &format!("/api/v1/portal/cases/{id}/messages"),
            &olga.token,
            json!({ "body": "Any news?" }),
        )
        .await;
    assert_eq!(s, 201);
    drain(&app, &mailer).await;
    let all = smtp.received();
    assert_eq!(
        mails_to(&all, olga_email).len(),
        1,
        "no echo of the customer's own message"
    );
    assert!(mails_to(&all, &second.email).iter().any(|m| m.subject
        == format!("[#{n}] Новое сообщение: Cannot print")
        && m.body.contains("Any news?")));

    // Escalation and resolving: followers get in-app notices; status email is off by default.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/actions/escalate"),
            &second.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/actions/resolve"),
            &admin.token,
            json!({ "resolution": "Driver reinstalled" }),
        )
        .await;
    assert_eq!(s, 200);
    drain(&app, &mailer).await;
    let (_, inbox) = app.get("/api/v1/notifications", &second.token).await;
    let titles: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&format!("[#{n}] Статус: решено: Cannot print").as_str()),
        "{titles:?}"
    );
    let (_, inbox) = app.get("/api/v1/notifications", &olga.token).await;
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["status"],
        "the customer hears that it is resolved, not of the escalation inside: {inbox}"
    );
    let before = smtp.received().len();

    // A contact who asked for no email: nothing, not even the registration.
    let (s, quiet) = app.post("/api/v1/contacts", &first.token, json!({
        "first_name": "Quiet", "last_name": "Person", "emails": ["quiet@customer.test"], "do_not_email": true })).await;
    assert_eq!(s, 201, "{quiet}");
    let (s, _) = app
        .post(
            "/api/v1/cases",
            &first.token,
            json!({ "subject": "Shh", "requester_id": quiet["id"] }),
        )
        .await;
    assert_eq!(s, 201);
    drain(&app, &mailer).await;
    assert_eq!(smtp.received().len(), before);
}

#[tokio::test]
async fn assignment_sqlite() {
    assignment_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn assignment_postgres() {
    assignment_scenario(TestBackend::Postgres).await;
}

/// Switching portal access on mails an invitation through the SMTP server; its link lets the
/// customer choose a password and sign in, once.
async fn invitation_scenario(backend: TestBackend) {
    let app = app_with_mail(backend).await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    let agent = app.user(Role::Agent, Some(1), None).await;
    let email = "nina@customer.test";
    let contact = customer(&app, &agent, email).await;
    let (s, changed) = app
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            &agent.token,
            json!({ "portal_access": true }),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["portal_invitation"]["email"], email, "{changed}");
    drain(&app, &mailer).await;

    let all = smtp.received();
    let to_nina = mails_to(&all, email);
    assert_eq!(to_nina.len(), 1, "one invitation");
    assert_eq!(to_nina[0].subject, "Your invitation to the support portal");
    let body = &to_nina[0].body;
    let link = body
        .split_whitespace()
        .find(|w| w.starts_with("https://help.example.test/invite/"))
        .unwrap_or_else(|| panic!("a link in {body}"));
    let token = link.rsplit('/').next().unwrap();

    let (s, info) = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/auth/invitations/{token}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200, "{info}");
    assert_eq!(info["email"], email);
    let accept = json!({ "token": token, "password": "a long new password" });
    let (s, signed_in) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/invitations/accept",
            None,
            Some(&accept),
        )
        .await;
    assert_eq!(s, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["role"], "portal");
    let (s, mine) = app
        .get(
            "/api/v1/portal/cases",
            signed_in["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(s, 200, "{mine}");
    let (s, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/invitations/accept",
            None,
            Some(&accept),
        )
        .await;
    assert_eq!(s, 404, "the link works once");
    let (s, _) = app.login(email, "a long new password").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn invitation_sqlite() {
    invitation_scenario(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn invitation_postgres() {
    invitation_scenario(TestBackend::Postgres).await;
}
