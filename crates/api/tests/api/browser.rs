//! The SPA in headless Chromium (WebDriver) against a live server on each database:
//! - an agent works a case: queue → open case → public reply → internal note (by keyboard),
//!   files dropped on the composer (over 50 MB refused), a knowledge-base article inserted;
//! - the new case form: an INN checksum error at its field, the registry filling KPP and name,
//!   a successful save announcing the clickable number;
//! - a customer creates a case, replies, never sees the internal note or another customer's
//!   case, and an agent address sends them to the portal home;
//! - live updates: a case registered elsewhere appears in the open queue without a reload, and
//!   one assigned to the agent pops up a browser notification;
//! - a portal invitation: an agent switches a contact's portal access on, the customer opens
//!   the link, chooses a password and lands in the portal;
//! - admin screens: an agent, a team, a mailbox, a calendar, an SLA policy and a workflow rule
//!   made and edited in forms; every JSON example accepted as it stands.
//!
//! Needs the built SPA (`just frontend`, which `just test` runs first) and chromium +
//! chromedriver. With `HELPDESK_SCREENSHOTS=<dir>` the SQLite run saves the screenshots of
//! `docs/screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_service::registry::RegistrySettings;
use helpdesk_test_support::{TestApp, TestBackend, TestUser};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::org_with_contact;

const WAIT: Duration = Duration::from_secs(20);

/// A 1×1 PNG.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

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
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1400,900", "--lang=en-US"]
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

/// The server with the built SPA, outgoing mail, and a registry (wiremock) that knows one
/// company.
async fn spa(backend: TestBackend) -> (TestApp, MockServer) {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist");
    assert!(
        dist.join("index.html").is_file(),
        "build the SPA first: `just frontend`"
    );
    let registry = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "query": crate::registry::SBER })))
        .respond_with(ResponseTemplate::new(200).set_body_json(crate::registry::sber_answer()))
        .mount(&registry)
        .await;
    let url = format!("{}/suggestions/api/4_1/rs", registry.uri());
    let app = TestApp::spawn_customized(
        backend,
        AppConfig {
            static_dir: Some(dist),
            ..AppConfig::default()
        },
        move |svc| {
            // Outgoing mail, so that portal invitations are sent (the test reads the queue).
            svc.notify.mail_from = Some("Support <support@helpdesk.test>".into());
            svc.notify.public_url = Some("https://help.example.test".into());
            svc.secrets = helpdesk_service::secrets::SecretBox::from_passphrase(
                "a passphrase for the browser tests",
            );
            svc.registry = Some(RegistrySettings {
                url,
                token: "test-key".into(),
                timeout: Duration::from_secs(2),
            });
        },
    )
    .await;
    (app, registry)
}

async fn find(c: &Client, css: &str) -> Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} appears: {e}"))
}

async fn click(c: &Client, css: &str) {
    find(c, css).await.click().await.unwrap();
}

async fn type_in(c: &Client, css: &str, text: &str) {
    find(c, css).await.send_keys(text).await.unwrap();
}

/// Waits until the element's text satisfies `ok`, and returns it.
async fn text_until(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if ok(&t) {
                    return t;
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = c.source().await.unwrap_or_default();
    panic!("{css}: text never matched; last seen {last:?}; page: {page}");
}

/// The texts of the elements matching `css`; a list re-rendered mid-read is read again.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    'again: for _ in 0..50 {
        let mut out = Vec::new();
        for e in c.find_all(Locator::Css(css)).await.unwrap() {
            match e.text().await {
                Ok(t) => out.push(t),
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue 'again;
                }
            }
        }
        return out;
    }
    panic!("{css} kept changing");
}

/// Waits until `css` matches `n` elements.
async fn count_until(c: &Client, css: &str, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let found = texts(c, css).await;
        if found.len() == n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: expected {n}, found {:?}", texts(c, css).await);
}

