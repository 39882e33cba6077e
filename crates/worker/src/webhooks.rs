//! Sends webhook deliveries: takes those that may go now (the oldest pending one per case and
//! subscription, so each case's events arrive in order), POSTs them signed, records each answer.
//! Retries, the failure streak and the SSRF rules are the service's.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use helpdesk_service::webhooks::{check_target, Attempted, Outgoing};
use helpdesk_service::{AppError, Services};

use crate::Outcome;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Deliveries sent at once (to different cases or subscriptions).
const CONCURRENCY: usize = 16;

pub struct WebhookSender {
    services: Services,
    client: reqwest::Client,
    batch: i64,
}

/// What one attempt came to: the answer's status, or why there was none; and how long it took.
struct Sent {
    delivery_id: i64,
    status: Option<u16>,
    error: Option<String>,
    latency_ms: u64,
    probe: bool,
    lease_until: chrono::NaiveDateTime,
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        // A redirect could lead anywhere, including inside the network: it counts as a failure.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("helpdesk-webhooks/", env!("CARGO_PKG_VERSION")))
}

impl WebhookSender {
    pub fn new(services: Services) -> Self {
        WebhookSender {
            services,
            client: builder().build().unwrap_or_default(),
            batch: 100,
        }
    }

    /// Sends what is due, at most one per case and subscription; records every answer.
    pub async fn run_next(&self) -> Result<Outcome, AppError> {
        let svc = self.services.clone();
        let batch = self.batch;
        let due = tokio::task::spawn_blocking(move || svc.claim_webhook_deliveries(batch))
            .await
            .map_err(|e| AppError::failed("webhook claim task", e))??;
        if due.is_empty() {
            return Ok(Outcome::Idle);
        }
        let results: Vec<Sent> = stream::iter(due)
            .map(|d| self.send(d))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let n = results.len();
        let svc = self.services.clone();
        let batch: Vec<Attempted> = results
            .into_iter()
            .map(|r| Attempted {
                delivery_id: r.delivery_id,
                status_code: r.status,
                error: r.error,
                latency_ms: r.latency_ms,
                probe: r.probe,
                lease_until: r.lease_until,
            })
            .collect();
        // One transaction for the whole batch.
        tokio::task::spawn_blocking(move || svc.record_webhook_attempts(&batch))
            .await
            .map_err(|e| AppError::failed("webhook record task", e))??;
        Ok(Outcome::Processed(n))
    }

    async fn send(&self, d: Outgoing) -> Sent {
        let started = Instant::now();
        let failed = |error: String, started: Instant| Sent {
            delivery_id: d.delivery_id,
            status: None,
            error: Some(error),
            latency_ms: started.elapsed().as_millis() as u64,
            probe: d.probe,
            lease_until: d.lease_until,
        };
        let client = match self.client_for(&d.url).await {
            Ok(c) => c,
            Err(why) => return failed(format!("refused: the URL {why}"), started),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let mut req = client
            .post(&d.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(d.body.clone());
        for (name, value) in d.headers(timestamp) {
            req = req.header(name, value);
        }
        match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                // The answer's body is not needed; reading a little lets the connection be reused.
                let _ = tokio::time::timeout(Duration::from_secs(2), resp.bytes()).await;
                Sent {
                    delivery_id: d.delivery_id,
                    status: Some(status.as_u16()),
                    error: (!status.is_success()).then(|| format!("HTTP {status}")),
                    latency_ms: started.elapsed().as_millis() as u64,
                    probe: d.probe,
                    lease_until: d.lease_until,
                }
            }
            Err(e) => {
                let why = if e.is_timeout() {
                    format!("no answer within {} s", TIMEOUT.as_secs())
                } else if e.is_connect() {
                    "could not connect".to_owned()
                } else {
                    "the request failed".to_owned()
                };
                failed(why, started)
            }
        }
    }

    /// The client to send with. Unless internal targets are allowed, the name is resolved and
    /// checked now, and the request goes to exactly the addresses checked (no second lookup that
    /// could answer differently).
    async fn client_for(&self, url: &str) -> Result<reqwest::Client, String> {
        let allow = self.services.webhooks.allow_private_targets;
        let target = url.to_owned();
        let addrs = tokio::task::spawn_blocking(move || check_target(&target, allow))
            .await
            .map_err(|e| format!("could not be checked: {e}"))??;
        if allow {
            return Ok(self.client.clone());
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not a URL: {e}"))?;
        match parsed.host() {
            Some(url::Host::Domain(domain)) => builder()
                .resolve_to_addrs(domain, &addrs)
                .build()
                .map_err(|e| format!("could not be prepared: {e}")),
            _ => Ok(self.client.clone()),
        }
    }
}
