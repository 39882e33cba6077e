//! IMAP ingestion against a real Dovecot: the poller in this process on both backends, and the
//! `helpdesk worker` process killed in the middle of a batch and started again.

// A test's helpers may unwrap: a panic there is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helpdesk_api_types::mailboxes::MailboxInput;
use helpdesk_api_types::Role;
use helpdesk_service::secrets::SecretBox;
use helpdesk_service::{Actor, Services};
use helpdesk_test_support::{TestApp, TestBackend, TestDb};
use helpdesk_worker::imap::ImapPoller;
use helpdesk_worker::Outcome;

const KEY: &str = "a passphrase for the mailbox passwords";

/// Dovecot on a free loopback port, one user `support` / `secret`, mail in a temp Maildir.
struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    /// Implicit TLS (with [`Dovecot::start_tls`]).
    imaps_port: u16,
}

impl Dovecot {
    fn start() -> Dovecot {
        Self::launch(false)
    }

    /// With TLS: a certificate for `localhost` from a CA of the test (`ca.pem` in its dir),
    /// STARTTLS on the IMAP port and implicit TLS on a second one.
    fn start_tls() -> Dovecot {
        Self::launch(true)
    }

    fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("ca.pem")).unwrap()
    }

    fn launch(tls: bool) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let free = || {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (port, imaps_port) = (free(), if tls { free() } else { 0 });
        let ssl = if tls {
            make_certificates(d);
            format!(
                "ssl = yes\nssl_cert = <{0}/server.pem\nssl_key = <{0}/server.key\n",
                d.display()
            )
        } else {
            "ssl = no\n".to_owned()
        };
        for sub in [
            "run",
            "state",
            "mail/support/Maildir/new",
            "mail/support/Maildir/cur",
            "mail/support/Maildir/tmp",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("passwd"), "support:{PLAIN}secret\n").unwrap();
        let conf = format!(
            "protocols = imap\nlisten = 127.0.0.1\n{ssl}disable_plaintext_auth = no\n\
             base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n\
             mail_location = maildir:{d}/mail/%u/Maildir\n\
             passdb {{\n  driver = passwd-file\n  args = {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={d}/mail/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = {imaps_port}\n  }}\n}}\n",
            d = d.display()
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        chown_nobody(&d.join("mail"));
        let child = Command::new(dovecot_binary())
            .args(["-F", "-c"])
            .arg(d.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot (./scripts/install-tools.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not start: {}",
                std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Dovecot {
            child,
            dir,
            port,
            imaps_port,
        }
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail/support/Maildir")
    }

    /// Delivers a message into the inbox, as the MTA would.
    fn deliver(&self, name: &str, raw: &str) {
        let tmp = self.maildir().join("tmp").join(name);
        std::fs::write(&tmp, raw.replace('\n', "\r\n")).unwrap();
        chown_nobody(&tmp);
        std::fs::rename(&tmp, self.maildir().join("new").join(name)).unwrap();
    }

    /// Messages Dovecot has flagged \Seen.
    fn seen(&self) -> usize {
        std::fs::read_dir(self.maildir().join("cur"))
            .unwrap()
            .filter(|e| {
                let name = e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .into_owned();
                name.rsplit_once(":2,")
                    .is_some_and(|(_, flags)| flags.contains('S'))
            })
            .count()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dovecot_binary() -> PathBuf {
    ["/usr/sbin/dovecot", "/usr/bin/dovecot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("Dovecot is not installed: run ./scripts/install-tools.sh")
}

/// A CA and a `localhost` server certificate it signed, made with openssl.
fn make_certificates(d: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Helpdesk test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

fn chown_nobody(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", "nobody:nogroup"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn message(n: usize, subject: &str) -> String {
    format!(
        "From: Customer {n} <customer{n}@example.org>\nTo: support@helpdesk.test\nSubject: {subject}\nMessage-ID: <m{n}@example.org>\nDate: Sun, 22 Nov 2026 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nMessage number {n}.\n"
    )
}

fn admin() -> Actor {
    Actor {
        user_id: 0,
        role: Role::Admin,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    }
}

fn imap_mailbox(svc: &Services, port: u16) -> i64 {
    imap_mailbox_with(svc, "127.0.0.1", port, "none")
}

fn imap_mailbox_with(svc: &Services, host: &str, port: u16, tls: &str) -> i64 {
    let input = MailboxInput {
        name: "Support".into(),
        address: format!("support.{tls}.{port}@helpdesk.test"),
        imap_host: Some(host.into()),
        imap_port: Some(i32::from(port)),
        imap_tls: Some(tls.into()),
        imap_user: Some("support".into()),
        imap_password: Some("secret".into()),
        auto_reply: Some(false),
        ..Default::default()
    };
    svc.create_mailbox(&admin(), &input).unwrap().mailbox.id
}

/// Files in a Maildir folder (`new` and `cur`); `folder` "" is the inbox.
fn messages_in(dovecot: &Dovecot, folder: &str) -> usize {
    let dir = match folder {
        "" => dovecot.maildir(),
        f => dovecot.maildir().join(format!(".{f}")),
    };
    ["new", "cur"]
        .iter()
        .map(|sub| std::fs::read_dir(dir.join(sub)).map_or(0, std::iter::Iterator::count))
        .sum()
}

fn count_cases(svc: &Services) -> i64 {
    use diesel::prelude::*;
    svc.db
        .read(|c| {
            helpdesk_store::schema::cases::table
                .count()
                .get_result::<i64>(c)
                .map_err(helpdesk_store::StoreError::from)
        })
        .unwrap()
}

async fn poller_takes_new_mail_once(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.secrets = SecretBox::from_passphrase(KEY);
    })
    .await;
    let dovecot = Dovecot::start();
    let svc = app.services.clone();
    let port = dovecot.port;
    let mailbox = tokio::task::spawn_blocking(move || imap_mailbox(&svc, port))
        .await
        .unwrap();
    let admin = app.user(Role::Admin, None, None).await;
    let (_, shown) = app
        .get(&format!("/api/v1/mailboxes/{mailbox}"), &admin.token)
        .await;
    assert_eq!(shown["imap_password_set"], true);
    assert!(
        !shown.to_string().contains("secret"),
        "the password never leaves the server: {shown}"
    );

    for n in 1..=3 {
        dovecot.deliver(&format!("{n}.msg"), &message(n, &format!("Question {n}")));
    }
    let poller = ImapPoller::new(app.services.clone());
    assert_eq!(poller.run_next().await.unwrap(), Outcome::Processed(3));
    let svc = app.services.clone();
    let cases = move || count_cases(&svc);
    assert_eq!(cases(), 3);
    assert_eq!(dovecot.seen(), 3, "marked \\Seen after the cases committed");
    // Nothing new: nothing fetched. The same message delivered again: nothing created.
    assert_eq!(poller.run_next().await.unwrap(), Outcome::Idle);
    dovecot.deliver("again.msg", &message(2, "Question 2"));
    dovecot.deliver("4.msg", &message(4, "Question 4"));
    assert_eq!(poller.run_next().await.unwrap(), Outcome::Processed(2));
    assert_eq!(cases(), 4);
    // Someone read the mail in their client first (\Seen set): it is still taken, by UID.
    let tmp = dovecot.maildir().join("tmp/5.msg");
    std::fs::write(&tmp, message(5, "Already read").replace('\n', "\r\n")).unwrap();
    chown_nobody(&tmp);
    std::fs::rename(&tmp, dovecot.maildir().join("cur/5.msg:2,S")).unwrap();
    assert_eq!(poller.run_next().await.unwrap(), Outcome::Processed(1));
    assert_eq!(cases(), 5);
    let (_, list) = app.get("/api/v1/cases?limit=50", &admin.token).await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["channel"] == "email"));
}

/// With a folder for processed mail, a message leaves the inbox for it once its case exists;
/// the folder is created when missing.
async fn processed_mail_is_moved(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.secrets = SecretBox::from_passphrase(KEY);
    })
    .await;
    let dovecot = Dovecot::start();
    let svc = app.services.clone();
    let port = dovecot.port;
    tokio::task::spawn_blocking(move || {
        let input = MailboxInput {
            name: "Support".into(),
            address: "moved@helpdesk.test".into(),
            imap_host: Some("127.0.0.1".into()),
            imap_port: Some(i32::from(port)),
            imap_tls: Some("none".into()),
            imap_user: Some("support".into()),
            imap_password: Some("secret".into()),
            processed_folder: Some("Processed".into()),
            auto_reply: Some(false),
            ..Default::default()
        };
        svc.create_mailbox(&admin(), &input).unwrap()
    })
    .await
    .unwrap();
    for n in 1..=2 {
        dovecot.deliver(&format!("{n}.msg"), &message(n, &format!("Question {n}")));
    }
    assert_eq!(messages_in(&dovecot, "Processed"), 0);
    let poller = ImapPoller::new(app.services.clone());
    assert_eq!(poller.run_next().await.unwrap(), Outcome::Processed(2));
    let svc = app.services.clone();
    assert_eq!(
        tokio::task::spawn_blocking(move || count_cases(&svc))
            .await
            .unwrap(),
        2
    );
    assert_eq!(messages_in(&dovecot, ""), 0, "the inbox is empty");
    assert_eq!(messages_in(&dovecot, "Processed"), 2);
    // The next message goes the same way into the folder that now exists.
    dovecot.deliver("3.msg", &message(3, "Question 3"));
    assert_eq!(poller.run_next().await.unwrap(), Outcome::Processed(1));
    assert_eq!(messages_in(&dovecot, ""), 0);
    assert_eq!(messages_in(&dovecot, "Processed"), 3);
}

