//! A running API on a free port with its own database, plus typed helpers for tests.

use std::net::TcpListener;
use std::sync::Arc;

use helpdesk_api::AppConfig;
use helpdesk_api_types::users::NewUser;
use helpdesk_api_types::Role;
use helpdesk_service::{AuthSettings, Services, SystemClock};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{TestBackend, TestDb};

pub struct TestApp {
    pub address: String,
    pub services: Services,
    pub db: TestDb,
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    /// Where this app's attachments are stored (removed with the app).
    pub files_dir: tempfile::TempDir,
}

/// One file of a multipart upload: name, media type, bytes.
pub type UploadPart<'a> = (&'a str, &'a str, Vec<u8>);

/// A user created for a test, signed in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
}

pub const TEST_PASSWORD: &str = "correct horse battery";

impl TestApp {
    pub async fn spawn(backend: TestBackend) -> TestApp {
        Self::spawn_with(
            backend,
            AppConfig {
                workers: 2,
                ..AppConfig::default()
            },
        )
        .await
    }

    /// Starts the API with a given configuration (e.g. serving the built SPA).
    pub async fn spawn_with(backend: TestBackend, config: AppConfig) -> TestApp {
        Self::spawn_customized(backend, config, |_| {}).await
    }

    /// Starts the API with settings of the services changed by `customize` (a small
    /// attachment limit, a mail sender...).
    pub async fn spawn_customized(
        backend: TestBackend,
        config: AppConfig,
        customize: impl FnOnce(&mut Services),
    ) -> TestApp {
        Self::spawn_knowing_address(backend, config, |svc, _| customize(svc)).await
    }

    /// [`TestApp::spawn_customized`] for settings that name the server's own address (the
    /// public address an identity provider sends browsers back to).
    pub async fn spawn_knowing_address(
        backend: TestBackend,
        config: AppConfig,
        customize: impl FnOnce(&mut Services, &str),
    ) -> TestApp {
        let db = tokio::task::spawn_blocking(move || TestDb::new(backend))
            .await
            .expect("create test database");
        let mut auth = AuthSettings::with_secret(b"test-signing-key-that-is-long-enough".to_vec());
        // Throttling is tested on its own; the other tests sign in many times from one address.
        auth.address_throttle.free = 1000;
        let mut services = Services::new(db.db.clone(), Arc::new(SystemClock), auth);
        let files_dir = tempfile::tempdir().expect("temporary directory for attachments");
        services.files = helpdesk_store::files::FileStore::new(
            files_dir.path(),
            helpdesk_service::DEFAULT_MAX_ATTACHMENT_BYTES,
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        customize(&mut services, &address);
        let (tx, rx) = std::sync::mpsc::channel();
        let svc = services.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = helpdesk_api::run(listener, svc, config).expect("start the API");
                tx.send(server.handle())
                    .expect("hand over the server handle");
                let _ = server.await;
            });
        });
        let handle = rx.recv().expect("server started");
        TestApp {
            address,
            services,
            db,
            // Idle connections are dropped before the server's 5-second keep-alive ends them:
            // otherwise a request sent on a connection the server is closing at that moment
            // fails with "connection closed before message completed".
            client: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .expect("an HTTP client"),
            handle,
            files_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request; returns the status and the body as JSON (`Null` when empty or not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(&body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(&body))
            .await
    }

    /// Uploads files as a multipart form (parts named `file`).
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        files: Vec<UploadPart<'_>>,
    ) -> (StatusCode, Value) {
        let mut form = reqwest::multipart::Form::new();
        for (name, content_type, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(content_type)
                .expect("a valid media type");
            form = form.part("file", part);
        }
        let resp = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request reaches the server");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Downloads raw bytes; returns the status, the headers and the body.
    pub async fn download(
        &self,
        path: &str,
        token: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let resp = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request reaches the server");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default().to_vec();
        (status, headers, body)
    }

    pub async fn login(&self, email: &str, password: &str) -> (StatusCode, Value) {
        let body = serde_json::json!({ "email": email, "password": password });
        self.call(Method::POST, "/api/v1/auth/login", None, Some(&body))
            .await
    }

    /// Runs `f` with services of their own (a separate connection pool on the same database),
    /// as another API replica or the worker process would: they share only the database.
    pub async fn in_other_process<T: Send + 'static>(
        &self,
        f: impl FnOnce(Services) -> T + Send + 'static,
    ) -> T {
        let url = self.db.url.clone();
        let mine = self.services.clone();
        tokio::task::spawn_blocking(move || {
            let db = helpdesk_store::Db::connect(&url, 2).expect("second pool");
            f(Services { db, ..mine })
        })
        .await
        .expect("other process task")
    }

    /// Runs raw SQL: the PostgreSQL form or the SQLite form, by backend (for tests that break
    /// the database on purpose).
    pub async fn sql(&self, postgres: &str, sqlite: &str) {
        let db = self.services.db.clone();
        let (pg, lite) = (postgres.to_owned(), sqlite.to_owned());
        tokio::task::spawn_blocking(move || {
            use diesel::connection::SimpleConnection;
            let mut c = db.conn().expect("a connection");
            match &mut **c {
                helpdesk_store::AnyConnection::Postgresql(c) => c.batch_execute(&pg),
                helpdesk_store::AnyConnection::Sqlite(c) => c.batch_execute(&lite),
            }
        })
        .await
        .expect("sql task")
        .expect("the SQL runs");
    }

    /// Pretends case `id` was closed `days` ago (the reopen window is counted from then).
    pub async fn backdate_closing(&self, id: i64, days: i64) {
        let db = self.services.db.clone();
        tokio::task::spawn_blocking(move || {
            db.write(|c| {
                let when = chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
                helpdesk_store::cases::update_case(
                    c,
                    id,
                    &helpdesk_store::cases::CaseChanges {
                        closed_at: Some(Some(when)),
                        ..Default::default()
                    },
                )
            })
        })
        .await
        .expect("backdate task")
        .expect("backdate the closing");
    }

    /// Creates a user through the service layer and signs them in over HTTP.
    pub async fn user(
        &self,
        role: Role,
        support_line: Option<i32>,
        contact_id: Option<i64>,
    ) -> TestUser {
        self.user_speaking(role, support_line, contact_id, None)
            .await
    }

    /// [`TestApp::user`] with a language (`en`, `ru`).
    pub async fn user_speaking(
        &self,
        role: Role,
        support_line: Option<i32>,
        contact_id: Option<i64>,
        language: Option<&str>,
    ) -> TestUser {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("{}{n}@example.test", role.as_str());
        let input = NewUser {
            email: email.clone(),
            name: format!("{} {n}", role.as_str()),
            role,
            password: Some(TEST_PASSWORD.into()),
            support_line,
            language: language.map(str::to_owned),
            contact_id,
        };
        let svc = self.services.clone();
        let user = tokio::task::spawn_blocking(move || svc.create_user(None, &input))
            .await
            .expect("create user task")
            .expect("create user");
        if let (Role::Portal, Some(contact)) = (role, contact_id) {
            // A customer signs in only while their contact has portal access: grant it, as an
            // agent would (a test about access switched off switches it off afterwards).
            let grant = format!("UPDATE contacts SET portal_access = TRUE WHERE id = {contact}");
            self.sql(&grant, &grant).await;
        }
        let (status, body) = self.login(&email, TEST_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "login of a fresh user: {body}");
        TestUser {
            id: user.id,
            email,
            password: TEST_PASSWORD.into(),
            token: body["access_token"].as_str().unwrap_or_default().to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the server thread ends on its own.
        drop(self.handle.stop(false));
    }
}
