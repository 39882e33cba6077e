//! Building and starting the HTTP server.

use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{
    error::JsonPayloadError, web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer,
};
use helpdesk_service::Services;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{bad_request, problem, problem_response};
use crate::extract::blocking;
use crate::metrics::{self, Metrics};
use crate::{openapi, routes};
use helpdesk_api_types::ProblemType;

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The built SPA (`index.html` + `pkg/`); the API serves it at `/` when present.
    pub static_dir: Option<PathBuf>,
    /// Largest accepted JSON body, in bytes.
    pub json_limit: usize,
    /// HTTP worker threads.
    pub workers: usize,
    /// Requests a minute one personal API token may make (0: no limit).
    pub api_token_rate_per_minute: u32,
    /// Web form submissions a minute from one client address (0: no limit).
    pub form_rate_per_minute: u32,
    /// The bearer token `/metrics` asks for; without one, `/metrics` is off (404).
    pub metrics_token: Option<String>,
    /// Proxies whose `Forwarded`/`X-Forwarded-For` name the client (none: the socket peer is).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            static_dir: None,
            json_limit: 1 << 20,
            workers: 2,
            api_token_rate_per_minute: 600,
            form_rate_per_minute: 10,
            metrics_token: None,
            trusted_proxies: Default::default(),
        }
    }
}

fn json_error(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let kind = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ProblemType::TooLarge
        }
        JsonPayloadError::ContentType => ProblemType::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            // Where the reader stopped names the field: `subject` for `{"subject": 123}`,
            // `emails[0]` inside a list; a field missing or unknown is named by the message.
            let raw = req.extensions().get::<crate::guard::RawJson>().cloned();
            let offset =
                |raw: &crate::guard::RawJson| crate::guard::offset_of(&raw.0, e.line(), e.column());
            let field = match (serde_field(&message), raw) {
                (Some(name), Some(raw)) => match crate::guard::container_at(&raw.0, offset(&raw)) {
                    Some(parent) => format!("{parent}.{name}"),
                    None => name.to_owned(),
                },
                (Some(name), None) => name.to_owned(),
                (None, Some(raw)) => {
                    crate::guard::path_at(&raw.0, offset(&raw)).unwrap_or_else(|| "body".to_owned())
                }
                (None, None) => "body".to_owned(),
            };
            let mut p = problem(ProblemType::Validation, Some(message.clone()));
            p.errors = Some([(field, vec![message])].into());
            return actix_web::error::InternalError::from_response(err, problem_response(&p))
                .into();
        }
        _ => return bad_request(err.to_string()),
    };
    let p = problem(kind, Some(err.to_string()));
    actix_web::error::InternalError::from_response(err, problem_response(&p)).into()
}

/// The field serde complains about, when its message names one.
fn serde_field(message: &str) -> Option<&str> {
    ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.split_once(prefix))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field)
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let p = problem(
        ProblemType::NotFound,
        Some(format!("no route for {} {}", req.method(), req.path())),
    );
    problem_response(&p)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready when the database answers and its schema is current, and files can be stored.
async fn readyz(svc: web::Data<Services>) -> HttpResponse {
    let svc = svc.into_inner();
    let files = svc.clone();
    match blocking(move || svc.db.has_pending_migrations().map_err(Into::into)).await {
        Ok(false) => match blocking(move || {
            files
                .files
                .check()
                .map_err(|e| helpdesk_service::AppError::Unavailable(e.to_string()))
        })
        .await
        {
            Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
            Err(e) => {
                tracing::warn!(error = %e.0, "not ready: the file store");
                HttpResponse::ServiceUnavailable()
                    .content_type("text/plain")
                    .body("file store unreachable")
            }
        },
        Ok(true) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("migrations pending"),
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unreachable"),
    }
}

/// The configured JSON body limit, for middleware that reads bodies before the extractor.
struct JsonLimit(usize);

pub(crate) fn json_limit(req: &actix_web::dev::ServiceRequest) -> usize {
    req.app_data::<web::Data<JsonLimit>>()
        .map_or(1 << 20, |l| l.0)
}