#[tokio::test]
async fn processed_folder_sqlite() {
    processed_mail_is_moved(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn processed_folder_postgres() {
    processed_mail_is_moved(TestBackend::Postgres).await;
}

#[tokio::test]
async fn poller_sqlite() {
    poller_takes_new_mail_once(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn poller_postgres() {
    poller_takes_new_mail_once(TestBackend::Postgres).await;
}

/// The worker process is killed with SIGKILL in the middle of a batch and started again:
/// every message becomes exactly one case.
fn killed_worker_loses_nothing(backend: TestBackend) {
    const MESSAGES: usize = 60;
    let db = TestDb::new(backend);
    let files = tempfile::tempdir().unwrap();
    let dovecot = Dovecot::start();
    let mut svc = Services::new(
        db.db.clone(),
        std::sync::Arc::new(helpdesk_service::SystemClock),
        helpdesk_service::AuthSettings::with_secret(b"k".to_vec()),
    );
    svc.secrets = SecretBox::from_passphrase(KEY);
    imap_mailbox(&svc, dovecot.port);
    for n in 1..=MESSAGES {
        dovecot.deliver(&format!("{n}.msg"), &message(n, &format!("Batch {n}")));
    }
    let worker = || {
        Command::new(env!("CARGO_BIN_EXE_helpdesk"))
            .arg("worker")
            .env("DATABASE_URL", &db.url)
            .env("HELPDESK_DATA_DIR", files.path())
            .env("HELPDESK_ENCRYPTION_KEY", KEY)
            .env("HELPDESK_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = worker();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_cases(&svc) == 0 {
        assert!(Instant::now() < deadline, "the worker created no case");
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = count_cases(&svc);
    assert!(
        at_kill < MESSAGES as i64,
        "killed mid-batch ({at_kill} of {MESSAGES} done)"
    );

    let mut second = worker();
    let deadline = Instant::now() + Duration::from_secs(90);
    while count_cases(&svc) < MESSAGES as i64 || dovecot.seen() < MESSAGES {
        assert!(
            Instant::now() < deadline,
            "after the restart only {} cases",
            count_cases(&svc)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Give a wrongly repeated message the chance to show up before looking.
    std::thread::sleep(Duration::from_millis(500));
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(
        count_cases(&svc),
        MESSAGES as i64,
        "every message exactly one case"
    );
}

#[test]
fn killed_worker_sqlite() {
    killed_worker_loses_nothing(TestBackend::Sqlite);
}

#[test]
fn killed_worker_postgres() {
    killed_worker_loses_nothing(TestBackend::Postgres);
}

/// Two workers polling the same mailbox at the same time: each message becomes one case.
async fn concurrent_pollers(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.secrets = SecretBox::from_passphrase(KEY);
    })
    .await;
    let dovecot = Dovecot::start();
    let svc = app.services.clone();
    let port = dovecot.port;
    tokio::task::spawn_blocking(move || imap_mailbox(&svc, port))
        .await
        .unwrap();
    for n in 1..=20 {
        dovecot.deliver(&format!("{n}.msg"), &message(n, &format!("Race {n}")));
    }
    // Each poller has its own connection pool, as separate worker processes would.
    let other = app.in_other_process(|svc| svc).await;
    let (a, b) = (
        ImapPoller::new(app.services.clone()),
        ImapPoller::new(other),
    );
    let (ra, rb) = tokio::join!(a.run_next(), b.run_next());
    ra.unwrap();
    rb.unwrap();
    let svc = app.services.clone();
    let cases = tokio::task::spawn_blocking(move || count_cases(&svc))
        .await
        .unwrap();
    assert_eq!(cases, 20, "no message twice, none lost");
    assert_eq!(dovecot.seen(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pollers_sqlite() {
    concurrent_pollers(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pollers_postgres() {
    concurrent_pollers(TestBackend::Postgres).await;
}

/// A watcher waits in IDLE: new mail becomes a case within seconds, long before the next poll.
async fn idle_brings_mail_at_once(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.secrets = SecretBox::from_passphrase(KEY);
    })
    .await;
    let dovecot = Dovecot::start();
    let svc = app.services.clone();
    let port = dovecot.port;
    let mailbox = tokio::task::spawn_blocking(move || imap_mailbox(&svc, port))
        .await
        .unwrap();
    let poller = std::sync::Arc::new(ImapPoller::new(app.services.clone()));
    let watcher = tokio::spawn({
        let poller = poller.clone();
        async move { poller.keep_watching(mailbox).await }
    });
    // Time to connect, find nothing and enter IDLE.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    dovecot.deliver("1.msg", &message(1, "Arrives during IDLE"));
    let started = Instant::now();
    let svc = app.services.clone();
    loop {
        let svc = svc.clone();
        if tokio::task::spawn_blocking(move || count_cases(&svc))
            .await
            .unwrap()
            == 1
        {
            break;
        }
        assert!(
            started.elapsed() < helpdesk_worker::IMAP_INTERVAL / 2,
            "no case yet: IDLE did not bring the new mail"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Flagged \Seen right after the case committed.
    while dovecot.seen() < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the message was not flagged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watcher.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sqlite() {
    idle_brings_mail_at_once(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_postgres() {
    idle_brings_mail_at_once(TestBackend::Postgres).await;
}

/// STARTTLS and implicit TLS, with the server's certificate checked against an extra CA.
async fn tls_sessions(backend: TestBackend) {
    let app = TestApp::spawn_customized(backend, Default::default(), |svc| {
        svc.secrets = SecretBox::from_passphrase(KEY);
    })
    .await;
    let dovecot = Dovecot::start_tls();
    let svc = app.services.clone();
    let (port, imaps) = (dovecot.port, dovecot.imaps_port);
    let (starttls, implicit) = tokio::task::spawn_blocking(move || {
        (
            imap_mailbox_with(&svc, "localhost", port, "starttls"),
            imap_mailbox_with(&svc, "localhost", imaps, "tls"),
        )
    })
    .await
    .unwrap();
    dovecot.deliver("1.msg", &message(1, "Over TLS"));
    let mailbox = |id: i64| {
        let svc = app.services.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                svc.db.read(|c| helpdesk_store::email::mailbox(c, id))
            })
            .await
            .unwrap()
            .unwrap()
        }
    };
    // Without the test CA the certificate is refused.
    let untrusting = ImapPoller::new(app.services.clone());
    let refused = untrusting.poll(&mailbox(starttls).await).await.unwrap_err();
    assert!(refused.contains("TLS"), "{refused}");
    let poller = ImapPoller::with_roots(app.services.clone(), &dovecot.ca_pem()).unwrap();
    let over_starttls = poller.poll(&mailbox(starttls).await).await.unwrap();
    assert_eq!(over_starttls.created, 1);
    // The same message through the second mailbox (implicit TLS): fetched, and a duplicate.
    let over_tls = poller.poll(&mailbox(implicit).await).await.unwrap();
    assert_eq!((over_tls.fetched, over_tls.duplicates), (1, 1));
}

#[tokio::test]
async fn tls_sqlite() {
    tls_sessions(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn tls_postgres() {
    tls_sessions(TestBackend::Postgres).await;
}
