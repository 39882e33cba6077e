//! `helpdesk-webhook-bench`: webhook deliveries per second to a local receiver. Registers N
//! cases (one `case.created` event each), takes the events from the outbox (writing one
//! delivery each), then sends them; then the same with many events per case, where each case's
//! deliveries go one after another.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use helpdesk_api_types::cases::{NewCase, NewStreamEntry};
use helpdesk_api_types::users::NewUser;
use helpdesk_api_types::webhooks::WebhookInput;
use helpdesk_api_types::Role;
use helpdesk_bench::cpu_ms;
use helpdesk_service::{Actor, AuthSettings, Services, SystemClock};
use helpdesk_store::Db;
use helpdesk_worker::webhooks::WebhookSender;
use helpdesk_worker::{OutboxConsumer, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Cases with one event each.
    #[arg(long, default_value_t = 3000)]
    cases: usize,
    #[arg(long)]
    label: String,
}

/// A minimal HTTP/1.1 receiver: answers every request 204, keeps connections open, counts.
async fn receiver(count: Arc<AtomicUsize>) -> anyhow::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(16 * 1024);
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    // Headers, then Content-Length bytes of body.
                    let (head_end, length) = loop {
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (end + 4, length);
                        }
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    while buf.len() < head_end + length {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..head_end + length);
                    count.fetch_add(1, Ordering::Relaxed);
                    if sock
                        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok(port)
}

fn anyhow_err(e: helpdesk_service::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Takes every event from the outbox; returns how long it took.
fn enqueue(svc: &Services) -> anyhow::Result<f64> {
    let started = Instant::now();
    let outbox = OutboxConsumer::new(svc.clone());
    while outbox.run_next().map_err(anyhow_err)? != Outcome::Idle {}
    Ok(started.elapsed().as_secs_f64())
}

/// Sends until nothing is due; returns seconds and process CPU milliseconds.
async fn send(svc: &Services) -> anyhow::Result<(f64, f64)> {
    let sender = WebhookSender::new(svc.clone());
    let (started, cpu) = (Instant::now(), cpu_ms());
    while sender.run_next().await.map_err(anyhow_err)? != Outcome::Idle {}
    Ok((started.elapsed().as_secs_f64(), cpu_ms() - cpu))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, 8).context("database")?;
    db.migrate().context("migrations")?;
    let mut svc = Services::new(
        db,
        Arc::new(SystemClock),
        AuthSettings::with_secret(b"bench".to_vec()),
    );
    svc.webhooks.allow_private_targets = true;
    let count = Arc::new(AtomicUsize::new(0));
    let port = receiver(count.clone()).await?;

    let admin = Actor {
        user_id: 0,
        role: Role::Admin,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    };
    let user = svc
        .create_user(
            None,
            &NewUser {
                email: "bench.agent@bench.test".into(),
                name: "Bench".into(),
                role: Role::Agent,
                password: None,
                support_line: Some(2),
                language: None,
                contact_id: None,
            },
        )
        .map_err(anyhow_err)?;
    let agent = Actor {
        user_id: user.id,
        role: Role::Agent,
        contact_id: None,
        line: None,
        scopes: None,
        session_id: None,
        client: Default::default(),
    };
    svc.create_webhook(
        &admin,
        &WebhookInput {
            url: format!("http://127.0.0.1:{port}/hook"),
            description: None,
            event_types: Vec::new(),
            include_internal: Some(true),
            active: None,
        },
    )
    .map_err(anyhow_err)?;

    // 1. One event per case: every delivery may go at once.
    let new_case = |i: usize| -> anyhow::Result<NewCase> {
        Ok(serde_json::from_value(
            serde_json::json!({ "subject": format!("Webhook bench {i}") }),
        )?)
    };
    let mut ids = Vec::new();
    for i in 0..args.cases {
        ids.push(
            svc.create_case(&agent, &new_case(i)?)
                .map_err(anyhow_err)?
                .id,
        );
    }
    let s1 = svc.clone();
    let enq = tokio::task::spawn_blocking(move || enqueue(&s1)).await??;
    let (secs, cpu) = send(&svc).await?;
    let sent = count.swap(0, Ordering::Relaxed);
    println!(
        "| {} | {} cases, one event each | outbox → deliveries {:.0}/s | sent {:.0}/s | {:.2} ms CPU per delivery (sender and receiver) |",
        args.label,
        sent,
        args.cases as f64 / enq,
        sent as f64 / secs,
        cpu / sent.max(1) as f64
    );

    // 2. Many events per case (a busy conversation): each case's deliveries in order.
    let per_case = 30;
    let busy: Vec<i64> = ids.iter().take(args.cases / per_case).copied().collect();
    for round in 0..per_case {
        for id in &busy {
            let entry: NewStreamEntry = serde_json::from_value(
                serde_json::json!({ "kind": "internal", "body": format!("note {round}") }),
            )?;
            svc.add_stream_entry(&agent, *id, &entry)
                .map_err(anyhow_err)?;
        }
    }
    let s2 = svc.clone();
    tokio::task::spawn_blocking(move || enqueue(&s2)).await??;
    let (secs, cpu) = send(&svc).await?;
    let sent = count.swap(0, Ordering::Relaxed);
    println!(
        "| {} | {} cases × {per_case} events, in order per case | | sent {:.0}/s | {:.2} ms CPU per delivery |",
        args.label,
        busy.len(),
        sent as f64 / secs,
        cpu / sent.max(1) as f64
    );
    Ok(())
}