/// Starts the API on an already bound listener (tests bind port 0).
pub fn run(
    listener: TcpListener,
    services: Services,
    config: AppConfig,
) -> std::io::Result<Server> {
    // One reader of live events for every worker's feeds.
    let live_hub = web::Data::new(crate::live_hub::LiveHub::new(services.clone()));
    // One kept session check per process, for every worker.
    let session_cache = web::Data::from(crate::session_cache::SessionCache::new(&services));
    let services = web::Data::new(services);
    let metrics = web::Data::new(Metrics::default());
    // Serialized once and shared: the document as a struct is several MB, and serving it per
    // worker would keep a copy for each and serialize it again on every request.
    let doc =
        web::Bytes::from(serde_json::to_vec(&openapi::openapi()).map_err(std::io::Error::other)?);
    let spa_dir = config
        .static_dir
        .clone()
        .and_then(|d| crate::spa::SpaDir::found(&d))
        .map(web::Data::new);
    let json_limit = config.json_limit;
    let token_limiter = web::Data::new(crate::ratelimit::TokenLimiter(
        crate::ratelimit::Limiter::shared(config.api_token_rate_per_minute, &services),
    ));
    let form_limiter = web::Data::new(crate::ratelimit::FormLimiter(
        crate::ratelimit::Limiter::shared(config.form_rate_per_minute, &services),
    ));
    let server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .service(scope("/api/v1").configure(routes::configure))
            .split_for_parts();
        let mut app = app
            .app_data(services.clone())
            .app_data(live_hub.clone())
            .app_data(session_cache.clone())
            .app_data(metrics.clone())
            .app_data(web::Data::new(metrics::MetricsToken(
                config.metrics_token.clone(),
            )))
            .app_data(token_limiter.clone())
            .app_data(form_limiter.clone())
            .app_data(web::Data::new(config.trusted_proxies.clone()))
            .app_data(
                web::JsonConfig::default()
                    .limit(json_limit)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(|e, _| bad_request(e.to_string())))
            .app_data(web::PathConfig::default().error_handler(|e, _| {
                let p = problem(ProblemType::NotFound, Some(e.to_string()));
                actix_web::error::InternalError::from_response(e, problem_response(&p)).into()
            }))
            .app_data(web::Data::new(JsonLimit(json_limit)))
            .wrap(from_fn(crate::idempotency::idempotent))
            .wrap(from_fn(crate::guard::refuse_nul))
            .wrap(from_fn(crate::ratelimit::per_api_token))
            .wrap(from_fn(crate::routes::web_forms::preflight))
            .wrap(from_fn(crate::i18n::problems_in_russian))
            .wrap(Compress::default())
            .wrap(
                DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "no-referrer")),
            )
            .wrap(from_fn(metrics::record))
            .wrap(TracingLogger::default())
            .wrap(from_fn(crate::spa::head_as_get))
            .service(
                SwaggerUi::new("/api/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
            )
            .route("/api/openapi.json", {
                let doc = doc.clone();
                web::get().to(move || {
                    let doc = doc.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type(header::ContentType::json())
                            .body(doc)
                    }
                })
            })
            .route(
                "/api/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header((header::LOCATION, "/api/docs/"))
                        .finish()
                }),
            )
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .route("/metrics", web::get().to(metrics::endpoint))
            .service(web::scope("/api").default_service(web::to(not_found)));
        if let Some(dir) = &spa_dir {
            app = app
                .app_data(dir.clone())
                .route("/{tail:.*}", web::get().to(crate::spa::serve));
        }
        app.default_service(web::to(not_found))
    })
    .workers(config.workers.max(1))
    .listen(listener)?
    .run();
    Ok(server)
}

/// What a process serves on its port while it waits for the database at start-up: `/healthz`
/// answers (the process is alive), everything else 503 with `Retry-After`, so a load balancer
/// sends it no traffic and clients retry. Stopped once the database answers; the real server
/// then takes over the same listening socket.
pub struct Waiting {
    thread: std::thread::JoinHandle<()>,
    handle: actix_web::dev::ServerHandle,
}

impl Waiting {
    /// Serves on a clone of `listener` from a thread of its own.
    pub fn start(listener: &TcpListener) -> std::io::Result<Waiting> {
        let listener = listener.try_clone()?;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(|| {
                    App::new()
                        .route("/healthz", web::get().to(healthz))
                        .default_service(web::to(|| async {
                            let p = problem(
                                ProblemType::DatabaseUnavailable,
                                Some("the helpdesk is starting and waits for its database".into()),
                            );
                            let mut resp = problem_response(&p);
                            resp.headers_mut()
                                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
                            resp
                        }))
                })
                .workers(1)
                .disable_signals()
                .listen(listener);
                match server {
                    Ok(server) => {
                        let server = server.run();
                        let _ = tx.send(Some(server.handle()));
                        let _ = server.await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not serve while waiting");
                        let _ = tx.send(None);
                    }
                }
            });
        });
        match rx.recv() {
            Ok(Some(handle)) => Ok(Waiting { thread, handle }),
            _ => Err(std::io::Error::other("the waiting server did not start")),
        }
    }

    /// Stops serving; returns once the socket is free for the real server.
    pub fn stop(self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        let _ = self.thread.join();
    }
}
