//! Extractors: the authenticated caller, and running service calls off the async threads.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use helpdesk_service::{Actor, AppError, Services};

use crate::session_cache::{Lookup, SessionCache};
use crate::ApiError;

/// The caller, from `Authorization: Bearer <JWT or API token>`; 401 without one.
pub struct Auth(pub Actor);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let cache = req.app_data::<web::Data<SessionCache>>().cloned();
        let bearer = bearer_token(req.headers()).map(str::to_owned);
        let client = client_info(req);
        Box::pin(async move {
            let services =
                services.ok_or_else(|| AppError::Internal("services not configured".into()))?;
            let bearer = bearer.ok_or_else(|| {
                AppError::Unauthorized("send `Authorization: Bearer <token>`".into())
            })?;
            let mut actor = match cache {
                Some(cache) => authenticate_kept(services, &cache, bearer).await?,
                None => authenticate(services, bearer).await?,
            };
            actor.client = client;
            Ok(Auth(actor))
        })
    }
}

/// Resolves a bearer credential. A token that cannot be good (bad signature, expired) is
/// refused on the calling thread; the others are checked against the database on the blocking
/// pool, so that a revoked session or a disabled user is refused from the next request on.
pub async fn authenticate(
    services: web::Data<Services>,
    bearer: String,
) -> Result<Actor, ApiError> {
    match services.refuse_offline(&bearer) {
        Some(refused) => Err(ApiError(refused)),
        None => blocking(move || services.authenticate(&bearer)).await,
    }
}

/// [`authenticate`], with an access token's session check answered from the process's
/// [`SessionCache`] when it holds a good answer (no database read, no blocking hop).
async fn authenticate_kept(
    services: web::Data<Services>,
    cache: &SessionCache,
    bearer: String,
) -> Result<Actor, ApiError> {
    let Some((user_id, session_id)) = services.access_session(&bearer) else {
        return authenticate(services, bearer).await;
    };
    match cache.lookup(user_id, session_id) {
        Lookup::Kept(actor) => Ok(actor),
        Lookup::Read(token) => {
            let actor = blocking(move || services.session_actor(user_id, session_id)).await?;
            cache.keep(token, session_id, &actor);
            Ok(actor)
        }
    }
}

/// The token of `Authorization: Bearer <token>`, if the header has one.
pub fn bearer_token(headers: &header::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

tokio::task_local! {
    /// The unit of work of the request being handled, when it has one (a POST with an
    /// `Idempotency-Key`): every service call of the request runs inside it.
    pub static UNIT: helpdesk_store::Unit;
}

/// Runs a blocking service call (diesel, argon2) on actix's blocking pool, inside the request's
/// unit of work if it has one.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let unit = UNIT.try_with(Clone::clone).ok();
    let run = move || match unit {
        Some(unit) => unit.enter(f),
        None => f(),
    };
    match web::block(run).await {
        Ok(result) => result.map_err(ApiError),
        Err(e) => Err(ApiError(AppError::Internal(format!(
            "blocking task failed: {e}"
        )))),
    }
}

/// Where a sign-in comes from: the client's address and its `User-Agent`.
pub fn client_info(req: &HttpRequest) -> helpdesk_service::auth::ClientInfo {
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    helpdesk_service::auth::ClientInfo::new(client_ip(req), agent)
}

pub use crate::client_addr::client_ip;
