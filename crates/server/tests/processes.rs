//! The `helpdesk` binary as operators run it, in separate processes: a database outage seen by
//! `helpdesk serve` (it waits for the database at start-up and answers 503 with `Retry-After`
//! within seconds during an outage, then recovers by itself); two `serve` replicas, one killed
//! in the middle of an idempotent request (the retry on the other creates exactly once); and
//! `helpdesk worker` killed with SIGKILL again and again in the middle of sending mail (no mail
//! sent twice, none lost unseen), and stopped with SIGTERM (it exits 0 promptly); and an SMTP
//! server that never answers, which delays no webhook.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use helpdesk_api_types::users::NewUser;
use helpdesk_domain::Role;
use helpdesk_service::{AuthSettings, Services, SystemClock};
use helpdesk_store::notifications as mails;
use helpdesk_test_support::{TestBackend, TestDb};

const PASSWORD: &str = "a long enough password";

/// A TCP relay to the database server that can be cut: while cut, it closes every relayed
/// connection and drops new ones at once, as a failed-over or unplugged server would.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: SocketAddr, up: bool) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(up));
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (u, l) = (up.clone(), live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !u.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let mut held = l.lock().unwrap();
                held.push(client.try_clone().unwrap());
                held.push(server.try_clone().unwrap());
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Relay { port, up, live }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.live.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}

/// The same database URL through the relay; and the address it relays to.
fn through(url: &str, port: u16) -> (String, SocketAddr) {
    let start = url.find("://").unwrap() + 3;
    let end = start + url[start..].find('/').unwrap_or(url.len() - start);
    let authority = &url[start..end];
    let (user, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    let target = host.to_socket_addrs().unwrap().next().unwrap();
    (
        format!("{}{user}127.0.0.1:{port}{}", &url[..start], &url[end..]),
        target,
    )
}

/// One HTTP/1.1 request: (status, headers in lower case, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    http_with(port, method, path, token, "", body)
}