/// Waits for a notice whose text satisfies `ok` (there may be several on screen).
async fn toast_until(c: &Client, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..200 {
        if let Some(t) = texts(c, "[data-test=toast]")
            .await
            .into_iter()
            .find(|t| ok(t))
        {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = c.source().await.unwrap_or_default();
    panic!(
        "no such notice among {:?}; page: {page}",
        texts(c, "[data-test=toast]").await
    );
}

async fn sign_in(c: &Client, user: &TestUser) {
    type_in(c, "input[name=email]", &user.email).await;
    type_in(c, "input[name=password]", &user.password).await;
    click(c, "[data-test=sign-in]").await;
}

async fn sign_out(c: &Client) {
    click(c, "[data-test=sign-out]").await;
    find(c, "input[name=email]").await;
}

async fn path_of(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

async fn key(c: &Client, k: &str) {
    c.execute(
        "window.dispatchEvent(new KeyboardEvent('keydown', { key: arguments[0] }));",
        vec![json!(k)],
    )
    .await
    .unwrap();
}

async fn screenshot(c: &Client, backend: TestBackend, name: &str) {
    let Ok(dir) = std::env::var("HELPDESK_SCREENSHOTS") else {
        return;
    };
    if backend != TestBackend::Sqlite {
        return;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = c.screenshot().await.unwrap();
    // A relative directory is taken from the workspace root (tests run in the crate's folder).
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn drain_outbox(app: &TestApp) {
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
}

async fn stream_kinds(app: &TestApp, token: &str, case: i64) -> Vec<(String, String)> {
    let (_, stream) = app
        .get(&format!("/api/v1/cases/{case}/stream"), token)
        .await;
    stream["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn agent_works_a_case(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Northwind").await;
    let admin = app.user(Role::Admin, None, None).await;
    let (s, _) = app
        .post(
            "/api/v1/sla-policies",
            &admin.token,
            json!({ "name": "Standard", "targets": { "normal": { "first_response_minutes": 60, "resolution_minutes": 240 } } }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer jams on tray 2", "description": "Since Monday", "requester_id": contact }),
        )
        .await;
    assert_eq!(s, 201);
    let id = case["id"].as_i64().unwrap();
    let (s, article) = app
        .post(
            "/api/v1/kb/articles",
            &agent.token,
            json!({ "title": "Worn rollers", "body_md": "Replace the pickup roller of the tray.", "status": "published" }),
        )
        .await;
    assert_eq!(s, 201, "{article}");

    let (_driver, c) = browser().await;
    c.goto(&app.url("/")).await.unwrap();
    sign_in(&c, &agent).await;
    // The queue: My cases with its count and the case with its SLA deadline.
    let rows = count_until(&c, "[data-test=cases] [data-test=case-row]", 1).await;
    assert!(rows[0].contains("Printer jams on tray 2"), "{rows:?}");
    assert!(rows[0].contains("Open"), "{rows:?}");
    assert_eq!(
        text_until(&c, "[data-test=count-mine]", |t| t == "1").await,
        "1"
    );
    let sla = find(&c, "[data-test=cases] [data-test=sla]").await;
    assert_eq!(
        sla.attr("data-state").await.unwrap().as_deref(),
        Some("due")
    );
    assert!(sla.text().await.unwrap().starts_with("due in"));
    screenshot(&c, backend, "queue").await;

    // Enter opens the selected case.
    key(&c, "Enter").await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Printer jams on tray 2")
    })
    .await;
    assert_eq!(path_of(&c).await, format!("/cases/{id}"));
    // Only the moves an open case allows.
    let actions = texts(&c, "[data-test=actions] button").await;
    assert!(actions.iter().any(|a| a == "Resolve…"), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "Reopen"), "{actions:?}");

    // A public reply with a picture, uploaded through the file input with its progress row.
    let dir = std::env::temp_dir().join(format!(
        "helpdesk-browser-{}-{backend:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("tray.png");
    std::fs::write(&png, PNG_1X1).unwrap();
    find(&c, "[data-test=file-input]")
        .await
        .send_keys(png.to_str().unwrap())
        .await
        .unwrap();
    text_until(&c, "[data-test=upload]", |t| {
        t.contains("tray.png") && t.contains('✓')
    })
    .await;
    type_in(&c, "[data-test=composer-text]", "Please try the other tray").await;
    click(&c, "[data-test=send]").await;
    count_until(&c, "[data-test=entry][data-kind=public]", 2).await;
    // The picture shows as a preview under the reply.
    find(
        &c,
        "[data-test=entry][data-kind=public] [data-test=preview]",
    )
    .await;
    let (_, files) = app
        .get(&format!("/api/v1/cases/{id}/attachments"), &agent.token)
        .await;
    assert_eq!(files[0]["filename"], "tray.png");
    assert!(
        files[0]["entry_id"].is_i64(),
        "attached to the reply: {files}"
    );
    // `n` switches the composer to an internal note.
    key(&c, "n").await;
    text_until(&c, "[data-test=send]", |t| t == "Add note").await;
    type_in(&c, "[data-test=composer-text]", "tray 2 roller is worn").await;
    // Files dropped on the composer: one over 50 MB is refused before sending, the other is
    // uploaded and goes with the note.
    c.execute(
        "const dt = new DataTransfer();
         dt.items.add(new File([new Uint8Array(52 * 1024 * 1024)], 'disk.iso'));
         dt.items.add(new File(['paper jam at 10:02'], 'printer.log', { type: 'text/plain' }));
         const zone = document.querySelector('[data-test=drop]');
         zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
         zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));",
        vec![],
    )
    .await
    .unwrap();
    let refused = toast_until(&c, |t| t.starts_with("disk.iso")).await;
    assert!(refused.contains("larger than 50 MB"), "{refused}");
    text_until(&c, "[data-test=upload]", |t| {
        t.contains("printer.log") && t.contains('✓')
    })
    .await;
    click(&c, "[data-test=send]").await;
    let notes = count_until(&c, "[data-test=entry][data-kind=internal]", 1).await;
    assert!(notes[0].contains("Internal note") && notes[0].contains("tray 2 roller is worn"));
    let (_, files) = app
        .get(&format!("/api/v1/cases/{id}/attachments"), &agent.token)
        .await;
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["filename"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{files}");
    assert!(
        names.contains(&"printer.log") && !names.contains(&"disk.iso"),
        "{names:?}"
    );
    // A knowledge-base article is inserted into the composer.
    type_in(&c, "[data-test=kb-search]", "roller").await;
    click(&c, "[data-test=kb-find]").await;
    click(&c, "[data-test=kb-article]").await;
    let inserted = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        inserted,
        "Worn rollers\n\nReplace the pickup roller of the tray."
    );
    // A change made elsewhere reloads the case without losing the draft.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &admin.token,
            json!({ "kind": "internal", "body": "Parts ordered" }),
        )
        .await;
    assert_eq!(s, 201);
    count_until(&c, "[data-test=entry][data-kind=internal]", 2).await;
    let draft = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(draft, inserted, "the draft survives the reload");
    find(&c, "[data-test=composer-text]")
        .await
        .clear()
        .await
        .unwrap();
    screenshot(&c, backend, "case").await;
    let kinds = stream_kinds(&app, &agent.token, id).await;
    assert!(kinds.contains(&("public".into(), "Please try the other tray".into())));
    assert!(kinds.contains(&("internal".into(), "tray 2 roller is worn".into())));
    // The reply put the case in "awaiting customer", and the page shows it.
    text_until(&c, "[data-test=case-status]", |t| t == "Awaiting customer").await;

    // An action with input: resolve with a resolution.
    click(&c, "[data-test=act-resolve]").await;
    type_in(&c, "[data-test=ask-input]", "Roller replaced").await;
    click(&c, "[data-test=ask-ok]").await;
    text_until(&c, "[data-test=case-status]", |t| t == "Resolved").await;
    let actions = texts(&c, "[data-test=actions] button").await;
    assert!(actions.iter().any(|a| a == "Reopen"), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "Resolve…"), "{actions:?}");

    // First render of the queue on a fresh page load (the session is kept): the app marks the
    // moment the list is on screen.
    c.goto(&app.url("/queues/mine")).await.unwrap();
    // The case is resolved now, so My cases is empty.
    find(&c, "[data-test=empty]").await;
    let mut mark = Value::Null;
    for _ in 0..100 {
        mark = c
            .execute(
                "const m = performance.getEntriesByName('queue-rendered'); return m.length ? m[0].startTime : null;",
                vec![],
            )
            .await
            .unwrap();
        if !mark.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ms = mark.as_f64().expect("the queue marks its first render");
    println!("first render of the queue ({backend:?}): {ms:.0} ms after navigation start");
    assert!(ms > 0.0 && ms < 10_000.0, "{ms}");

    // The language switch: every string changes, and the choice is kept on the account.
    click(&c, "[data-test=language]").await;
    text_until(&c, "[data-test=queue-title]", |t| t == "Мои обращения").await;
    let (_, me) = app.get("/api/v1/me", &agent.token).await;
    for _ in 0..50 {
        if app.get("/api/v1/me", &agent.token).await.1["language"] == "ru" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, me_after) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(me_after["language"], "ru", "was {}", me["language"]);
    c.refresh().await.unwrap();
    text_until(&c, "[data-test=queue-title]", |t| t == "Мои обращения").await;
    screenshot(&c, backend, "queue-ru").await;
    c.close().await.unwrap();
}

async fn new_case_form(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/cases/new")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=new-case]").await;
    // A wrong check digit is caught in the browser, at the field.
    type_in(&c, "[data-test=inn]", "7707083894\n").await;
    let err = text_until(&c, ".field-error", |t| !t.is_empty()).await;
    assert_eq!(err, "INN check digits do not match");
    // Saving is refused while it stands, with the subject missing too.
    click(&c, "[data-test=save]").await;
    let errors = count_until(&c, "[data-test=field-error]", 3).await;
    assert_eq!(
        errors,
        [
            "INN check digits do not match",
            "Required with an INN",
            "Required"
        ]
    );
    screenshot(&c, backend, "new-case-errors").await;
    // The right INN: Enter fills KPP and name from the registry.
    let inn = find(&c, "[data-test=inn]").await;
    inn.clear().await.unwrap();
    inn.send_keys(&format!("{}\n", crate::registry::SBER))
        .await
        .unwrap();
    text_until(&c, "[data-test=lookup-note]", |t| {
        t == "Filled from the registry."
    })
    .await;
    let kpp = find(&c, "[data-test=kpp]").await;
    assert_eq!(
        kpp.prop("value").await.unwrap().as_deref(),
        Some("773601001")
    );
    let name = find(&c, "[data-test=org-name]").await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("ПАО СБЕРБАНК")
    );
    // No contract: only a consultation.
    find(&c, "[data-test=no-contract]").await;
    type_in(&c, "[data-test=first-name]", "Ольга").await;
    type_in(&c, "[data-test=last-name]", "Кузнецова").await;
    type_in(&c, "[data-test=phone]", "84951234567 доб 12").await;
    assert_eq!(
        find(&c, "[data-test=phone]")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("+7 (495) 123-45-67 доб 12")
    );
    type_in(&c, "[data-test=subject]", "Не приходят уведомления").await;
    type_in(&c, "[data-test=description]", "С утра не приходят письма").await;
    screenshot(&c, backend, "new-case").await;
    click(&c, "[data-test=save]").await;
    // The notice names the number; it is a link to the case.
    let toast = text_until(&c, "[data-test=toast]", |t| t.contains('#')).await;
    assert!(toast.starts_with("Case registered:"), "{toast}");
    let (_, cases) = app.get("/api/v1/cases?limit=5", &agent.token).await;
    let case = &cases["items"][0];
    assert_eq!(case["subject"], "Не приходят уведомления");
    assert!(toast.contains(&format!("#{}", case["number"])), "{toast}");
    click(&c, "[data-test=toast] a").await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Не приходят уведомления")
    })
    .await;
    assert_eq!(path_of(&c).await, format!("/cases/{}", case["id"]));
    // The organization and the applicant were created and linked.
    let (_, org) = app
        .get(
            &format!("/api/v1/organizations/{}", case["organization_id"]),
            &agent.token,
        )
        .await;
    assert_eq!(org["inn"], crate::registry::SBER);
    assert_eq!(org["kpp"], "773601001");
    let (_, person) = app
        .get(
            &format!("/api/v1/contacts/{}", case["requester_id"]),
            &agent.token,
        )
        .await;
    assert_eq!(person["last_name"], "Кузнецова");
    assert_eq!(person["phones"], json!(["+74951234567;ext=12"]));
    assert_eq!(person["organization_id"], case["organization_id"]);

    // The organization's page lists the case; editing checks the KPP like the API does.
    c.goto(&app.url(&format!("/organizations/{}", case["organization_id"])))
        .await
        .unwrap();
    text_until(&c, "[data-test=record-title]", |t| t == "ПАО СБЕРБАНК").await;
    text_until(&c, "[data-test=record-cases]", |t| {
        t.contains("Не приходят уведомления")
    })
    .await;
    click(&c, "[data-test=edit]").await;
    let kpp = find(&c, "[data-test=record-form] input[name=kpp]").await;
    kpp.clear().await.unwrap();
    kpp.send_keys("77360100").await.unwrap();
    click(&c, "[data-test=record-form] [data-test=save]").await;
    let err = text_until(&c, "[data-test=record-form] [data-test=field-error]", |t| {
        !t.is_empty()
    })
    .await;
    assert!(err.starts_with("KPP is 9 characters"), "{err}");
    let kpp = find(&c, "[data-test=record-form] input[name=kpp]").await;
    kpp.clear().await.unwrap();
    kpp.send_keys("773601002").await.unwrap();
    click(&c, "[data-test=record-form] [data-test=save]").await;
    text_until(&c, "[data-test=record]", |t| t.contains("773601002")).await;
    screenshot(&c, backend, "organization").await;
    let (_, org) = app
        .get(
            &format!("/api/v1/organizations/{}", case["organization_id"]),
            &agent.token,
        )
        .await;
    assert_eq!(org["kpp"], "773601002");
    c.close().await.unwrap();
}

