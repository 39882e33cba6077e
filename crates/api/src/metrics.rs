//! Prometheus text metrics: requests by route and status, latency histograms, pool usage.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};
use helpdesk_service::Services;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (method, route pattern, status)
type SeriesKey = (String, String, u16);

/// Per-process counters. Each replica exposes its own; Prometheus adds them up.
#[derive(Default, Clone)]
pub struct Metrics {
    series: Arc<Mutex<BTreeMap<SeriesKey, Series>>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = map
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self, pool: (u32, u32)) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let map = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str(
            "# HELP helpdesk_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE helpdesk_http_requests_total counter\n");
        for ((m, r, s), v) in map.iter() {
            let _ = writeln!(
                out,
                "helpdesk_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{s}\"}} {}",
                v.count
            );
        }
        out.push_str(
            "# HELP helpdesk_http_request_duration_seconds Request latency by method and route.\n",
        );
        out.push_str("# TYPE helpdesk_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((m, r, _), v) in map.iter() {
            let agg = by_route.entry((m.as_str(), r.as_str())).or_default();
            agg.count += v.count;
            agg.sum += v.sum;
            for i in 0..BUCKETS.len() {
                agg.buckets[i] += v.buckets[i];
            }
        }
        for ((m, r), v) in by_route {
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "helpdesk_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"{le}\"}} {}", v.buckets[i]);
            }
            let _ = writeln!(out, "helpdesk_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"+Inf\"}} {}", v.count);
            let _ = writeln!(
                out,
                "helpdesk_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{r}\"}} {}",
                v.sum
            );
            let _ = writeln!(
                out,
                "helpdesk_http_request_duration_seconds_count{{method=\"{m}\",route=\"{r}\"}} {}",
                v.count
            );
        }
        out.push_str("# HELP helpdesk_db_pool_connections Open database connections.\n# TYPE helpdesk_db_pool_connections gauge\n");
        let _ = writeln!(out, "helpdesk_db_pool_connections {}", pool.0);
        out.push_str("# HELP helpdesk_db_pool_idle_connections Idle database connections.\n# TYPE helpdesk_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "helpdesk_db_pool_idle_connections {}", pool.1);
        out
    }
}

/// Middleware: times every request and records it under its route pattern (not the raw path,
/// so ids do not explode the label set).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        m.observe(
            &method,
            &route,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

/// The bearer token a scraper of `/metrics` must send (`HELPDESK_METRICS_TOKEN`).
#[derive(Clone)]
pub struct MetricsToken(pub Option<String>);

/// The Prometheus text, for a scraper that sends the configured token: route names, latencies
/// and pool usage are not for anyone who can reach the port. Off (404) without a token set.
pub async fn endpoint(
    req: actix_web::HttpRequest,
    metrics: web::Data<Metrics>,
    token: web::Data<MetricsToken>,
    svc: web::Data<Services>,
    sessions: Option<web::Data<crate::session_cache::SessionCache>>,
) -> HttpResponse {
    let Some(wanted) = token.0.as_deref().filter(|t| !t.is_empty()) else {
        return crate::error::problem_response(&crate::error::problem(
            helpdesk_api_types::ProblemType::NotFound,
            Some(
                "metrics are off: set HELPDESK_METRICS_TOKEN and scrape with it as a bearer token"
                    .into(),
            ),
        ));
    };
    let given = crate::extract::bearer_token(req.headers()).unwrap_or_default();
    // Compared in constant time, like every secret.
    let same = given.len() == wanted.len()
        && given
            .bytes()
            .zip(wanted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return crate::error::problem_response(&crate::error::problem(
            helpdesk_api_types::ProblemType::Unauthorized,
            Some("send `Authorization: Bearer <HELPDESK_METRICS_TOKEN>`".into()),
        ));
    }
    let mut text = metrics.render(svc.db.pool_state());
    if let Some(sessions) = sessions {
        use std::fmt::Write;
        let (kept, read) = sessions.answers();
        text.push_str("# HELP helpdesk_session_checks_total Access-token session checks, answered from the process's cache (kept) or the database (read).\n# TYPE helpdesk_session_checks_total counter\n");
        let _ = writeln!(
            text,
            "helpdesk_session_checks_total{{answer=\"kept\"}} {kept}"
        );
        let _ = writeln!(
            text,
            "helpdesk_session_checks_total{{answer=\"read\"}} {read}"
        );
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