/// [`http`] with extra header lines (each ending in CRLF).
fn http_with(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}{headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_owned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn services(db: &TestDb) -> Services {
    Services::new(
        db.db.clone(),
        Arc::new(SystemClock),
        AuthSettings::with_secret(b"processes-test".to_vec()),
    )
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn helpdesk(
    args: &[&str],
    db_url: &str,
    data: &std::path::Path,
    extra: &[(&str, &str)],
) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    cmd.args(args)
        .env("DATABASE_URL", db_url)
        .env("HELPDESK_DATA_DIR", data)
        .env(
            "HELPDESK_JWT_SECRET",
            "a secret for the processes test, long enough",
        )
        .env("HELPDESK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    Running(cmd.spawn().unwrap())
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    started.elapsed()
}

/// Started while the database is unreachable, `serve` waits (alive, answering 503) instead of
/// exiting, and serves once it is back; during a later outage every request is answered 503
/// with `Retry-After` within about two seconds, and service resumes by itself.
#[test]
fn database_outage_postgres() {
    let db = TestDb::new(TestBackend::Postgres);
    let svc = services(&db);
    svc.create_user(
        None,
        &NewUser {
            email: "agent@outage.test".into(),
            name: "Agent".into(),
            role: Role::Agent,
            password: Some(PASSWORD.into()),
            support_line: Some(1),
            language: None,
            contact_id: None,
        },
    )
    .unwrap();
    let (_, target) = through(&db.url, 0);
    let relay = Relay::start(target, false);
    let (url, _) = through(&db.url, relay.port);
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = helpdesk(&["serve"], &url, data.path(), &[("HELPDESK_BIND", &bind)]);

    wait_for(
        "the port answers while the database is down",
        Duration::from_secs(30),
        || TcpStream::connect(("127.0.0.1", port)).is_ok(),
    );
    assert_eq!(http(port, "GET", "/healthz", None, "").0, 200);
    assert_eq!(http(port, "GET", "/readyz", None, "").0, 503);
    let (status, head, body) = http(port, "GET", "/api/v1/me", None, "");
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("retry-after: 5"), "{head}");
    assert!(body.contains("database-unavailable"), "{body}");
    assert!(server.0.try_wait().unwrap().is_none(), "still running");

    relay.restore();
    wait_for(
        "ready once the database is back",
        Duration::from_secs(40),
        || http(port, "GET", "/readyz", None, "").0 == 200,
    );
    let login = format!(r#"{{"email":"agent@outage.test","password":"{PASSWORD}"}}"#);
    let (status, _, body) = http(port, "POST", "/api/v1/auth/login", None, &login);
    assert_eq!(status, 200, "{body}");
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(http(port, "GET", "/api/v1/me", Some(&token), "").0, 200);

    relay.cut();
    for path in ["/api/v1/me", "/api/v1/cases"] {
        let started = Instant::now();
        let (status, head, body) = http(port, "GET", path, Some(&token), "");
        let took = started.elapsed();
        assert_eq!(status, 503, "{path}: {body}");
        assert!(head.contains("retry-after: 5"), "{head}");
        assert!(
            took < Duration::from_millis(3000),
            "{path} answered after {took:?}"
        );
    }
    let started = Instant::now();
    assert_eq!(http(port, "GET", "/readyz", None, "").0, 503);
    assert!(started.elapsed() < Duration::from_millis(3000));

    relay.restore();
    wait_for("service resumes", Duration::from_secs(20), || {
        http(port, "GET", "/api/v1/me", Some(&token), "").0 == 200
    });
    assert!(server.0.try_wait().unwrap().is_none(), "never exited");
}

#[derive(diesel::QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A replica killed with SIGKILL in the middle of a creating request leaves nothing behind: the
/// client's retry with the same `Idempotency-Key`, sent to another replica, creates the case
/// (no 409 to wait out, no duplicate), and a further retry replays that answer.
#[test]
fn killed_replica_idempotent_retry_postgres() {
    use diesel::{Connection, RunQueryDsl};
    let db = TestDb::new(TestBackend::Postgres);
    let svc = services(&db);
    svc.create_user(
        None,
        &NewUser {
            email: "agent@replicas.test".into(),
            name: "Agent".into(),
            role: Role::Agent,
            password: Some(PASSWORD.into()),
            support_line: Some(1),
            language: None,
            contact_id: None,
        },
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let mut first = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[("HELPDESK_BIND", &format!("127.0.0.1:{a}"))],
    );
    let _second = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[("HELPDESK_BIND", &format!("127.0.0.1:{b}"))],
    );
    for port in [a, b] {
        wait_for("the replica is ready", Duration::from_secs(30), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http(port, "GET", "/readyz", None, "").0 == 200
        });
    }
    let login = format!(r#"{{"email":"agent@replicas.test","password":"{PASSWORD}"}}"#);
    let (_, _, body) = http(a, "POST", "/api/v1/auth/login", None, &login);
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = "Idempotency-Key: 3f0c6a52-killed-replica\r\n";
    let case = r#"{"subject":"Killed mid-request"}"#;

    // Another session holds a lock that creating a case needs: the request on the first replica
    // stops inside its transaction, and the replica is killed there.
    let mut locker = diesel::PgConnection::establish(&db.url).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut locker,
        "BEGIN; LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE;",
    )
    .unwrap();
    let (t, k) = (token.clone(), key.to_owned());
    let stuck =
        std::thread::spawn(move || http_with(a, "POST", "/api/v1/cases", Some(&t), &k, case));
    wait_for(
        "the request waits inside its transaction",
        Duration::from_secs(20),
        || {
            diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .get_result::<Waiting>(&mut locker)
            .map(|w| w.n > 0)
            .unwrap_or(false)
        },
    );
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let _ = stuck.join();
    diesel::connection::SimpleConnection::batch_execute(&mut locker, "COMMIT").unwrap();

    let (status, head, created) = http_with(b, "POST", "/api/v1/cases", Some(&token), key, case);
    assert_eq!(status, 201, "the retry creates: {created}");
    assert!(head.contains("idempotent-replayed: false"), "{head}");
    let (status, head, again) = http_with(b, "POST", "/api/v1/cases", Some(&token), key, case);
    assert_eq!(status, 201, "{again}");
    assert!(head.contains("idempotent-replayed: true"), "{head}");
    let id = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap()["id"].clone();
    assert_eq!(id(&created), id(&again));
    let cases: Waiting =
        diesel::sql_query("SELECT count(*) AS n FROM cases WHERE subject = 'Killed mid-request'")
            .get_result(&mut locker)
            .unwrap();
    assert_eq!(cases.n, 1, "exactly one case");
}