async fn customer_portal(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact_a) = org_with_contact(&app, &agent, "BrowserA").await;
    let (_, contact_b) = org_with_contact(&app, &agent, "BrowserB").await;
    let portal_a = app.user(Role::Portal, None, Some(contact_a)).await;
    let mut ids = Vec::new();
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
        ids.push(case["id"].as_i64().unwrap());
    }
    for (kind, body) in [
        ("public", "Try the other tray"),
        ("internal", "secret: tray 2 is broken"),
    ] {
        let (s, _) = app
            .post(
                &format!("/api/v1/cases/{}/stream", ids[0]),
                &agent.token,
                json!({ "kind": kind, "body": body }),
            )
            .await;
        assert_eq!(s, 201);
    }
    drain_outbox(&app).await;

    let (_driver, c) = browser().await;
    // An agent address typed by a customer lands on the portal home.
    c.goto(&app.url("/queues/all_open")).await.unwrap();
    sign_in(&c, &portal_a).await;
    let rows = count_until(&c, "[data-test=portal-cases] [data-test=case-row]", 1).await;
    assert!(rows[0].contains("Printer jams on tray 2"));
    assert_eq!(path_of(&c).await, "/portal");
    assert!(c.find(Locator::Css("[data-test=cases]")).await.is_err());
    assert!(!c.source().await.unwrap().contains("VPN drops every hour"));
    // The bell counts the public reply, not the note.
    assert_eq!(
        text_until(&c, "[data-test=unread]", |t| t == "1").await,
        "1"
    );
    screenshot(&c, backend, "portal").await;

    // The case: the public reply, never the internal note; the customer answers.
    click(&c, "[data-test=portal-cases] [data-test=case-row] a").await;
    let entries = count_until(&c, "[data-test=entry]", 1).await;
    assert!(entries[0].contains("Try the other tray"), "{entries:?}");
    assert!(!c.source().await.unwrap().contains("tray 2 is broken"));
    type_in(
        &c,
        "[data-test=composer-text]",
        "The other tray works, thanks",
    )
    .await;
    click(&c, "[data-test=send]").await;
    count_until(&c, "[data-test=entry]", 2).await;
    let kinds = stream_kinds(&app, &agent.token, ids[0]).await;
    assert!(kinds.contains(&("public".into(), "The other tray works, thanks".into())));
    // Another customer's case by its address: not found, and nothing of it on the page.
    c.goto(&app.url(&format!("/portal/cases/{}", ids[1])))
        .await
        .unwrap();
    find(&c, "[data-test=load-error]").await;
    assert!(!c.source().await.unwrap().contains("VPN drops every hour"));

    // A new case from the portal.
    c.goto(&app.url("/portal/cases/new")).await.unwrap();
    type_in(&c, "[data-test=subject]", "Scanner is offline").await;
    type_in(&c, "[data-test=description]", "Since the update").await;
    click(&c, "[data-test=save]").await;
    let toast = text_until(&c, "[data-test=toast]", |t| t.contains('#')).await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Scanner is offline")
    })
    .await;
    let (_, mine) = app.get("/api/v1/portal/cases", &portal_a.token).await;
    let created = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["subject"] == "Scanner is offline")
        .expect("the new case is the customer's")
        .clone();
    assert!(
        toast.contains(&format!("#{}", created["number"])),
        "{toast}"
    );
    let (_, as_agent) = app
        .get(&format!("/api/v1/cases/{}", created["id"]), &agent.token)
        .await;
    assert_eq!(as_agent["channel"], "portal");
    assert_eq!(as_agent["requester_id"], contact_a);
    // Signing out forgets the session: a reload asks to sign in again.
    sign_out(&c).await;
    c.refresh().await.unwrap();
    find(&c, "input[name=email]").await;
    assert!(c
        .find(Locator::Css("[data-test=portal-cases]"))
        .await
        .is_err());
    c.close().await.unwrap();
}

