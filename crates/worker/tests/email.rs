//! Email into cases through the inbound endpoint, with the worker sending auto-replies and
//! replies to a real SMTP server; on both backends.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend, TestUser};
use helpdesk_worker::mailer::Mailer;
use serde_json::{json, Value};
use support::{drain, mails_to, SmtpServer};

struct Desk {
    app: TestApp,
    smtp: SmtpServer,
    mailer: Mailer,
    admin: TestUser,
    agent: TestUser,
    mailbox: i64,
    token: String,
}

async fn desk(backend: TestBackend) -> Desk {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.notify.mail_from = Some("Helpdesk <notifications@helpdesk.test>".into());
    })
    .await;
    let smtp = SmtpServer::start();
    let mailer = Mailer::new(app.services.clone(), &smtp.url()).unwrap();
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, created) = app
        .post(
            "/api/v1/mailboxes",
            &admin.token,
            json!({ "name": "Support", "address": "support@helpdesk.test", "language": "ru" }),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    Desk {
        mailbox: created["mailbox"]["id"].as_i64().unwrap(),
        token: created["inbound_token"].as_str().unwrap().to_owned(),
        app,
        smtp,
        mailer,
        admin,
        agent,
    }
}

impl Desk {
    async fn deliver(&self, raw: &str) -> (u16, Value) {
        let resp = self
            .app
            .client
            .post(self.app.url(&format!(
                "/api/v1/inbound/mailboxes/{}/messages",
                self.mailbox
            )))
            .bearer_auth(&self.token)
            .header("content-type", "message/rfc822")
            .body(raw.replace('\n', "\r\n"))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn case(&self, id: &Value) -> Value {
        let (s, case) = self
            .app
            .get(&format!("/api/v1/cases/{id}"), &self.agent.token)
            .await;
        assert_eq!(s, 200);
        case
    }

    async fn stream(&self, id: &Value) -> Vec<Value> {
        let (_, page) = self
            .app
            .get(&format!("/api/v1/cases/{id}/stream"), &self.agent.token)
            .await;
        page["items"].as_array().unwrap().clone()
    }
}

fn mail(from: &str, message_id: &str, subject: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: support@helpdesk.test\nSubject: {subject}\nMessage-ID: <{message_id}>\nDate: Sun, 22 Nov 2026 10:00:00 +0300\n{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

async fn new_case_auto_reply_and_threading(backend: TestBackend) {
    let d = desk(backend).await;
    // A stranger writes, in Russian (RFC 2047 subject), with a colleague in Cc.
    let first = mail(
        "=?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <Ivan.Petrov@Customer.test>",
        "first@customer.test",
        "=?UTF-8?B?0J3QtSDRgNCw0LHQvtGC0LDQtdGCIFZQTg==?=",
        "Cc: Olga <olga@customer.test>, support@helpdesk.test\n",
        "VPN отваливается каждый час.",
    );
    let (s, r) = d.deliver(&first).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "created");
    assert_eq!(r["thread_rule"], "new_case");
    let case = d.case(&r["case_id"]).await;
    let n = case["number"].as_i64().unwrap();
    assert_eq!(case["subject"], "Не работает VPN");
    assert_eq!(case["channel"], "email");
    assert_eq!(case["status"], "new");
    assert_eq!(
        case["contact_ids"].as_array().unwrap().len(),
        2,
        "the sender and the Cc colleague: {case}"
    );
    let (_, requester) = d
        .app
        .get(
            &format!("/api/v1/contacts/{}", case["requester_id"]),
            &d.agent.token,
        )
        .await;
    assert_eq!(requester["first_name"], "Иван");
    assert_eq!(requester["emails"][0], "ivan.petrov@customer.test");
    let stream = d.stream(&r["case_id"]).await;
    assert_eq!(stream[0]["email_from"], "ivan.petrov@customer.test");
    assert_eq!(stream[0]["thread_rule"], "new_case");

    // The auto-reply: to the sender only, from the mailbox, in the thread, marked auto-replied.
    drain(&d.app, &d.mailer).await;
    let all = d.smtp.received();
    let to_ivan = mails_to(&all, "ivan.petrov@customer.test");
    assert_eq!(
        to_ivan.len(),
        1,
        "one auto-reply, no second 'registered' notice: {all:?}"
    );
    let auto = to_ivan[0];
    assert!(
        auto.subject.starts_with(&format!("[#{n}] ")),
        "{}",
        auto.subject
    );
    assert!(auto.body.contains(&format!("#{n}")));
    assert_eq!(auto.auto_submitted.as_deref(), Some("auto-replied"));
    assert_eq!(auto.in_reply_to.as_deref(), Some("<first@customer.test>"));
    assert_eq!(auto.from.as_deref(), Some("support@helpdesk.test"));
    assert!(
        mails_to(&all, "olga@customer.test").is_empty(),
        "Cc'd people get no auto-reply"
    );

    // Ivan answers the auto-reply: threaded by In-Reply-To.
    let auto_id = auto.message_id.clone().unwrap();
    let reply = mail(
        "ivan.petrov@customer.test",
        "second@customer.test",
        "Re: something else entirely",
        &format!("In-Reply-To: <{auto_id}>\nReferences: <first@customer.test> <{auto_id}>\n"),
        "Забыл: роутер Keenetic.",
    );
    let (_, r2) = d.deliver(&reply).await;
    assert_eq!(r2["status"], "threaded", "{r2}");
    assert_eq!(r2["case_id"], r["case_id"]);
    assert_eq!(r2["thread_rule"], "in_reply_to");

    // Olga (a case contact) writes a fresh mail with the tag: threaded by the tag.
    let tagged = mail(
        "olga@customer.test",
        "third@customer.test",
        &format!("[#{n}] screenshot"),
        "",
        "Вот скриншот.",
    );
    let (_, r3) = d.deliver(&tagged).await;
    assert_eq!(
        (r3["status"].as_str(), r3["thread_rule"].as_str()),
        (Some("threaded"), Some("subject_tag")),
        "{r3}"
    );
    assert_eq!(r3["case_id"], r["case_id"]);

    // A stranger quoting the tag does not get into Ivan's case.
    let stranger = mail(
        "mallory@evil.test",
        "fourth@evil.test",
        &format!("Re: [#{n}] VPN"),
        "",
        "let me in",
    );
    let (_, r4) = d.deliver(&stranger).await;
    assert_eq!(r4["status"], "created", "{r4}");
    assert_ne!(r4["case_id"], r["case_id"]);
    assert!(r4["note"]
        .as_str()
        .unwrap()
        .contains("not one of its participants"));
    let bodies: Vec<String> = d
        .stream(&r["case_id"])
        .await
        .iter()
        .map(|e| e["body"].as_str().unwrap().to_owned())
        .collect();
    assert!(!bodies.iter().any(|b| b.contains("let me in")));

    // The same message delivered again changes nothing.
    let (s, again) = d.deliver(&first).await;
    assert_eq!(s, 200);
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["case_id"], r["case_id"]);
    let (_, list) = d.app.get("/api/v1/cases?limit=50", &d.agent.token).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        2,
        "Ivan's case and the stranger's"
    );