/// Reads the live feed of the replica on `port` on a thread of its own: each event's case and
/// when it arrived.
fn watch_feed(port: u16, token: &str) -> Arc<Mutex<Vec<(i64, Instant)>>> {
    let got: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /api/v1/live?wait_seconds=120 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let seen = got.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(s).lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data: ") {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(data) {
                    if v["event_type"] == "case.created" {
                        let case = v["case_id"].as_i64().unwrap_or_default();
                        seen.lock().unwrap().push((case, Instant::now()));
                    }
                }
            }
        }
    });
    got
}

/// A change made through one replica reaches a live feed open on another as soon as it
/// commits (PostgreSQL announces it; nothing polls): p95 under 250 ms over 30 cases.
#[test]
fn live_events_cross_replicas_postgres() {
    let db = TestDb::new(TestBackend::Postgres);
    let svc = services(&db);
    svc.create_user(
        None,
        &NewUser {
            email: "agent@live.test".into(),
            name: "Agent".into(),
            role: Role::Agent,
            password: Some(PASSWORD.into()),
            support_line: Some(1),
            language: None,
            contact_id: None,
        },
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let _first = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[("HELPDESK_BIND", &format!("127.0.0.1:{a}"))],
    );
    let _second = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[("HELPDESK_BIND", &format!("127.0.0.1:{b}"))],
    );
    for port in [a, b] {
        wait_for("the replica is ready", Duration::from_secs(30), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http(port, "GET", "/readyz", None, "").0 == 200
        });
    }
    let login = format!(r#"{{"email":"agent@live.test","password":"{PASSWORD}"}}"#);
    let (_, _, body) = http(a, "POST", "/api/v1/auth/login", None, &login);
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let feed = watch_feed(b, &token);
    std::thread::sleep(Duration::from_millis(500));
    let mut sent = Vec::new();
    for n in 0..30 {
        let started = Instant::now();
        let (status, _, body) = http(
            a,
            "POST",
            "/api/v1/cases",
            Some(&token),
            &format!(r#"{{"subject":"Live {n}"}}"#),
        );
        assert_eq!(status, 201, "{body}");
        let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        sent.push((id, started));
        std::thread::sleep(Duration::from_millis(30));
    }
    wait_for(
        "every case reached the other replica's feed",
        Duration::from_secs(10),
        || feed.lock().unwrap().len() >= sent.len(),
    );
    let got = feed.lock().unwrap().clone();
    let mut latencies: Vec<Duration> = sent
        .iter()
        .map(|(id, at)| {
            let (_, arrived) = got
                .iter()
                .find(|(c, _)| c == id)
                .expect("each case arrives");
            arrived.saturating_duration_since(*at)
        })
        .collect();
    latencies.sort();
    let p95 = latencies[(latencies.len() * 95).div_ceil(100) - 1];
    eprintln!(
        "live feed across replicas: p50 {:?}, p95 {p95:?}, max {:?}",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    assert!(p95 < Duration::from_millis(250), "p95 {p95:?}");
}

/// Two replicas enforce one rate limit: an API token allowed 5 requests a minute gets 429 on its
/// sixth, whichever replicas the requests went to.
#[test]
fn one_rate_limit_across_replicas_postgres() {
    let db = TestDb::new(TestBackend::Postgres);
    let svc = services(&db);
    svc.create_user(
        None,
        &NewUser {
            email: "integrator@limits.test".into(),
            name: "Integrator".into(),
            role: Role::Agent,
            password: Some(PASSWORD.into()),
            support_line: Some(1),
            language: None,
            contact_id: None,
        },
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let limit = [("HELPDESK_API_TOKEN_RATE_LIMIT", "5")];
    let _first = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[limit[0], ("HELPDESK_BIND", &format!("127.0.0.1:{a}"))],
    );
    let _second = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[limit[0], ("HELPDESK_BIND", &format!("127.0.0.1:{b}"))],
    );
    for port in [a, b] {
        wait_for("the replica is ready", Duration::from_secs(30), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http(port, "GET", "/readyz", None, "").0 == 200
        });
    }
    let login = format!(r#"{{"email":"integrator@limits.test","password":"{PASSWORD}"}}"#);
    let (_, _, body) = http(a, "POST", "/api/v1/auth/login", None, &login);
    let session = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = http(
        a,
        "POST",
        "/api/v1/me/api-tokens",
        Some(&session),
        r#"{"name":"sync","scopes":["read"]}"#,
    );
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // All in one minute: start at the beginning of one if this one is nearly over.
    let second = chrono::Utc::now().timestamp() % 60;
    if second > 45 {
        std::thread::sleep(Duration::from_secs((61 - second) as u64));
    }
    let mut answers = Vec::new();
    for port in [a, b, a, b, a, b] {
        let (status, head, _) = http(port, "GET", "/api/v1/me", Some(&token), "");
        answers.push((status, head));
    }
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 429],
        "one limit for both"
    );
    assert!(
        answers[4].1.contains("ratelimit-remaining: 0"),
        "{}",
        answers[4].1
    );
    assert!(answers[5].1.contains("retry-after:"), "{}", answers[5].1);
}