/// An agent gives a contact portal access in the app; the customer opens the mailed link,
/// chooses a password and lands in the portal; a replaced or used link is refused.
async fn portal_invitation(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let email = "vera@customer.test";
    let (_driver, c) = browser().await;
    c.goto(&app.url("/contacts/new")).await.unwrap();
    sign_in(&c, &agent).await;
    type_in(&c, "[data-test=record-form] input[name=first_name]", "Vera").await;
    type_in(
        &c,
        "[data-test=record-form] input[name=last_name]",
        "Sokolova",
    )
    .await;
    type_in(&c, "[data-test=record-form] textarea[name=emails]", email).await;
    click(&c, "[data-test=record-form] input[name=portal_access]").await;
    click(&c, "[data-test=record-form] [data-test=save]").await;
    let toast = toast_until(&c, |t| t.contains(email)).await;
    assert_eq!(toast, format!("Invitation to the portal sent to {email}."));
    text_until(&c, "[data-test=record-title]", |t| t == "Vera Sokolova").await;
    let first = crate::invitation_token(&app, email)
        .await
        .expect("an invitation mail");
    // Sending again from the contact's page: a new link, the first one void.
    click(&c, "[data-test=invite]").await;
    let mut second = first.clone();
    for _ in 0..100 {
        second = crate::invitation_token(&app, email).await.unwrap();
        if second != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(second, first, "a second invitation was queued");
    sign_out(&c).await;

    c.goto(&app.url(&format!("/invite/{first}"))).await.unwrap();
    find(&c, "[data-test=invite-invalid]").await;
    c.goto(&app.url(&format!("/invite/{second}")))
        .await
        .unwrap();
    text_until(&c, "[data-test=invite-form] h1", |t| {
        t == "Welcome, Vera Sokolova"
    })
    .await;
    type_in(&c, "input[name=password]", "a long new password").await;
    type_in(&c, "input[name=again]", "a long new passwore").await;
    click(&c, "[data-test=accept-invitation]").await;
    let err = text_until(&c, "[data-test=field-error]", |t| !t.is_empty()).await;
    assert_eq!(err, "The passwords differ");
    let again = find(&c, "input[name=again]").await;
    again.clear().await.unwrap();
    again.send_keys("a long new password").await.unwrap();
    screenshot(&c, backend, "portal-invitation").await;
    click(&c, "[data-test=accept-invitation]").await;
    text_until(&c, "[data-test=who]", |t| t.contains("Vera Sokolova")).await;
    text_until(&c, "[data-test=empty]", |t| t == "You have no cases yet.").await;
    assert_eq!(path_of(&c).await, "/portal");

    // The link worked once; the password chosen signs in.
    sign_out(&c).await;
    c.goto(&app.url(&format!("/invite/{second}")))
        .await
        .unwrap();
    find(&c, "[data-test=invite-invalid]").await;
    let (s, _) = app.login(email, "a long new password").await;
    assert_eq!(s, 200);
    c.close().await.unwrap();
}

/// The form field `name` of the admin form.
fn admin_field(name: &str) -> String {
    format!("[data-test=admin-form] [name='{name}']")
}

/// Clicks a row's button (`edit`, `edit-json`) in the row that shows `text`.
async fn row_button(c: &Client, text: &str, button: &str) {
    let xpath = format!(
        "//tr[@data-test='admin-row'][contains(., '{text}')]//button[@data-test='{button}']"
    );
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath} appears: {e}"))
        .click()
        .await
        .unwrap();
}

