//! How the app itself is delivered: content-named files cached for good and served from their
//! build-time compressions, the page revalidated, `HEAD` wherever `GET`, and the security
//! headers on every page. Served from a folder laid out as `scripts/build-frontend.sh` writes
//! it, whose compressed files say which one was sent.

use std::path::Path;

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend};
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};

const WASM: &str = "assets/helpdesk_frontend_bg-0123456789abcdef.wasm";

fn built_app(dir: &Path) {
    let write = |name: &str, body: &str| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    };
    write("index.html", "<!DOCTYPE html><title>page</title>");
    write("index.html.br", "page, brotli");
    write("index.html.gz", "page, gzip");
    write(WASM, "the wasm itself");
    write(&format!("{WASM}.br"), "the wasm, brotli");
    write(&format!("{WASM}.gz"), "the wasm, gzip");
    write("assets/style-fedcba9876543210.css", "body { margin: 0 }");
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

async fn fetch(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> Answer {
    // A client that decompresses nothing, so the test sees what was sent.
    let client = reqwest::Client::new();
    let mut req = client.request(method, app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

async fn app_serving(backend: TestBackend, dir: &Path) -> TestApp {
    TestApp::spawn_with(
        backend,
        AppConfig {
            static_dir: Some(dir.to_path_buf()),
            ..AppConfig::default()
        },
    )
    .await
}

async fn content_named_files_are_cached_for_good_and_sent_compressed(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    built_app(dir.path());
    let app = app_serving(backend, dir.path()).await;
    let path = format!("/{WASM}");

    let chrome = [("accept-encoding", "gzip, deflate, br, zstd")];
    let a = fetch(&app, Method::GET, &path, &chrome).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, "the wasm, brotli");
    assert_eq!(a.header(header::CONTENT_ENCODING), "br");
    assert_eq!(a.header(header::CONTENT_TYPE), "application/wasm");
    assert_eq!(
        a.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(a.header(header::VARY), "accept-encoding");
    assert!(a.headers.get(header::CONTENT_DISPOSITION).is_none());

    let a = fetch(&app, Method::GET, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(
        (a.body.as_str(), a.header(header::CONTENT_ENCODING)),
        ("the wasm, gzip", "gzip")
    );
    let a = fetch(
        &app,
        Method::GET,
        &path,
        &[("accept-encoding", "br;q=0, gzip")],
    )
    .await;
    assert_eq!(a.body, "the wasm, gzip", "a refused coding is not sent");
    let a = fetch(&app, Method::GET, &path, &[]).await;
    assert_eq!(a.body, "the wasm itself");
    assert_eq!(a.header(header::CONTENT_ENCODING), "");

    // HEAD: the same headers, the length of what GET sends, no body.
    let a = fetch(&app, Method::HEAD, &path, &chrome).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, "");
    assert_eq!(a.header(header::CONTENT_ENCODING), "br");
    assert_eq!(
        a.header(header::CONTENT_LENGTH),
        "the wasm, brotli".len().to_string()
    );

    // A file built without compressions (none is, today) is still served.
    let a = fetch(&app, Method::GET, "/assets/style-fedcba9876543210.css", &[]).await;
    assert_eq!(a.body, "body { margin: 0 }");
    assert_eq!(a.header(header::CONTENT_ENCODING), "");
    assert!(a.header(header::CONTENT_TYPE).starts_with("text/css"));

    // A file of another build is missing, not answered with the page.
    let a = fetch(
        &app,
        Method::GET,
        "/assets/helpdesk_frontend_bg-ffffffffffffffff.wasm",
        &chrome,
    )
    .await;
    assert_eq!(a.status, 404);
    assert!(a.header(header::CONTENT_TYPE).contains("problem+json"));
}

async fn the_page_is_revalidated_and_guarded(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    built_app(dir.path());
    let app = app_serving(backend, dir.path()).await;
    let chrome = [("accept-encoding", "gzip, deflate, br")];

    for path in ["/", "/cases/12", "/portal/cases/3"] {
        let a = fetch(&app, Method::GET, path, &chrome).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.body, "page, brotli", "{path}");
        assert_eq!(a.header(header::CACHE_CONTROL), "no-cache", "{path}");
        assert!(a.header(header::CONTENT_TYPE).starts_with("text/html"));
        let csp = a.header(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let scripts = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_else(|| panic!("script-src in {csp}"));
        assert!(!scripts.contains("unsafe-inline"), "{scripts}");
        assert!(!scripts.contains("'unsafe-eval'"), "{scripts}");
        assert_eq!(a.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(a.header(header::REFERRER_POLICY), "no-referrer");
        assert_eq!(a.header(header::X_FRAME_OPTIONS), "DENY");
    }

    // Revalidation: the page unchanged since it was fetched is a 304 without a body.
    let a = fetch(&app, Method::GET, "/", &chrome).await;
    let etag = a.header(header::ETAG).to_owned();
    assert!(!etag.is_empty());
    let b = fetch(
        &app,
        Method::GET,
        "/",
        &[
            ("accept-encoding", "gzip, deflate, br"),
            ("if-none-match", &etag),
        ],
    )
    .await;
    assert_eq!(b.status, 304);
    assert_eq!(b.body, "");

    let a = fetch(&app, Method::HEAD, "/cases/12", &chrome).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, ""));
    assert_eq!(
        a.header(header::CONTENT_LENGTH),
        "page, brotli".len().to_string()
    );
}

async fn head_is_answered_wherever_get_is(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    built_app(dir.path());
    let app = app_serving(backend, dir.path()).await;
    let agent = app.user(Role::Agent, Some(1), None).await;

    let get = fetch(&app, Method::GET, "/healthz", &[]).await;
    let head = fetch(&app, Method::HEAD, "/healthz", &[]).await;
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    assert_eq!(
        head.header(header::CONTENT_LENGTH),
        get.body.len().to_string()
    );

    let bearer = format!("Bearer {}", agent.token);
    let auth = [("authorization", bearer.as_str())];
    let get = fetch(&app, Method::GET, "/api/v1/me", &auth).await;
    let head = fetch(&app, Method::HEAD, "/api/v1/me", &auth).await;
    assert_eq!(get.status, 200, "{}", get.body);
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    assert_eq!(
        head.header(header::CONTENT_TYPE),
        get.header(header::CONTENT_TYPE)
    );
    // Not a way around the checks: without a token HEAD is refused as GET is.
    let head = fetch(&app, Method::HEAD, "/api/v1/me", &[]).await;
    assert_eq!(head.status, 401);
    // Only GET is mirrored: HEAD never runs a change.
    let head = fetch(&app, Method::HEAD, "/api/v1/auth/logout", &auth).await;
    assert_ne!(head.status, 200);
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200, "the session is still there");
}

#[tokio::test]
async fn content_named_files_are_cached_for_good_and_sent_compressed_sqlite() {
    content_named_files_are_cached_for_good_and_sent_compressed(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn content_named_files_are_cached_for_good_and_sent_compressed_postgres() {
    content_named_files_are_cached_for_good_and_sent_compressed(TestBackend::Postgres).await;
}

#[tokio::test]
async fn the_page_is_revalidated_and_guarded_sqlite() {
    the_page_is_revalidated_and_guarded(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn the_page_is_revalidated_and_guarded_postgres() {
    the_page_is_revalidated_and_guarded(TestBackend::Postgres).await;
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_sqlite() {
    head_is_answered_wherever_get_is(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_postgres() {
    head_is_answered_wherever_get_is(TestBackend::Postgres).await;
}