/// Revocation crosses replicas: a session signed out on one replica, and a user disabled on
/// one, are refused by the other on their very next request, although each replica keeps the
/// session checks it made (the change is announced to every replica at commit).
#[test]
fn revocation_crosses_replicas_postgres() {
    let db = TestDb::new(TestBackend::Postgres);
    let svc = services(&db);
    let mut ids = Vec::new();
    for (email, role) in [
        ("admin@revoke.test", Role::Admin),
        ("agent@revoke.test", Role::Agent),
        ("other@revoke.test", Role::Agent),
    ] {
        let user = svc
            .create_user(
                None,
                &NewUser {
                    email: email.into(),
                    name: email.into(),
                    role,
                    password: Some(PASSWORD.into()),
                    support_line: (role == Role::Agent).then_some(1),
                    language: None,
                    contact_id: None,
                },
            )
            .unwrap();
        ids.push(user.id);
    }
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (free_port(), free_port());
    let _first = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[
            ("HELPDESK_BIND", &format!("127.0.0.1:{a}")),
            ("HELPDESK_METRICS_TOKEN", "scrape"),
        ],
    );
    let _second = helpdesk(
        &["serve"],
        &db.url,
        data.path(),
        &[
            ("HELPDESK_BIND", &format!("127.0.0.1:{b}")),
            ("HELPDESK_METRICS_TOKEN", "scrape"),
        ],
    );
    for port in [a, b] {
        wait_for("the replica is ready", Duration::from_secs(30), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http(port, "GET", "/readyz", None, "").0 == 200
        });
    }
    let sign_in = |port: u16, email: &str| -> serde_json::Value {
        let login = format!(r#"{{"email":"{email}","password":"{PASSWORD}"}}"#);
        let (status, _, body) = http(port, "POST", "/api/v1/auth/login", None, &login);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    };
    let token = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap().to_owned();
    // Session checks a replica answered from what it kept.
    let kept = |port: u16| -> u64 {
        let (status, _, text) = http(port, "GET", "/metrics", Some("scrape"), "");
        assert_eq!(status, 200, "{text}");
        text.lines()
            .find_map(|l| l.strip_prefix("helpdesk_session_checks_total{answer=\"kept\"} "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no kept count in {text}"))
    };

    // Signed out on A: B refuses the access token at once.
    let agent = sign_in(a, "agent@revoke.test");
    let access = token(&agent, "access_token");
    for _ in 0..2 {
        assert_eq!(http(b, "GET", "/api/v1/me", Some(&access), "").0, 200);
    }
    assert!(kept(b) >= 1, "B answers from what it kept");
    let logout = format!(
        r#"{{"refresh_token":"{}"}}"#,
        token(&agent, "refresh_token")
    );
    assert_eq!(http(a, "POST", "/api/v1/auth/logout", None, &logout).0, 204);
    assert_eq!(
        http(b, "GET", "/api/v1/me", Some(&access), "").0,
        401,
        "signed out everywhere"
    );

    // Disabled on B: A refuses the user's token at once.
    let other = token(&sign_in(a, "other@revoke.test"), "access_token");
    let kept_before = kept(a);
    for _ in 0..2 {
        assert_eq!(http(a, "GET", "/api/v1/me", Some(&other), "").0, 200);
    }
    assert!(kept(a) > kept_before, "A answers from what it kept");
    let admin = token(&sign_in(b, "admin@revoke.test"), "access_token");
    let (status, _, body) = http(
        b,
        "PATCH",
        &format!("/api/v1/users/{}", ids[2]),
        Some(&admin),
        r#"{"active":false}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        http(a, "GET", "/api/v1/me", Some(&other), "").0,
        401,
        "disabled everywhere"
    );
}

/// `helpdesk worker` is killed with SIGKILL twenty times while it sends 100 mails through a real
/// SMTP server, and started again each time. No recipient gets a mail twice; every mail is
/// either received or, if the kill cut its hand-over, marked `unknown` for an admin to see.
/// A last SIGTERM while idle ends the worker with exit code 0.
#[test]
fn killed_worker_sends_every_mail_once_postgres() {
    const MAILS: usize = 100;
    let db = TestDb::new(TestBackend::Postgres);
    let data = tempfile::tempdir().unwrap();
    let smtp = Smtp::start();
    let now = chrono::Utc::now().naive_utc();
    db.db
        .write(|c| {
            let rows: Vec<mails::NewMail> = (0..MAILS)
                .map(|n| mails::NewMail {
                    event_id: n as i64,
                    recipient: format!("customer{n}@kill.test"),
                    kind: "reply".into(),
                    case_id: None,
                    subject: format!("Mail {n}"),
                    body: "Hello".into(),
                    message_id: format!("<mail-{n}@helpdesk.test>"),
                    status: "pending".into(),
                    next_attempt_at: now,
                    created_at: now,
                    from_address: None,
                    in_reply_to: None,
                    references_header: None,
                    auto_submitted: "auto-generated".into(),
                    mailbox_id: None,
                    attachment_ids: "[]".into(),
                })
                .collect();
            mails::insert_mails(c, &rows)
        })
        .unwrap();
    let env = [
        ("HELPDESK_SMTP_URL", smtp.url()),
        (
            "HELPDESK_MAIL_FROM",
            "Helpdesk <support@helpdesk.test>".to_owned(),
        ),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let status = |db: &TestDb| -> Vec<String> {
        db.db
            .read(mails::all_mails)
            .unwrap()
            .into_iter()
            .map(|m| m.status)
            .collect()
    };
    let mut kills = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let before = smtp.received().len();
        let mut worker = helpdesk(&["worker"], &db.url, data.path(), &env);
        // Kill it as soon as it has sent something more (or at once when nothing is left).
        while smtp.received().len() == before
            && status(&db).iter().any(|s| s == "pending" || s == "claimed")
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        let open = status(&db).iter().any(|s| s == "pending" || s == "claimed");
        if kills < 20 && open {
            worker.0.kill().unwrap();
            worker.0.wait().unwrap();
            kills += 1;
            // A killed worker's claims run out after two minutes, and what it was handing over
            // is marked unknown after ten; the test does not wait that long: it backdates the
            // leases, as the clock would.
            let mut c = db.db.conn().unwrap();
            if let helpdesk_store::AnyConnection::Postgresql(pg) = &mut **c {
                diesel::connection::SimpleConnection::batch_execute(
                    pg,
                    "UPDATE mail_outbox SET lease_until = lease_until - INTERVAL '11 minutes' \
                     WHERE status IN ('claimed', 'sending')",
                )
                .unwrap();
            }
            continue;
        }
        wait_for("every mail settled", Duration::from_secs(60), || {
            status(&db).iter().all(|s| s == "sent" || s == "unknown")
        });
        let stopped = Instant::now();
        nix_term(&worker.0);
        let code = worker.0.wait().unwrap();
        assert!(code.success(), "SIGTERM ends the worker cleanly: {code:?}");
        assert!(stopped.elapsed() < Duration::from_secs(10));
        break;
    }
    assert!(kills >= 3, "the worker was killed mid-way {kills} times");
    let got = smtp.received();
    let mut recipients: Vec<String> = got.clone();
    let all = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(all, recipients.len(), "no mail was received twice");
    let rows = db.db.read(mails::all_mails).unwrap();
    let mut unseen_unknown = 0;
    let unknown = rows.iter().filter(|m| m.status == "unknown").count();
    for m in &rows {
        let received = recipients.contains(&m.recipient);
        match m.status.as_str() {
            "sent" => assert!(received, "{} is sent but never arrived", m.recipient),
            "unknown" => unseen_unknown += usize::from(!received),
            other => panic!("{} left {other}", m.recipient),
        }
    }
    eprintln!(
        "kills: {kills}; received: {all} of {MAILS}; marked unknown: {unknown}, of them not received: {unseen_unknown}; duplicates: 0"
    );
}

fn nix_term(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// aiosmtpd writing to a Maildir; `received` lists the recipient of each message.
struct Smtp {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Smtp {
    fn start() -> Smtp {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let python = std::env::var("HELPDESK_TEST_PYTHON").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv-tools/bin/python").to_owned()
        });
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd (./scripts/install-tools.sh)");
        wait_for("aiosmtpd listens", Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Smtp { child, port, dir }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn received(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail/new")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|raw| {
                raw.lines()
                    .find_map(|l| l.strip_prefix("To: ").map(|t| t.trim().to_owned()))
            })
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bodies a receiver got, each with when it arrived.
type Received = Arc<Mutex<Vec<(Instant, String)>>>;

/// A webhook receiver: answers 204 to every request and notes when each body arrived.
fn webhook_receiver() -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Received = Arc::default();
    let seen = got.clone();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut raw = Vec::new();
            let mut buf = [0u8; 8192];
            // Headers, then as many bytes as Content-Length says.
            let body = loop {
                let Ok(n) = conn.read(&mut buf) else {
                    break None;
                };
                if n == 0 {
                    break None;
                }
                raw.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&raw).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break Some(body.to_owned());
                    }
                }
            };
            if let Some(body) = body {
                seen.lock().unwrap().push((Instant::now(), body));
            }
            let _ = conn.write_all(
                b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (port, got)
}

/// An SMTP server that accepts every connection and never says a word (the case of issue 23:
/// it once stalled the whole worker). While `helpdesk worker` waits on it with mail to send,
/// webhooks of new cases still reach their receiver within seconds, nothing is marked sent,
/// and SIGTERM ends the worker promptly with exit code 0, the waiting mails released unsent.
#[test]
fn a_hung_smtp_server_delays_no_webhook_postgres() {
    let db = TestDb::new(TestBackend::Postgres);
    let svc = services(&db);
    svc.create_user(
        None,
        &NewUser {
            email: "admin@hung.test".into(),
            name: "Admin".into(),
            role: Role::Admin,
            password: Some(PASSWORD.into()),
            support_line: None,
            language: None,
            contact_id: None,
        },
    )
    .unwrap();
    // Accepts, and never answers.
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_port = hung.local_addr().unwrap().port();
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let holder = held.clone();
    std::thread::spawn(move || {
        for conn in hung.incoming().flatten() {
            holder.lock().unwrap().push(conn);
        }
    });
    let (receiver, hooks) = webhook_receiver();

    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let smtp = format!("smtp://127.0.0.1:{hung_port}");
    let common = [
        ("HELPDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("HELPDESK_MAIL_FROM", "Helpdesk <support@helpdesk.test>"),
        ("HELPDESK_SMTP_URL", smtp.as_str()),
    ];
    let mut serve_env = common.to_vec();
    serve_env.push(("HELPDESK_BIND", &bind));
    let _serve = helpdesk(&["serve"], &db.url, data.path(), &serve_env);
    let mut worker = helpdesk(&["worker"], &db.url, data.path(), &common);
    wait_for("serve is ready", Duration::from_secs(30), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
            && http(port, "GET", "/readyz", None, "").0 == 200
    });
    let login = format!(r#"{{"email":"admin@hung.test","password":"{PASSWORD}"}}"#);
    let (_, _, body) = http(port, "POST", "/api/v1/auth/login", None, &login);
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let hook =
        format!(r#"{{"url":"http://127.0.0.1:{receiver}/hooks","event_types":["case.created"]}}"#);
    let (status, _, body) = http(port, "POST", "/api/v1/webhooks", Some(&token), &hook);
    assert_eq!(status, 201, "{body}");

    // Mail to send, once everything runs (the greeting's time limit is 15 s).
    let now = chrono::Utc::now().naive_utc();
    db.db
        .write(|c| {
            let rows: Vec<mails::NewMail> = (0..3)
                .map(|n| mails::NewMail {
                    event_id: n,
                    recipient: format!("customer{n}@hung.test"),
                    kind: "reply".into(),
                    case_id: None,
                    subject: format!("Mail {n}"),
                    body: "Hello".into(),
                    message_id: format!("<hung-{n}@helpdesk.test>"),
                    status: "pending".into(),
                    next_attempt_at: now,
                    created_at: now,
                    from_address: None,
                    in_reply_to: None,
                    references_header: None,
                    auto_submitted: "auto-generated".into(),
                    mailbox_id: None,
                    attachment_ids: "[]".into(),
                })
                .collect();
            mails::insert_mails(c, &rows)
        })
        .unwrap();
    // The mailer is stuck in the silent server's greeting.
    wait_for(
        "the mailer reached the silent server",
        Duration::from_secs(30),
        || !held.lock().unwrap().is_empty(),
    );
    let mut delays = Vec::new();
    for n in 0..3 {
        let subject = format!("Created while SMTP hangs {n}");
        let created = Instant::now();
        let (status, _, body) = http(
            port,
            "POST",
            "/api/v1/cases",
            Some(&token),
            &format!(r#"{{"subject":"{subject}"}}"#),
        );
        assert_eq!(status, 201, "{body}");
        let delay = wait_for("the webhook arrives", Duration::from_secs(10), || {
            hooks
                .lock()
                .unwrap()
                .iter()
                .any(|(_, b)| b.contains(&subject))
        });
        let at = hooks
            .lock()
            .unwrap()
            .iter()
            .find(|(_, b)| b.contains(&subject))
            .map(|(at, _)| *at)
            .unwrap();
        assert!(at >= created);
        delays.push(delay);
    }
    let statuses: Vec<String> = db
        .db
        .read(mails::all_mails)
        .unwrap()
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert!(
        statuses.iter().all(|s| s != "sent"),
        "nothing was sent: {statuses:?}"
    );
    assert!(
        statuses.iter().any(|s| s == "claimed" || s == "sending"),
        "the mailer still holds mail: {statuses:?}"
    );
    eprintln!("webhook delays while SMTP hangs: {delays:?}");

    let stopped = Instant::now();
    nix_term(&worker.0);
    let code = worker.0.wait().unwrap();
    assert!(code.success(), "SIGTERM ends the worker cleanly: {code:?}");
    assert!(
        stopped.elapsed() < Duration::from_secs(12),
        "within the drain deadline: {:?}",
        stopped.elapsed()
    );
    let statuses: Vec<String> = db
        .db
        .read(mails::all_mails)
        .unwrap()
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(
        statuses,
        ["pending", "pending", "pending"],
        "the mails never handed over are released for the next worker"
    );
}