/// An admin adds an agent, a team and a mailbox in forms and edits them; every JSON example
/// creates its record as it stands.
async fn admin_screens(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/admin/users")).await.unwrap();
    sign_in(&c, &admin).await;
    find(&c, "[data-test=admin-users]").await;

    // A new agent; a bad address is named at its field.
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("email"), "pavel.example.test").await;
    type_in(&c, &admin_field("name"), "Pavel Orlov").await;
    type_in(&c, &admin_field("password"), "a long enough password").await;
    type_in(&c, &admin_field("support_line"), "2").await;
    click(&c, &format!("{} option[value=ru]", admin_field("language"))).await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(
        &c,
        "[data-test=admin-form] label:has([name=email]) [data-test=field-error]",
        |t| !t.is_empty(),
    )
    .await;
    let email = find(&c, &admin_field("email")).await;
    email.clear().await.unwrap();
    email.send_keys("pavel@example.test").await.unwrap();
    screenshot(&c, backend, "admin-user").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("pavel@example.test")
    })
    .await;
    let (_, users) = app.get("/api/v1/users?limit=100", &admin.token).await;
    let pavel = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "pavel@example.test")
        .expect("the agent was created")
        .clone();
    assert_eq!(
        (&pavel["role"], &pavel["support_line"], &pavel["language"]),
        (&json!("agent"), &json!(2), &json!("ru"))
    );
    let (s, _) = app
        .login("pavel@example.test", "a long enough password")
        .await;
    assert_eq!(s, 200, "the password set in the form signs in");

    // Editing: the address is fixed, the rest changes; only what changed is sent.
    row_button(&c, "pavel@example.test", "edit").await;
    assert!(find(&c, &admin_field("email"))
        .await
        .attr("readonly")
        .await
        .unwrap()
        .is_some());
    click(&c, &admin_field("active")).await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("pavel@example.test")
    })
    .await;
    let pavel_id = pavel["id"].as_i64().unwrap();
    for _ in 0..100 {
        let (_, now) = app
            .get(&format!("/api/v1/users/{pavel_id}"), &admin.token)
            .await;
        if now["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, now) = app
        .get(&format!("/api/v1/users/{pavel_id}"), &admin.token)
        .await;
    assert_eq!(
        (&now["active"], &now["name"]),
        (&json!(false), &json!("Pavel Orlov"))
    );

    // A team with him as member, given out round-robin.
    c.goto(&app.url("/admin/teams")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Second line").await;
    type_in(&c, &admin_field("member_ids"), &pavel_id.to_string()).await;
    click(
        &c,
        &format!("{} option[value=round_robin]", admin_field("assignment")),
    )
    .await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| t.contains("Second line")).await;
    let (_, teams) = app.get("/api/v1/teams", &admin.token).await;
    let team = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Second line")
        .unwrap();
    assert_eq!(
        (&team["member_ids"], &team["assignment"]),
        (&json!([pavel_id]), &json!("round_robin"))
    );

    // A mailbox is replaced as a whole; its stored password stays when left empty.
    c.goto(&app.url("/admin/mailboxes")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Support").await;
    type_in(&c, &admin_field("address"), "support@example.test").await;
    type_in(&c, &admin_field("imap_host"), "imap.example.test").await;
    type_in(&c, &admin_field("imap_password"), "imap secret").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    find(&c, "[data-test=secret]").await;
    row_button(&c, "support@example.test", "edit").await;
    let name = find(&c, &admin_field("name")).await;
    name.clear().await.unwrap();
    name.send_keys("Support desk").await.unwrap();
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("Support desk")
    })
    .await;
    let (_, boxes) = app.get("/api/v1/mailboxes", &admin.token).await;
    let support = boxes
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["address"] == "support@example.test")
        .unwrap();
    assert_eq!(
        (
            &support["name"],
            &support["imap_host"],
            &support["imap_password_set"]
        ),
        (
            &json!("Support desk"),
            &json!("imap.example.test"),
            &json!(true)
        )
    );

    // The nested records in their editors: a calendar (a malformed day is caught first), an
    // SLA policy on it, and a workflow rule, edited again afterwards.
    c.goto(&app.url("/admin/calendars")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Moscow office").await;
    let monday = find(&c, &admin_field("day0")).await;
    monday.clear().await.unwrap();
    monday.send_keys("9 to 5").await.unwrap();
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    let err = text_until(&c, "[data-test=form-errors]", |t| !t.is_empty()).await;
    assert!(err.starts_with("Monday: `9 to 5`"), "{err}");
    monday.clear().await.unwrap();
    monday.send_keys("09:00-13:00, 14:00-18:00").await.unwrap();
    type_in(
        &c,
        &admin_field("holidays"),
        "2027-01-01..2027-01-08 New year",
    )
    .await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("Moscow office")
    })
    .await;
    let (_, calendars) = app.get("/api/v1/calendars", &admin.token).await;
    let calendar = calendars
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Moscow office")
        .unwrap()
        .clone();
    assert_eq!(
        calendar["week"][0],
        json!([{ "start": "09:00", "end": "13:00" }, { "start": "14:00", "end": "18:00" }])
    );
    assert_eq!(
        calendar["week"][1],
        json!([{ "start": "09:00", "end": "18:00" }])
    );
    assert_eq!(calendar["week"][5], json!([]));
    assert_eq!(
        (
            &calendar["holidays"][0]["from"],
            &calendar["holidays"][0]["to"],
            &calendar["holidays"][0]["name"]
        ),
        (
            &json!("2027-01-01"),
            &json!("2027-01-08"),
            &json!("New year")
        )
    );

    c.goto(&app.url("/admin/sla-policies")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Gold").await;
    click(
        &c,
        &format!(
            "{} option[value='{}']",
            admin_field("calendar_id"),
            calendar["id"]
        ),
    )
    .await;
    type_in(&c, &admin_field("urgent.first_response_minutes"), "30").await;
    type_in(&c, &admin_field("urgent.resolution_minutes"), "240").await;
    click(&c, "[data-test=conditions-priorities] input[value=urgent]").await;
    screenshot(&c, backend, "admin-sla-policy").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| t.contains("Gold")).await;
    let (_, policies) = app.get("/api/v1/sla-policies", &admin.token).await;
    let gold = policies
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Gold")
        .unwrap();
    assert_eq!(gold["calendar_id"], calendar["id"]);
    assert_eq!(gold["targets"]["urgent"]["first_response_minutes"], 30);
    assert_eq!(gold["targets"]["urgent"]["resolution_minutes"], 240);
    assert_eq!(gold["conditions"]["priorities"], json!(["urgent"]));

    c.goto(&app.url("/admin/workflow-rules")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "VIP to Pavel").await;
    click(&c, "[data-test=add-condition]").await;
    click(
        &c,
        &format!("{} option[value=tags]", admin_field("conditions.0.field")),
    )
    .await;
    click(
        &c,
        &format!("{} option[value=contains]", admin_field("conditions.0.op")),
    )
    .await;
    type_in(&c, &admin_field("conditions.0.value"), "vip").await;
    click(&c, "[data-test=add-action]").await;
    click(
        &c,
        &format!(
            "{} option[value=notify_users]",
            admin_field("actions.0.type")
        ),
    )
    .await;
    type_in(
        &c,
        &admin_field("actions.0.user_ids"),
        &pavel_id.to_string(),
    )
    .await;
    type_in(&c, &admin_field("actions.0.text"), "A VIP case").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("VIP to Pavel")
    })
    .await;
    // Renamed: the whole rule is replaced, its conditions and actions kept.
    row_button(&c, "VIP to Pavel", "edit").await;
    let name = find(&c, &admin_field("name")).await;
    name.clear().await.unwrap();
    name.send_keys("VIP cases to Pavel").await.unwrap();
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("VIP cases to Pavel")
    })
    .await;
    let (_, rules) = app.get("/api/v1/workflow-rules", &admin.token).await;
    let rule = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "VIP cases to Pavel")
        .unwrap();
    assert_eq!(rule["trigger"], "case_created");
    assert_eq!(
        rule["conditions"],
        json!([{ "field": "tags", "op": "contains", "value": "vip" }])
    );
    assert_eq!(
        rule["actions"],
        json!([{ "type": "notify_users", "user_ids": [pavel_id], "text": "A VIP case" }])
    );

    // Every example offered as JSON is accepted as it stands (webhooks' needs a DNS lookup).
    // Eight page loads in a row: a live feed left open by a page would hold one of the
    // browser's six connections to the server, and the later pages would hang.
    for (key, button) in [
        ("users", "create-json"),
        ("teams", "create-json"),
        ("mailboxes", "create-json"),
        ("sla-policies", "create-json"),
        ("calendars", "create-json"),
        ("workflow-rules", "create-json"),
        ("web-forms", "create-json"),
        ("api-tokens", "create-json"),
    ] {
        c.goto(&app.url(&format!("/admin/{key}"))).await.unwrap();
        let rows = format!("[data-test=admin-{key}] [data-test=admin-row]");
        find(
            &c,
            &format!("[data-test=admin-{key}] [data-test=admin-table]"),
        )
        .await;
        let before = texts(&c, &rows).await.len();
        click(&c, &format!("[data-test={button}]")).await;
        click(&c, "[data-test=json-save]").await;
        let toast = toast_until(&c, |_| true).await;
        assert_eq!(toast, "Saved.", "{key}: the example as it stands");
        for _ in 0..200 {
            if texts(&c, &rows).await.len() > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(texts(&c, &rows).await.len(), before + 1, "{key}");
    }
    c.close().await.unwrap();
}

