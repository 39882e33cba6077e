//! Single sign-on for staff with OpenID Connect: the button's settings, the redirect to the
//! provider, the provider's callback and the app's exchange of the one-time code.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use helpdesk_api_types::auth::{SsoCallback, SsoExchange, SsoInfo, SsoStart, TokenPair};
use helpdesk_service::Services;

use crate::extract::{blocking, client_info};
use crate::ApiError;

/// Whether the sign-in page offers single sign-on, and the provider's name for its button.
#[utoipa::path(tag = "auth", security(()),
    responses((status = 200, description = "Single sign-on on or off", body = SsoInfo)))]
#[get("/auth/sso")]
pub async fn info(svc: web::Data<Services>) -> web::Json<SsoInfo> {
    web::Json(svc.sso_info())
}

/// Start a single sign-on: redirects the browser to the identity provider (authorization code
/// with PKCE). When single sign-on is off or the provider cannot be reached, redirects to the
/// app's `/sso` page with `#error=unavailable`.
#[utoipa::path(tag = "auth", security(()), params(SsoStart),
    responses((status = 302, description = "To the identity provider, or to the app's `/sso` page with an error")))]
#[get("/auth/sso/start")]
pub async fn start(
    svc: web::Data<Services>,
    query: web::Query<SsoStart>,
) -> Result<HttpResponse, ApiError> {
    let to = match blocking(move || svc.sso_start(query.return_to.as_deref())).await {
        Ok(url) => url,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on could not start");
            "/sso#error=unavailable".to_owned()
        }
    };
    Ok(found(&to))
}

/// Where the identity provider sends the browser back. Redirects to the app's `/sso` page:
/// with `#code=…&return_to=…` (a one-time code for `POST /auth/sso/exchange`, valid two
/// minutes) when an account was signed in, else with `#error=…` (`denied`, `expired`,
/// `no_role`, `no_account`, `email_unverified`, `disabled`, `portal`, `provider`, `failed`).
#[utoipa::path(tag = "auth", security(()), params(SsoCallback),
    responses((status = 302, description = "To the app's `/sso` page")))]
#[get("/auth/sso/callback")]
pub async fn callback(
    svc: web::Data<Services>,
    req: HttpRequest,
    query: web::Query<SsoCallback>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    let to =
        blocking(move || Ok::<_, helpdesk_service::AppError>(svc.sso_callback(&query, &client)))
            .await?;
    Ok(found(&to))
}

/// Exchange the one-time code of a single sign-on for a session. The code works once.
#[utoipa::path(tag = "auth", request_body = SsoExchange, security(()),
    responses((status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "The code is unknown, used or expired", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/auth/sso/exchange")]
pub async fn exchange(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<SsoExchange>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.sso_exchange(&body, &client))
        .await
        .map(web::Json)
}

fn found(to: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}
