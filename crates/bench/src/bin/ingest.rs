//! `helpdesk-ingest-bench`: email ingestion end to end — parse, thread, store the raw message and
//! its attachments, create or update the case, queue the auto-reply — over a generated corpus of
//! varied messages (Cyrillic and Latin-1 encoded subjects, HTML, attachments, replies threaded by
//! In-Reply-To, out-of-office and list mail), in this process, on the given database. Reports
//! messages per second and CPU milliseconds per message.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use base64::Engine;
use clap::Parser;
use helpdesk_api_types::mailboxes::MailboxInput;
use helpdesk_api_types::Role;
use helpdesk_bench::cpu_ms;
use helpdesk_service::email::Source;
use helpdesk_service::{Actor, AuthSettings, Services, SystemClock};
use helpdesk_store::Db;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 2000)]
    messages: usize,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[arg(long)]
    label: String,
}

fn b64_words(text: &str) -> String {
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// A deterministic corpus: message `i` and its Message-ID.
fn corpus(n: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(42);
    let subjects_ru = [
        "Не работает VPN",
        "Ошибка при печати счёта",
        "Не приходят письма",
        "Сбой синхронизации склада",
        "Вопрос по договору",
    ];
    let subjects_latin1 = [
        "=?ISO-8859-1?Q?Factura_de_caf=E9?=",
        "=?ISO-8859-1?Q?Probl=E8me_de_connexion?=",
        "=?ISO-8859-1?Q?Atualiza=E7=E3o_falhou?=",
    ];
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let sender = rng.gen_range(0..400);
        let from = format!(
            "Customer {sender} <customer{sender}@client{}.example>",
            sender % 40
        );
        let id = format!("m{i}.{sender}@client.example");
        let kind = rng.gen_range(0..100);
        let subject = match rng.gen_range(0..3) {
            0 => b64_words(subjects_ru[rng.gen_range(0..subjects_ru.len())]),
            1 => subjects_latin1[rng.gen_range(0..subjects_latin1.len())].to_owned(),
            _ => format!("Order {} does not ship", rng.gen_range(1000..9999)),
        };
        let mut headers = format!("From: {from}\r\nTo: support@bench.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n");
        if (60..80).contains(&kind) && i > 60 {
            // A reply to an earlier message.
            let parent = rng.gen_range(0..i - 50);
            let parent_id = out_id(&out, parent);
            headers.push_str(&format!(
                "In-Reply-To: <{parent_id}>\r\nReferences: <{parent_id}>\r\n"
            ));
        }
        if (95..98).contains(&kind) {
            headers.push_str("Auto-Submitted: auto-replied\r\n");
        }
        if kind >= 98 {
            headers.push_str("Precedence: list\r\nList-Id: <news.example>\r\n");
        }
        let text = "Здравствуйте! После обновления перестало работать. Подробности ниже.\r\n"
            .repeat(rng.gen_range(1..20));
        let body = if (40..60).contains(&kind) {
            format!("Content-Type: multipart/alternative; boundary=\"A\"\r\n\r\n--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{text}</p><script>x()</script></body></html>\r\n--A--\r\n")
        } else if (80..95).contains(&kind) {
            let size = rng.gen_range(10_000..100_000);
            let bytes: Vec<u8> = (0..size).map(|_| rng.gen()).collect();
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let wrapped: Vec<&str> = encoded
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect();
            format!("Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--M\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''%D0%BB%D0%BE%D0%B3-{i}.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--M--\r\n", wrapped.join("\r\n"))
        } else {
            format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{text}")
        };
        out.push(format!("{headers}{body}"));
    }
    out
}

fn out_id(corpus: &[String], i: usize) -> String {
    corpus[i]
        .split("Message-ID: <")
        .nth(1)
        .and_then(|s| s.split('>').next())
        .unwrap_or("")
        .to_owned()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, (args.threads as u32) + 2).context("database")?;
    db.migrate().context("migrations")?;
    let files = tempfile::tempdir()?;
    let mut svc = Services::new(
        db,
        Arc::new(SystemClock),
        AuthSettings::with_secret(b"bench".to_vec()),
    );
    svc.files = helpdesk_store::files::FileStore::new(
        files.path(),
        helpdesk_service::DEFAULT_MAX_ATTACHMENT_BYTES,
    );
    svc.notify.mail_from = Some("Support <support@bench.test>".into());
    let admin = Actor {
        user_id: 0,
        role: Role::Admin,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    };
    let mailbox = svc
        .create_mailbox(
            &admin,
            &MailboxInput {
                name: "Bench".into(),
                address: "support@bench.test".into(),
                ..Default::default()
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .mailbox
        .id;
    let corpus = Arc::new(corpus(args.messages));
    let bytes: usize = corpus.iter().map(String::len).sum();
    let next = Arc::new(AtomicUsize::new(0));
    let counts = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<
        String,
        usize,
    >::new()));
    let (cpu0, t0) = (cpu_ms(), Instant::now());
    let workers: Vec<_> = (0..args.threads)
        .map(|_| {
            let (svc, corpus, next, counts) =
                (svc.clone(), corpus.clone(), next.clone(), counts.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(raw) = corpus.get(i) else { break };
                let status = match svc.receive_email(mailbox, raw.as_bytes(), Source::Inbound) {
                    Ok(r) => r.status,
                    Err(e) => format!("error: {e}"),
                };
                *counts
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .entry(status)
                    .or_default() += 1;
            })
        })
        .collect();
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
    }
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_ms() - cpu0);
    let n = args.messages as f64;
    println!(
        "| {} | {} messages ({:.1} MB), {} threads | **{:.0} messages/s** | {:.2} ms CPU/message | {:?} |",
        args.label,
        args.messages,
        bytes as f64 / 1e6,
        args.threads,
        n / wall,
        cpu / n,
        counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    );
    Ok(())
}
