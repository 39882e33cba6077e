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
//! - a session across three tabs whose access token keeps expiring: no sign-in page, one
//!   refresh at a time;
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

mod a11y;
mod agent;
mod appearance;
mod case_details;
mod delivery;
mod forms;
mod handoff;
mod kb_authoring;
mod pickers;
mod portal;
mod search;
mod session;
mod sso;
mod two_factor;

const WAIT: Duration = Duration::from_secs(20);

/// A 1×1 PNG.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// chromedriver, and the profile folder of the browser it starts.
struct Driver(Child, tempfile::TempDir);

impl Drop for Driver {
    /// Ends chromedriver and the browser it started: the browser runs in a process group of its
    /// own and outlives chromedriver, so it is found by its profile folder, unique to this test.
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", &self.1.path().to_string_lossy()])
            .status();
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
    browser_with(&[], None).await
}

/// [`browser`] with more Chromium switches, and a device to emulate (ChromeDriver's
/// `mobileEmulation`: a window narrower than Chromium's smallest, as a phone's).
async fn browser_with(extra: &[&str], device: Option<Value>) -> (Driver, Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let profile = tempfile::tempdir().expect("a profile folder for the browser");
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (just tools)");
    let driver = Driver(child, profile);
    let profile_dir = driver.1.path().display().to_string();
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [format!("--user-data-dir={}", profile_dir), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1400,900", "--lang=en-US",
                     // Nothing outside this machine: a page that asks for an outside font or
                     // picture gets an answer at once instead of waiting on the network.
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
        }
    }))
    .unwrap();
    let mut caps = caps;
    if let Some(Value::Object(options)) = caps.get_mut("goog:chromeOptions") {
        if let Some(Value::Array(args)) = options.get_mut("args") {
            args.extend(extra.iter().map(|a| json!(a)));
        }
        if let Some(d) = device {
            options.insert("mobileEmulation".into(), d);
        }
    }
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
    spa_customized(backend, |_| {}).await
}

/// [`spa`] with settings of the services changed by `customize` as well.
async fn spa_customized(
    backend: TestBackend,
    customize: impl FnOnce(&mut helpdesk_service::Services),
) -> (TestApp, MockServer) {
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
            customize(svc);
        },
    )
    .await;
    (app, registry)
}

async fn find(c: &Client, css: &str) -> Element {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            // What was on screen instead says why, when a run fails only now and then.
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let page = c.source().await.unwrap_or_default();
            panic!("{css} appears: {e}; at {url}; page: {page}")
        }
    }
}

async fn click(c: &Client, css: &str) {
    for tries in 1.. {
        match find(c, css).await.click().await {
            Ok(()) => return,
            // Drawn again between finding and clicking: found again.
            Err(e) if redrawn(&e) && tries < 20 => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("clicking {css}: {e}"),
        }
    }
}

async fn type_in(c: &Client, css: &str, text: &str) {
    for tries in 1.. {
        match find(c, css).await.send_keys(text).await {
            Ok(()) => return,
            Err(e) if redrawn(&e) && tries < 20 => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("typing into {css}: {e}"),
        }
    }
}

/// The element found is no longer in the page (the app drew it again): nothing was done to it.
fn redrawn(e: &fantoccini::error::CmdError) -> bool {
    matches!(
        e,
        fantoccini::error::CmdError::Standard(w)
            if w.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}

/// The serious and critical accessibility violations axe-core finds in the page as it is now,
/// each as its rule and the first elements it found.
async fn violations(c: &Client) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-support/axe/node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run ./scripts/install-tools.sh", path.display()));
    c.execute(&format!("{axe}\nwindow.axe = axe;"), vec![])
        .await
        .unwrap();
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            window.axe.run(document, { resultTypes: ['violations'] }).then(r => done(
                r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)));"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
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