async fn live_update(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let colleague = app.user(Role::Agent, Some(1), None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/all_open")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=empty]").await;
    assert_eq!(
        text_until(&c, "[data-test=count-all_open]", |t| t == "0").await,
        "0"
    );
    // Let the feed connect, then a colleague registers a case elsewhere.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = c
        .execute("return performance.timeOrigin;", vec![])
        .await
        .unwrap();
    let (s, _) = app
        .post(
            "/api/v1/cases",
            &colleague.token,
            json!({ "subject": "Arrived while you watched" }),
        )
        .await;
    assert_eq!(s, 201);
    let rows = count_until(&c, "[data-test=cases] [data-test=case-row]", 1).await;
    assert!(rows[0].contains("Arrived while you watched"));
    assert_eq!(
        text_until(&c, "[data-test=count-all_open]", |t| t == "1").await,
        "1"
    );
    let after = c
        .execute("return performance.timeOrigin;", vec![])
        .await
        .unwrap();
    assert_eq!(before, after, "the page was not reloaded");

    // A case assigned to the agent pops up a browser notification. The Notification API is
    // replaced by a recorder with the permission granted (headless Chromium shows none).
    c.execute(
        "window.shown = [];
         window.Notification = class {
             constructor(title, options) { window.shown.push(title + ' | ' + (options && options.body)); }
             static get permission() { return 'granted'; }
             static requestPermission() { return Promise.resolve('granted'); }
         };",
        vec![],
    )
    .await
    .unwrap();
    let (s, yours) = app
        .post(
            "/api/v1/cases",
            &colleague.token,
            json!({ "subject": "Yours now" }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{}/actions/assign", yours["id"]),
            &colleague.token,
            json!({ "assignee_id": agent.id }),
        )
        .await;
    assert_eq!(s, 200);
    // The worker writes the notification; the next event makes the app look.
    drain_outbox(&app).await;
    let (s, _) = app
        .post(
            "/api/v1/cases",
            &colleague.token,
            json!({ "subject": "Another one" }),
        )
        .await;
    assert_eq!(s, 201);
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = c.execute("return window.shown;", vec![]).await.unwrap();
        if shown.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = shown.as_array().cloned().unwrap_or_default();
    assert_eq!(shown.len(), 1, "{shown:?}");
    let popup = shown[0].as_str().unwrap();
    assert!(
        popup.starts_with("Helpdesk | ") && popup.contains("Yours now"),
        "{popup}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_works_a_case_sqlite() {
    agent_works_a_case(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_works_a_case_postgres() {
    agent_works_a_case(TestBackend::Postgres).await;
}

#[tokio::test]
async fn new_case_form_sqlite() {
    new_case_form(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn new_case_form_postgres() {
    new_case_form(TestBackend::Postgres).await;
}

#[tokio::test]
async fn customer_portal_sqlite() {
    customer_portal(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn customer_portal_postgres() {
    customer_portal(TestBackend::Postgres).await;
}

#[tokio::test]
async fn live_update_sqlite() {
    live_update(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn live_update_postgres() {
    live_update(TestBackend::Postgres).await;
}

#[tokio::test]
async fn portal_invitation_sqlite() {
    portal_invitation(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn portal_invitation_postgres() {
    portal_invitation(TestBackend::Postgres).await;
}

#[tokio::test]
async fn admin_screens_sqlite() {
    admin_screens(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn admin_screens_postgres() {
    admin_screens(TestBackend::Postgres).await;
}
