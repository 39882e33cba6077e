//! The app as a browser receives it: its files compressed with brotli at build time, kept in
//! the cache for good (a warm visit loads no file of the app again), no inline script, the
//! loading skeleton gone once the app is up, and nothing refused by the page's
//! Content-Security-Policy while an agent works. Prints the first queue render on a cold cache
//! over Chromium's "Fast 3G" profile and on a warm one (figures for the notes, not asserted).

use std::time::Instant;

use fantoccini::wd::WebDriverCompatibleCommand;

use super::*;

/// A Chrome DevTools command, through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.0, "params": self.1 });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Chromium's "Fast 3G": 562.5 ms round trips, 1.6 Mbit/s down and 750 kbit/s up at 90 %.
fn fast_3g() -> Value {
    json!({ "offline": false, "latency": 562.5,
            "downloadThroughput": 1_600_000.0 / 8.0 * 0.9,
            "uploadThroughput": 750_000.0 / 8.0 * 0.9 })
}

/// The app's wasm as this page loaded it: (bytes over the wire, bytes encoded, bytes decoded).
async fn wasm_entry(c: &Client) -> (u64, u64, u64) {
    let v = c
        .execute(
            "const e = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm'));
             return e ? [e.transferSize, e.encodedBodySize, e.decodedBodySize] : null;",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| {
        v[i].as_u64()
            .unwrap_or_else(|| panic!("the wasm was loaded: {v}"))
    };
    (n(0), n(1), n(2))
}

/// Opens `url` and waits for the queue's rows; the time from the start of navigation.
async fn queue_render(c: &Client, url: &str, rows: usize) -> Duration {
    let start = Instant::now();
    c.goto(url).await.unwrap();
    let css = "[data-test=cases] [data-test=case-row]";
    c.wait()
        .at_most(Duration::from_secs(60))
        .every(Duration::from_millis(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap();
    count_until(c, css, rows).await;
    start.elapsed()
}

async fn the_app_arrives_compressed_cached_and_guarded(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer on the third floor" }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let brotli = std::fs::read_dir(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist/assets"),
    )
    .unwrap()
    .map(|e| e.unwrap().path())
    .find(|p| p.to_string_lossy().ends_with(".wasm.br"))
    .expect("the build compressed the wasm with brotli (just frontend)");
    let brotli_size = std::fs::metadata(&brotli).unwrap().len();

    let (_driver, c) = browser().await;
    let queue = app.url("/queues/all_open");
    c.goto(&queue).await.unwrap();
    sign_in(&c, &agent).await;
    count_until(&c, "[data-test=cases] [data-test=case-row]", 1).await;

    // Loaded once, as brotli: what came is the build's compressed file.
    let (_, encoded, decoded) = wasm_entry(&c).await;
    assert_eq!(
        encoded, brotli_size,
        "the wasm came as the build's brotli file"
    );
    assert!(
        decoded > 3 * encoded,
        "{encoded} bytes decoded to {decoded}"
    );
    let inline = c
        .execute(
            "return document.querySelectorAll('script:not([src])').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(inline, json!(0), "no inline script in the page");
    let skeleton = c
        .execute("return document.getElementById('boot') === null;", vec![])
        .await
        .unwrap();
    assert_eq!(skeleton, json!(true), "the loading skeleton is gone");

    // Cold cache over a slow mobile network (the session is kept in the browser).
    c.issue_cmd(Cdp("Network.enable", json!({}))).await.unwrap();
    c.issue_cmd(Cdp("Network.clearBrowserCache", json!({})))
        .await
        .unwrap();
    c.issue_cmd(Cdp("Network.emulateNetworkConditions", fast_3g()))
        .await
        .unwrap();
    let cold = queue_render(&c, &queue, 1).await;
    let (transferred, _, _) = wasm_entry(&c).await;
    assert!(transferred > 0, "the cleared cache sent the wasm again");

    // Warm: the full network again, every file of the app from the cache without asking.
    c.issue_cmd(Cdp(
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
    ))
    .await
    .unwrap();
    let warm = queue_render(&c, &queue, 1).await;
    let (transferred, _, _) = wasm_entry(&c).await;
    assert_eq!(transferred, 0, "a warm visit takes the wasm from the cache");
    eprintln!(
        "first queue render: cold cache over Fast 3G {} ms, warm {} ms; wasm {brotli_size} bytes as sent (brotli)",
        cold.as_millis(),
        warm.as_millis()
    );

    // Working on: nothing the page does is refused by its policy.
    c.execute(
        "window.__refused = [];
         document.addEventListener('securitypolicyviolation',
             e => window.__refused.push(e.violatedDirective + ' ' + e.blockedURI));",
        vec![],
    )
    .await
    .unwrap();
    key(&c, "Enter").await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Printer on the third floor")
    })
    .await;
    type_in(&c, "[data-test=composer-text]", "We are on it.").await;
    let refused = c.execute("return window.__refused;", vec![]).await.unwrap();
    assert_eq!(refused, json!([]), "nothing refused by the page's policy");
}

#[tokio::test]
async fn the_app_arrives_compressed_cached_and_guarded_sqlite() {
    the_app_arrives_compressed_cached_and_guarded(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn the_app_arrives_compressed_cached_and_guarded_postgres() {
    the_app_arrives_compressed_cached_and_guarded(TestBackend::Postgres).await;
}