    // An agent's public reply goes to Ivan in the same thread; his answer to it threads back.
    let (s, _) = d
        .app
        .post(
            &format!("/api/v1/cases/{}/actions/take", r["case_id"]),
            &d.agent.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, up) = d
        .app
        .upload(
            &format!("/api/v1/cases/{}/attachments", r["case_id"]),
            &d.agent.token,
            vec![("инструкция.txt", "text/plain", "шаг 1".as_bytes().to_vec())],
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = d
        .app
        .post(
            &format!("/api/v1/cases/{}/stream", r["case_id"]),
            &d.agent.token,
            json!({ "kind": "public", "body": "Обновите прошивку.", "attachment_ids": [up[0]["id"]] }),
        )
        .await;
    assert_eq!(s, 201);
    drain(&d.app, &d.mailer).await;
    let all = d.smtp.received();
    let ours = mails_to(&all, "ivan.petrov@customer.test")
        .into_iter()
        .find(|m| m.body.contains("Обновите прошивку"))
        .expect("the reply is mailed");
    assert!(ours.subject.contains(&format!("[#{n}]")));
    assert!(
        ours.in_reply_to.is_some(),
        "our reply is in the customer's thread"
    );
    assert_eq!(
        ours.from.as_deref(),
        Some("support@helpdesk.test"),
        "from the mailbox the case came by"
    );
    assert_eq!(ours.attachments, vec!["инструкция.txt".to_owned()]);
    let to_olga = mails_to(&all, "olga@customer.test");
    assert!(
        to_olga.iter().any(|m| m.body.contains("Обновите прошивку")),
        "case contacts get the reply too"
    );
    let back = mail(
        "ivan.petrov@customer.test",
        "fifth@customer.test",
        "Re: no tag here",
        &format!("In-Reply-To: <{}>\n", ours.message_id.clone().unwrap()),
        "Помогло, спасибо!",
    );
    let (_, r5) = d.deliver(&back).await;
    assert_eq!(
        (r5["status"].as_str(), r5["thread_rule"].as_str()),
        (Some("threaded"), Some("in_reply_to")),
        "{r5}"
    );
    assert_eq!(
        d.case(&r["case_id"]).await["status"],
        "open",
        "the customer's answer opens the case again"
    );
}

#[tokio::test]
async fn new_case_auto_reply_and_threading_sqlite() {
    new_case_auto_reply_and_threading(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn new_case_auto_reply_and_threading_postgres() {
    new_case_auto_reply_and_threading(TestBackend::Postgres).await;
}

async fn no_loops(backend: TestBackend) {
    let d = desk(backend).await;
    // An out-of-office message opens a case but gets no auto-reply.
    let ooo = mail(
        "boss@customer.test",
        "ooo@customer.test",
        "Out of office",
        "Auto-Submitted: auto-replied\n",
        "I am away.",
    );
    let (_, r) = d.deliver(&ooo).await;
    assert_eq!(r["status"], "created", "{r}");
    assert!(r["note"].as_str().unwrap().contains("no auto-reply"));
    // A list message and a bounce.
    let list = mail(
        "news@lists.test",
        "list@lists.test",
        "Weekly digest",
        "Precedence: list\nList-Id: <news.lists.test>\n",
        "news",
    );
    let (_, r2) = d.deliver(&list).await;
    assert!(
        r2["note"].as_str().unwrap().contains("no auto-reply"),
        "{r2}"
    );
    let bounce = "From: MAILER-DAEMON@mx.customer.test\nTo: support@helpdesk.test\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce@mx.customer.test>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nDelivery failed.\n--b\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n--b--\n";
    let (_, r3) = d.deliver(bounce).await;
    assert_eq!(r3["status"], "ignored", "{r3}");
    // Our own address writing to us (a loop) is ignored.
    let own = mail(
        "support@helpdesk.test",
        "own@helpdesk.test",
        "[#1000] hello",
        "",
        "loop?",
    );
    let (_, r4) = d.deliver(&own).await;
    assert_eq!(r4["status"], "ignored", "{r4}");
    // A chatty sender gets at most three auto-replies an hour.
    for i in 0..5 {
        let m = mail(
            "chatty@customer.test",
            &format!("chatty{i}@customer.test"),
            &format!("Question {i}"),
            "",
            "?",
        );
        let (_, r) = d.deliver(&m).await;
        assert_eq!(r["status"], "created");
    }
    drain(&d.app, &d.mailer).await;
    let all = d.smtp.received();
    assert!(mails_to(&all, "boss@customer.test").is_empty());
    assert!(mails_to(&all, "news@lists.test").is_empty());
    assert!(mails_to(&all, "mailer-daemon@mx.customer.test").is_empty());
    assert_eq!(mails_to(&all, "chatty@customer.test").len(), 3);

    // An out-of-office answer on a case waiting for the customer does not reopen it.
    let ivan = mail(
        "ivan@customer.test",
        "ivan1@customer.test",
        "Printer",
        "",
        "Paper jam",
    );
    let (_, r) = d.deliver(&ivan).await;
    let id = r["case_id"].clone();
    d.app
        .post(
            &format!("/api/v1/cases/{id}/actions/take"),
            &d.agent.token,
            json!({}),
        )
        .await;
    d.app
        .post(
            &format!("/api/v1/cases/{id}/actions/request-info"),
            &d.agent.token,
            json!({ "note": "Which model?" }),
        )
        .await;
    assert_eq!(d.case(&id).await["status"], "information_requested");
    let away = mail(
        "ivan@customer.test",
        "ivan2@customer.test",
        &format!("Auto: [#{}] Printer", r["case_number"]),
        "Auto-Submitted: auto-replied\n",
        "I am on vacation",
    );
    let (_, r2) = d.deliver(&away).await;
    assert_eq!(r2["status"], "threaded", "{r2}");
    assert_eq!(
        d.case(&id).await["status"],
        "information_requested",
        "an auto-reply does not reopen"
    );
}

#[tokio::test]
async fn no_loops_sqlite() {
    no_loops(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn no_loops_postgres() {
    no_loops(TestBackend::Postgres).await;
}

async fn encodings_attachments_and_auth(backend: TestBackend) {
    let d = desk(backend).await;
    let raw = "From: =?ISO-8859-1?Q?Jos=E9_Garc=EDa?= <jose@cliente.test>\nTo: support@helpdesk.test\nSubject: =?ISO-8859-1?Q?Factura_de_caf=E9?=\nMessage-ID: <latin1@cliente.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n8e/g8ejh7iDn4CDx97jy\n--XX\nContent-Type: text/html; charset=utf-8\n\n<p onclick=\"steal()\">Hola <script>alert(1)</script><b>gracias</b></p>\n--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjcK\n--XX--\n";
    let (s, r) = d.deliver(raw).await;
    assert_eq!(s, 200, "{r}");
    let case = d.case(&r["case_id"]).await;
    assert_eq!(case["subject"], "Factura de café");
    let stream = d.stream(&r["case_id"]).await;
    assert!(
        stream[0]["body"]
            .as_str()
            .unwrap()
            .contains("спасибо за счёт"),
        "{}",
        stream[0]["body"]
    );
    let html = stream[0]["body_html"].as_str().unwrap();
    assert!(
        html.contains("<b>gracias</b>") && !html.contains("script") && !html.contains("onclick"),
        "{html}"
    );
    let files = stream[0]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["filename"], "отчёт.pdf");
    let (s, _, bytes) = d
        .app
        .download(
            &format!("/api/v1/attachments/{}/content", files[0]["id"]),
            &d.agent.token,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(bytes, b"%PDF-1.7\n");
    let (_, contact) = d
        .app
        .get(
            &format!("/api/v1/contacts/{}", case["requester_id"]),
            &d.agent.token,
        )
        .await;
    assert_eq!(
        (
            contact["first_name"].as_str(),
            contact["last_name"].as_str()
        ),
        (Some("José"), Some("García"))
    );

    // Only the mailbox's own token opens the endpoint.
    let url = d
        .app
        .url(&format!("/api/v1/inbound/mailboxes/{}/messages", d.mailbox));
    for token in ["wrong", d.agent.token.as_str(), d.admin.token.as_str()] {
        let resp = d
            .app
            .client
            .post(&url)
            .bearer_auth(token)
            .body("From: a@b.test\r\n\r\nx")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    // A rotated token replaces the old one.
    let (_, fresh) = d
        .app
        .post(
            &format!("/api/v1/mailboxes/{}/inbound-token", d.mailbox),
            &d.admin.token,
            json!(null),
        )
        .await;
    let resp = d
        .app
        .client
        .post(&url)
        .bearer_auth(&d.token)
        .body("From: a@b.test\r\n\r\nx")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the old token no longer works");
    let resp = d
        .app
        .client
        .post(&url)
        .bearer_auth(fresh["inbound_token"].as_str().unwrap())
        .body(mail("new@b.test", "rotated@b.test", "hi", "", "x").replace('\n', "\r\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn encodings_attachments_and_auth_sqlite() {
    encodings_attachments_and_auth(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn encodings_attachments_and_auth_postgres() {
    encodings_attachments_and_auth(TestBackend::Postgres).await;
}

/// Stored but not processed (the process died in between): the worker's step finishes it, once.
async fn stored_mail_survives_a_crash(backend: TestBackend) {
    let d = desk(backend).await;
    let raw = mail(
        "crash@customer.test",
        "crash@customer.test",
        "Crash test",
        "",
        "hello",
    )
    .replace('\n', "\r\n");
    let svc = d.app.services.clone();
    let mailbox = d.mailbox;
    let pending = tokio::task::spawn_blocking(move || {
        let stored = {
            let mut up = svc.files.begin().unwrap();
            up.write(raw.as_bytes()).unwrap();
            up.finish().unwrap()
        };
        svc.db
            .write(|c| {
                helpdesk_store::email::insert_inbound(
                    c,
                    &helpdesk_store::email::NewInbound {
                        mailbox_id: Some(mailbox),
                        message_id: "crash@customer.test",
                        raw_sha256: &stored.sha256,
                        size: stored.size as i64,
                        source: "inbound",
                        from_address: Some("crash@customer.test"),
                        subject: Some("Crash test"),
                        status: "received",
                        received_at: chrono::Utc::now().naive_utc(),
                    },
                )
            })
            .unwrap();
        let first = svc.process_pending_email(10).unwrap();
        let second = svc.process_pending_email(10).unwrap();
        (first, second)
    })
    .await
    .unwrap();
    assert_eq!(pending, (1, 0), "processed once");
    let (_, list) = d.app.get("/api/v1/cases?limit=50", &d.agent.token).await;
    let subjects: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, vec!["Crash test"]);
    // Delivered again after the crash: a duplicate.
    let (_, again) = d
        .deliver(&mail(
            "crash@customer.test",
            "crash@customer.test",
            "Crash test",
            "",
            "hello",
        ))
        .await;
    assert_eq!(again["status"], "duplicate");
}

#[tokio::test]
async fn stored_mail_survives_a_crash_sqlite() {
    stored_mail_survives_a_crash(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn stored_mail_survives_a_crash_postgres() {
    stored_mail_survives_a_crash(TestBackend::Postgres).await;
}

/// A stored message that cannot be processed (its bytes are gone) waits longer after each
/// failure and never holds up the messages behind it; once its retries are spent it is left
/// `failed`, with the reason, for an admin.
async fn a_message_that_keeps_failing_does_not_hold_up_the_rest(backend: TestBackend) {
    use helpdesk_store::email::{self as inbound, NewInbound};
    use helpdesk_store::queue::ReceivedQueue;
    let d = desk(backend).await;
    let good = mail(
        "good@customer.test",
        "good@customer.test",
        "Behind it",
        "",
        "hello",
    )
    .replace('\n', "\r\n");
    let svc = d.app.services.clone();
    let mailbox = d.mailbox;
    let (broken, rounds) = tokio::task::spawn_blocking(move || {
        let stored = {
            let mut up = svc.files.begin().unwrap();
            up.write(good.as_bytes()).unwrap();
            up.finish().unwrap()
        };
        let now = chrono::Utc::now().naive_utc();
        let row = |message_id: &'static str, sha: String| {
            let sha = sha.clone();
            svc.db
                .write(move |c| {
                    inbound::insert_inbound(
                        c,
                        &NewInbound {
                            mailbox_id: Some(mailbox),
                            message_id,
                            raw_sha256: &sha,
                            size: 10,
                            source: "inbound",
                            from_address: None,
                            subject: None,
                            status: "received",
                            received_at: now,
                        },
                    )
                })
                .unwrap()
        };
        // The broken one is older, so it is offered first.
        let broken = row("broken@customer.test", "f".repeat(64));
        row("good@customer.test", stored.sha256.clone());
        let mut rounds = vec![svc.process_pending_email(1).unwrap()];
        rounds.push(svc.process_pending_email(1).unwrap());
        // Each later retry made due at once instead of waiting for it.
        for _ in 1..ReceivedQueue::RETRY.tries() {
            let now = chrono::Utc::now().naive_utc();
            assert!(svc
                .db
                .write(|c| ReceivedQueue::reschedule(c, broken, now))
                .unwrap());
            rounds.push(svc.process_pending_email(1).unwrap());
        }
        (broken, rounds)
    })
    .await
    .unwrap();
    assert_eq!(rounds[0], 0, "the broken message failed");
    assert_eq!(rounds[1], 1, "the one behind it went through meanwhile");
    assert!(rounds[2..].iter().all(|n| *n == 0));
    let (_, list) = d.app.get("/api/v1/cases?limit=50", &d.agent.token).await;
    assert_eq!(list["items"][0]["subject"], "Behind it");
    let db = d.app.services.db.clone();
    let row = tokio::task::spawn_blocking(move || db.read(|c| inbound::inbound(c, broken)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "failed");
    assert_eq!(row.attempts as u32, ReceivedQueue::RETRY.tries());
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or("")
            .contains("reading a stored message"),
        "{:?}",
        row.last_error
    );
    // Admins see it, with the reason, and may have it tried again.
    let admin = d.app.user(Role::Admin, None, None).await;
    let (s, list) = d.app.get("/api/v1/received-mail", &admin.token).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the one that failed: {list}"
    );
    assert_eq!(list["items"][0]["id"], broken);
    assert_eq!(list["items"][0]["status"], "failed");
    assert!(list["items"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("reading a stored message"));
    let (s, _) = d.app.get("/api/v1/received-mail", &d.agent.token).await;
    assert_eq!(s, 403, "admins only");
    let retry = format!("/api/v1/received-mail/{broken}/retry");
    let (s, again) = d.app.post(&retry, &admin.token, json!({})).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(
        (again["status"].as_str(), again["attempts"].as_i64()),
        (Some("received"), Some(0))
    );
    let (s, refused) = d.app.post(&retry, &admin.token, json!({})).await;
    assert_eq!(s, 409, "only a failed one: {refused}");
}

#[tokio::test]
async fn a_message_that_keeps_failing_does_not_hold_up_the_rest_sqlite() {
    a_message_that_keeps_failing_does_not_hold_up_the_rest(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn a_message_that_keeps_failing_does_not_hold_up_the_rest_postgres() {
    a_message_that_keeps_failing_does_not_hold_up_the_rest(TestBackend::Postgres).await;
}

/// A mailbox with its own SMTP server sends through it.
async fn mailbox_smtp(backend: TestBackend) {
    let d = desk(backend).await;
    let own = SmtpServer::start();
    let (s, saved) = d
        .app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/mailboxes/{}", d.mailbox),
            Some(&d.admin.token),
            Some(&json!({
                "name": "Support", "address": "support@helpdesk.test", "language": "en",
                "smtp_host": "127.0.0.1", "smtp_port": own.port, "smtp_tls": "none",
            })),
        )
        .await;
    assert_eq!(s, 200, "{saved}");
    let (_, r) = d
        .deliver(&mail(
            "kim@customer.test",
            "kim@customer.test",
            "Hello",
            "",
            "hi",
        ))
        .await;
    assert_eq!(r["status"], "created");
    drain(&d.app, &d.mailer).await;
    assert_eq!(
        mails_to(&own.received(), "kim@customer.test").len(),
        1,
        "sent through the mailbox's server"
    );
    assert!(mails_to(&d.smtp.received(), "kim@customer.test").is_empty());
}

#[tokio::test]
async fn mailbox_smtp_sqlite() {
    mailbox_smtp(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn mailbox_smtp_postgres() {
    mailbox_smtp(TestBackend::Postgres).await;
}

/// An attachment over the size limit: the message is still taken, the file recorded as refused
/// and the agent sees why.
async fn oversize_attachment(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.files = helpdesk_store::files::FileStore::new(svc.files.root().to_owned(), 1024);
    })
    .await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, created) = app
        .post(
            "/api/v1/mailboxes",
            &admin.token,
            json!({ "name": "S", "address": "s@helpdesk.test" }),
        )
        .await;
    let big = "QUFB".repeat(600); // 1,800 bytes once decoded
    let raw = format!("From: big@customer.test\r\nTo: s@helpdesk.test\r\nSubject: Logs\r\nMessage-ID: <big@customer.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe log is attached.\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"huge.log\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{big}\r\n--B--\r\n");
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/inbound/mailboxes/{}/messages",
            created["mailbox"]["id"]
        )))
        .bearer_auth(created["inbound_token"].as_str().unwrap())
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let r: Value = resp.json().await.unwrap();
    assert_eq!(r["status"], "created", "{r}");
    let (_, stream) = app
        .get(
            &format!("/api/v1/cases/{}/stream", r["case_id"]),
            &agent.token,
        )
        .await;
    let file = &stream["items"][0]["attachments"][0];
    assert_eq!(file["filename"], "huge.log");
    assert_eq!(file["size"], 1800);
    assert!(
        file["refused"].as_str().unwrap().contains("limit"),
        "{file}"
    );
    let (s, _, _) = app
        .download(
            &format!("/api/v1/attachments/{}/content", file["id"]),
            &agent.token,
        )
        .await;
    assert_eq!(s, 409, "a refused file cannot be downloaded");
}

#[tokio::test]
async fn oversize_attachment_sqlite() {
    oversize_attachment(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn oversize_attachment_postgres() {
    oversize_attachment(TestBackend::Postgres).await;
}

/// KOI8-R and ISO-8859-2 text, RFC 2231 filenames in a legacy charset, and an inline image
/// referenced from the HTML by `cid:`.
async fn legacy_charsets_and_inline_images(backend: TestBackend) {
    let d = desk(backend).await;
    let raw = "From: =?KOI8-R?B?6dfBziDwxdTSz9c=?= <ivan@zavod.test>\nTo: support@helpdesk.test\nSubject: =?KOI8-R?B?896j1CDawSDExcvBwtLY?=\nMessage-ID: <koi8@zavod.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"OUT\"\n\n--OUT\nContent-Type: multipart/related; boundary=\"REL\"\n\n--REL\nContent-Type: multipart/alternative; boundary=\"ALT\"\n\n--ALT\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n=FA=C4=D2=C1=D7=D3=D4=D7=D5=CA=D4=C5, =D0=D2=C9=CE=D4=C5=D2 =CE=C5 =D0=C5=\n=DE=C1=D4=C1=C5=D4.\n--ALT\nContent-Type: text/html; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n<p>=FA=C4=D2=C1=D7=D3=D4=D7=D5=CA=D4=C5</p><img src=3D\"cid:logo@zavod.test\" alt=3D\"logo\"><img src=3D\"cid:missing@zavod.test\">\n--ALT--\n--REL\nContent-Type: image/png\nContent-ID: <logo@zavod.test>\nContent-Disposition: inline; filename=\"logo.png\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgowMDAw\n--REL--\n--OUT\nContent-Type: text/plain; charset=iso-8859-2\nContent-Disposition: attachment; filename*=iso-8859-2''Za%BF%F3%B3%E6.txt\nContent-Transfer-Encoding: quoted-printable\n\nG=EAsl=B1 ja=BC=F1\n--OUT--\n";
    let (s, r) = d.deliver(raw).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "created", "{r}");
    let case = d.case(&r["case_id"]).await;
    assert_eq!(case["subject"], "Счёт за декабрь");
    let stream = d.stream(&r["case_id"]).await;
    let entry = &stream[0];
    assert!(
        entry["body"]
            .as_str()
            .unwrap()
            .contains("Здравствуйте, принтер не печатает."),
        "{}",
        entry["body"]
    );
    let files = entry["attachments"].as_array().unwrap();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"logo.png"), "{names:?}");
    assert!(names.contains(&"Zażółć.txt"), "{names:?}");
    let logo = files.iter().find(|f| f["filename"] == "logo.png").unwrap();
    assert_eq!(logo["content_type"], "image/png");
    // The HTML shows the inline image through its attachment; an unknown cid: is dropped.
    let html = entry["body_html"].as_str().unwrap();
    assert!(html.contains("Здравствуйте"), "{html}");
    // The picture's link is signed for the reader: an <img> sends no bearer token.
    let start = format!("src=\"/api/v1/attachments/{}/content?expires=", logo["id"]);
    let at = html
        .find(&start)
        .unwrap_or_else(|| panic!("a signed link: {html}"))
        + 5;
    let link = html[at..].split('"').next().unwrap().replace("&amp;", "&");
    assert!(!html.contains("cid:"), "{html}");
    let resp = d.app.client.get(d.app.url(&link)).send().await.unwrap();
    assert_eq!(
        resp.status(),
        200,
        "the signed link opens the picture without a token"
    );
    assert!(resp.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let altered = link.replace("signature=", "signature=x");
    let resp = d.app.client.get(d.app.url(&altered)).send().await.unwrap();
    assert_eq!(resp.status(), 403, "an altered link opens nothing");
    let next = logo["id"].as_i64().unwrap() + 1;
    let other = link.replace(
        &format!("/attachments/{}/", logo["id"]),
        &format!("/attachments/{next}/"),
    );
    let resp = d.app.client.get(d.app.url(&other)).send().await.unwrap();
    assert_eq!(resp.status(), 403, "the signature is bound to its file");
    let plain = format!("/api/v1/attachments/{}/content", logo["id"]);
    let resp = d.app.client.get(d.app.url(&plain)).send().await.unwrap();
    assert_eq!(resp.status(), 401, "without a signature a token is needed");
    let (s, _, bytes) = d
        .app
        .download(
            &format!("/api/v1/attachments/{}/content", logo["id"]),
            &d.agent.token,
        )
        .await;
    assert_eq!(s, 200);
    assert!(bytes.starts_with(b"\x89PNG"));
    let text = files
        .iter()
        .find(|f| f["filename"] == "Zażółć.txt")
        .unwrap();
    let (_, _, bytes) = d
        .app
        .download(
            &format!("/api/v1/attachments/{}/content", text["id"]),
            &d.agent.token,
        )
        .await;
    // A text attachment is decoded from its charset and kept as UTF-8.
    assert_eq!(String::from_utf8(bytes).unwrap().trim_end(), "Gęslą jaźń");
    // The sender's KOI8-R display name became the contact's name.
    let (_, contact) = d
        .app
        .get(
            &format!("/api/v1/contacts/{}", case["requester_id"]),
            &d.agent.token,
        )
        .await;
    assert_eq!(contact["first_name"], "Иван");
    assert_eq!(contact["last_name"], "Петров");
}

#[tokio::test]
async fn legacy_charsets_and_inline_images_sqlite() {
    legacy_charsets_and_inline_images(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn legacy_charsets_and_inline_images_postgres() {
    legacy_charsets_and_inline_images(TestBackend::Postgres).await;
}

/// A stranger who names one of our Message-IDs (guessed, or from a forwarded thread) does not
/// get into the customer's case: the mail waits there as an internal suggestion, the case does
/// not move, and an agent accepts it into the case or splits it off into a new one.
async fn header_matches_from_strangers_wait_for_an_agent(backend: TestBackend) {
    let d = desk(backend).await;
    let first = mail(
        "ivan@customer.test",
        "v1@customer.test",
        "VPN is down",
        "",
        "Since morning.",
    );
    let (_, r) = d.deliver(&first).await;
    assert_eq!(r["status"], "created", "{r}");
    let case = r["case_id"].clone();
    drain(&d.app, &d.mailer).await;
    let received = d.smtp.received();
    let auto = mails_to(&received, "ivan@customer.test")
        .into_iter()
        .next()
        .expect("an auto-reply");
    let ours = auto.message_id.clone().unwrap();
    let n = r["case_number"].as_i64().unwrap();
    let local = ours.trim_start_matches('<').split('@').next().unwrap();
    let parts: Vec<&str> = local.split('.').collect();
    assert_eq!(
        parts[..2],
        [format!("case-{n}").as_str(), "auto-reply"],
        "{ours}"
    );
    let seal = parts.last().unwrap();
    assert!(
        parts.len() == 4 && seal.len() == 20 && seal.chars().all(|c| c.is_ascii_hexdigit()),
        "our Message-IDs carry a sealed part nobody can guess: {ours}"
    );
    // The agent answers; the case waits on the customer.
    let (s, _) = d
        .app
        .post(
            &format!("/api/v1/cases/{case}/actions/take"),
            &d.agent.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = d
        .app
        .post(
            &format!("/api/v1/cases/{case}/stream"),
            &d.agent.token,
            json!({ "kind": "public", "body": "Restart the router, please." }),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(d.case(&case).await["status"], "awaiting_customer");

    // Mallory knows our auto-reply's Message-ID.
    let intruder = mail(
        "mallory@evil.test",
        "m1@evil.test",
        "Re: VPN is down",
        &format!("In-Reply-To: {ours}\nReferences: {ours}\n"),
        "Please send me the VPN keys.",
    );
    let (_, r2) = d.deliver(&intruder).await;
    assert_eq!(
        (r2["status"].as_str(), r2["thread_rule"].as_str()),
        (Some("suggested"), Some("in_reply_to")),
        "{r2}"
    );
    assert_eq!(r2["case_id"], case);
    assert!(
        r2["note"]
            .as_str()
            .unwrap()
            .contains("not one of its participants"),
        "{r2}"
    );
    let case_now = d.case(&case).await;
    assert_eq!(
        case_now["status"], "awaiting_customer",
        "a stranger's mail moves nothing"
    );
    let stream = d.stream(&case).await;
    let suggestion = stream
        .iter()
        .find(|e| e["body"].as_str().unwrap().contains("VPN keys"))
        .unwrap();
    assert_eq!(
        (
            suggestion["kind"].as_str(),
            suggestion["thread_rule"].as_str()
        ),
        (Some("internal"), Some("suggested"))
    );
    assert_eq!(suggestion["email_from"], "mallory@evil.test");
    let mallory_entry = suggestion["id"].as_i64().unwrap();

    // A colleague of Ivan's, forwarded the thread, writes in it too: accepted by the agent.
    let colleague = mail(
        "olga@customer.test",
        "o1@customer.test",
        "Re: VPN is down",
        &format!("In-Reply-To: {ours}\n"),
        "Same here on my laptop.",
    );
    let (_, r3) = d.deliver(&colleague).await;
    assert_eq!(r3["status"], "suggested", "{r3}");
    let olga_entry = r3["entry_id"].as_i64().unwrap();
    let (s, accepted) = d
        .app
        .post(
            &format!("/api/v1/cases/{case}/stream/{olga_entry}/accept"),
            &d.agent.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{accepted}");
    assert_eq!(
        (accepted["kind"].as_str(), accepted["thread_rule"].as_str()),
        (Some("public"), Some("accepted"))
    );
    let case_now = d.case(&case).await;
    assert_eq!(case_now["status"], "open", "the customer side answered");
    let olga = accepted["author_contact_id"].clone();
    assert!(
        case_now["contact_ids"].as_array().unwrap().contains(&olga),
        "Olga joins the case: {case_now}"
    );
    let (s, again) = d
        .app
        .post(
            &format!("/api/v1/cases/{case}/stream/{olga_entry}/accept"),
            &d.agent.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 409, "decided once: {again}");
    // Olga is a participant now: her next mail in the thread goes straight in.
    let next = mail(
        "olga@customer.test",
        "o2@customer.test",
        "Re: VPN is down",
        &format!("In-Reply-To: {ours}\n"),
        "Works again.",
    );
    let (_, r4) = d.deliver(&next).await;
    assert_eq!(r4["status"], "threaded", "{r4}");

    // Mallory's mail is a matter of its own: split off into a new case, Mallory its requester.
    let (s, split) = d
        .app
        .post(
            &format!("/api/v1/cases/{case}/stream/{mallory_entry}/split"),
            &d.agent.token,
            json!({}),
        )
        .await;
    assert_eq!(s, 201, "{split}");
    assert_ne!(split["id"], case);
    assert_eq!(split["subject"], "Re: VPN is down");
    assert_eq!(split["channel"], "email");
    assert!(
        split["description"].as_str().unwrap().contains("VPN keys"),
        "{split}"
    );
    let stream = d.stream(&case).await;
    let left = stream.iter().find(|e| e["id"] == mallory_entry).unwrap();
    assert_eq!(
        (left["kind"].as_str(), left["thread_rule"].as_str()),
        (Some("internal"), Some("split")),
        "the entry stays as an internal record on the old case"
    );
    assert!(
        !stream
            .iter()
            .any(|e| e["kind"] == "public" && e["body"].as_str().unwrap().contains("VPN keys")),
        "Mallory's words never became public on Ivan's case"
    );
}

#[tokio::test]
async fn header_matches_from_strangers_wait_for_an_agent_sqlite() {
    header_matches_from_strangers_wait_for_an_agent(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn header_matches_from_strangers_wait_for_an_agent_postgres() {
    header_matches_from_strangers_wait_for_an_agent(TestBackend::Postgres).await;
}
