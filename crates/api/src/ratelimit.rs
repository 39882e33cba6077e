//! Request rate limits: per personal API token (integrators), and per client address for the
//! public web form. Fixed one-minute windows. On PostgreSQL they are counted in the database
//! (one upsert per request), so N API replicas enforce one limit; should the count fail, the
//! request is counted in this process's memory instead of being refused. On SQLite, which one
//! process serves, they are counted in memory.
//!
//! Every answer to an API-token request carries `RateLimit-Limit`, `RateLimit-Remaining`,
//! `RateLimit-Reset` (seconds) and `RateLimit-Policy`; over the limit the answer is 429 with
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error};
use sha2::{Digest, Sha256};

use helpdesk_service::Services;

use crate::error::{problem, problem_response};
use helpdesk_api_types::ProblemType;

const WINDOW: Duration = Duration::from_secs(60);

/// Where a caller stands in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends.
    pub reset: u64,
}

/// Counts requests per key in fixed windows.
pub struct Limiter {
    per_minute: u32,
    windows: Mutex<HashMap<[u8; 32], (Instant, u32)>>,
    /// Where counts shared by every replica are kept (PostgreSQL).
    shared: Option<Services>,
}

impl Limiter {
    /// `per_minute` 0 turns the limit off. Counted in this process's memory.
    pub fn new(per_minute: u32) -> Self {
        Limiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Counted in the database of `services` when it is PostgreSQL (replicas share it).
    pub fn shared(per_minute: u32, services: &Services) -> Self {
        let mut l = Limiter::new(per_minute);
        if services.db.backend() == helpdesk_store::Backend::Postgres {
            l.shared = Some(services.clone());
        }
        l
    }

    /// Counts one request of `key`, where every replica sees it when it can.
    pub async fn check(&self, key: &str) -> Verdict {
        let Some(svc) = self.shared.clone() else {
            return self.hit(key);
        };
        let hashed = hex::encode(Sha256::digest(key.as_bytes()));
        match web::block(move || svc.count_request(&hashed)).await {
            Ok(Ok(counted)) => Verdict {
                allowed: counted.hits <= self.per_minute,
                limit: self.per_minute,
                remaining: self.per_minute.saturating_sub(counted.hits),
                reset: counted.reset,
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "shared rate count failed; counting in memory");
                self.hit(key)
            }
            Err(e) => {
                tracing::warn!(error = %e, "shared rate count failed; counting in memory");
                self.hit(key)
            }
        }
    }

    pub fn enabled(&self) -> bool {
        self.per_minute > 0
    }

    /// Counts one request of `key`.
    pub fn hit(&self, key: &str) -> Verdict {
        let id: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 50_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(id).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        let reset = WINDOW
            .saturating_sub(now.duration_since(entry.0))
            .as_secs()
            .max(1);
        if entry.1 >= self.per_minute {
            return Verdict {
                allowed: false,
                limit: self.per_minute,
                remaining: 0,
                reset,
            };
        }
        entry.1 += 1;
        Verdict {
            allowed: true,
            limit: self.per_minute,
            remaining: self.per_minute - entry.1,
            reset,
        }
    }
}

/// The limiter of API tokens.
pub struct TokenLimiter(pub Limiter);
/// The limiter of web form submissions per client address.
pub struct FormLimiter(pub Limiter);

fn set(headers: &mut actix_web::http::header::HeaderMap, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

/// Adds the `RateLimit-*` headers.
pub fn annotate(headers: &mut actix_web::http::header::HeaderMap, v: &Verdict) {
    set(headers, "ratelimit-limit", v.limit.to_string());
    set(headers, "ratelimit-remaining", v.remaining.to_string());
    set(headers, "ratelimit-reset", v.reset.to_string());
    set(headers, "ratelimit-policy", format!("{};w=60", v.limit));
}

/// The 429 answer.
pub fn too_many(v: &Verdict, what: &str) -> actix_web::HttpResponse {
    let p = problem(
        ProblemType::TooManyRequests,
        Some(format!(
            "{what} allows {} requests a minute; retry in {} s",
            v.limit, v.reset
        )),
    );
    let mut resp = problem_response(&p);
    annotate(resp.headers_mut(), v);
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(v.reset));
    resp
}

/// Limits requests made with a personal API token (`Authorization: Bearer hd_…`).
pub async fn per_api_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let token = crate::extract::bearer_token(req.headers())
        .filter(|t| t.starts_with(helpdesk_service::auth::API_TOKEN_PREFIX))
        .map(str::to_owned);
    let limiter = req.app_data::<web::Data<TokenLimiter>>().cloned();
    let (Some(token), Some(limiter)) = (token, limiter) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !limiter.0.enabled() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let verdict = limiter.0.check(&token).await;
    if !verdict.allowed {
        return Ok(req.into_response(too_many(&verdict, "this API token")));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    annotate(res.headers_mut(), &verdict);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::Limiter;

    #[test]
    fn a_window_allows_the_limit_then_refuses() {
        let l = Limiter::new(3);
        let v: Vec<_> = (0..4).map(|_| l.hit("a")).collect();
        assert_eq!(
            v.iter().map(|v| v.remaining).collect::<Vec<_>>(),
            [2, 1, 0, 0]
        );
        assert!(v[2].allowed && !v[3].allowed);
        assert!(v[3].reset >= 1 && v[3].reset <= 60);
        assert!(l.hit("b").allowed, "keys are counted apart");
    }
}
