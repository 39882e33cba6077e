//! Shared by the worker's integration tests: a real SMTP server and the job loop.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use helpdesk_test_support::TestApp;
use helpdesk_worker::mailer::Mailer;
use helpdesk_worker::{OutboxConsumer, Outcome};
use mail_parser::MessageParser;

/// aiosmtpd on a free port, writing what it receives into a Maildir.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("HELPDESK_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-tools/bin/python");
    assert!(
        venv.exists(),
        "the SMTP test server needs aiosmtpd: run ./scripts/install-tools.sh (or set HELPDESK_TEST_PYTHON)"
    );
    venv
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port)
    }

    pub fn start_on(port: u16) -> SmtpServer {
        let maildir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpServer {
                    child,
                    port,
                    maildir,
                };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received: (recipients, subject, text body, Auto-Submitted).
    pub fn received(&self) -> Vec<Received> {
        let dir = self.maildir.path().join("mail/new");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            let raw = std::fs::read(e.unwrap().path()).unwrap();
            let msg = MessageParser::default().parse(&raw).unwrap();
            let to = msg
                .to()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Received {
                to,
                subject: msg.subject().unwrap_or_default().to_owned(),
                body: msg
                    .body_text(0)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default(),
                auto_submitted: msg
                    .header_raw("Auto-Submitted")
                    .map(|v| v.trim().to_owned()),
                in_reply_to: msg.header_raw("In-Reply-To").map(|v| v.trim().to_owned()),
                message_id: msg.message_id().map(str::to_owned),
                from: msg
                    .from()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .map(str::to_owned),
                attachments: {
                    use mail_parser::MimeHeaders;
                    msg.attachments()
                        .filter_map(|a| a.attachment_name().map(str::to_owned))
                        .collect()
                },
            });
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    pub auto_submitted: Option<String>,
    pub in_reply_to: Option<String>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub attachments: Vec<String>,
}

pub fn mails_to<'a>(all: &'a [Received], address: &str) -> Vec<&'a Received> {
    all.iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

/// Runs the outbox consumer and the mailer until both are idle.
pub async fn drain(app: &TestApp, mailer: &Mailer) {
    loop {
        let consumer = OutboxConsumer::new(app.services.clone());
        let c = tokio::task::spawn_blocking(move || consumer.run_next())
            .await
            .unwrap()
            .unwrap();
        let m = mailer.run_next().await.unwrap();
        if c == Outcome::Idle && m == Outcome::Idle {
            break;
        }
    }
}
