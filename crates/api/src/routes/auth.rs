use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use helpdesk_api_types::auth::{
    AcceptInvitation, ApiToken, ApiTokenCreated, InvitationInfo, LoginRequest, Me, MePatch,
    NewApiToken, RefreshRequest, SessionInfo, TokenPair,
};
use helpdesk_service::Services;

use crate::extract::{blocking, client_info, Auth};
use crate::ApiError;

/// Sign in with e-mail and password.
///
/// Failures are throttled by growing delays (429 with `Retry-After`): per account and per client
/// address, or, when the request carries the `device_token` an earlier sign-in of the account
/// answered, per device only. Every attempt is in the security log.
#[utoipa::path(tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, description = "Signed in", body = TokenPair)))]
#[post("/auth/login")]
pub async fn login(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.login(&body, &client))
        .await
        .map(web::Json)
}

/// Exchange a refresh token for a new pair. Each refresh token works once; presenting a used
/// one revokes the whole session, except within 30 seconds of its first use while the pair it
/// made is unused: then the same refresh token is answered again (two tabs refreshing at once,
/// or a retry after a lost answer).
#[utoipa::path(tag = "auth", request_body = RefreshRequest, security(()),
    responses((status = 200, description = "New tokens", body = TokenPair)))]
#[post("/auth/refresh")]
pub async fn refresh(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.refresh(&body.refresh_token, &client))
        .await
        .map(web::Json)
}

/// Sign out: revokes the session of the refresh token. Its access tokens stop working on their
/// next request. A session that single sign-on started answers 200 with the identity
/// provider's sign-out address, where the browser goes next so that the provider's session
/// ends too (it comes back to the app).
#[utoipa::path(tag = "auth", request_body = RefreshRequest, security(()),
    responses((status = 204, description = "Signed out"),
        (status = 200, description = "Signed out here; sign out at the identity provider next", body = helpdesk_api_types::auth::SignedOut)))]
#[post("/auth/logout")]
pub async fn logout(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    match blocking(move || svc.logout(&body.refresh_token, &client)).await? {
        Some(end_session_url) => {
            Ok(HttpResponse::Ok().json(helpdesk_api_types::auth::SignedOut { end_session_url }))
        }
        None => Ok(HttpResponse::NoContent().finish()),
    }
}

/// Who an invitation link to the customer portal is for. 404 when the link is unknown, was
/// used, was replaced by a newer invitation or has expired.
#[utoipa::path(tag = "auth", security(()),
    params(("token" = String, Path, description = "The token from the invitation link")),
    responses((status = 200, description = "The invited customer", body = InvitationInfo)))]
#[get("/auth/invitations/{token}")]
pub async fn invitation(
    svc: web::Data<Services>,
    token: web::Path<String>,
) -> Result<web::Json<InvitationInfo>, ApiError> {
    blocking(move || svc.invitation(&token))
        .await
        .map(web::Json)
}

/// Accept an invitation to the customer portal: sets the password chosen (at least 10
/// characters) and signs in. The link works once.
#[utoipa::path(tag = "auth", request_body = AcceptInvitation, security(()),
    responses((status = 200, description = "Password set; signed in", body = TokenPair),
        (status = 404, description = "The link is unknown, used, replaced or expired", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/auth/invitations/accept")]
pub async fn accept_invitation(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<AcceptInvitation>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.accept_invitation(&body, &client))
        .await
        .map(web::Json)
}

/// The signed-in user.
#[utoipa::path(tag = "auth", responses((status = 200, description = "The caller", body = Me)))]
#[get("/me")]
pub async fn me(svc: web::Data<Services>, auth: Auth) -> Result<web::Json<Me>, ApiError> {
    blocking(move || svc.me(&auth.0)).await.map(web::Json)
}

/// Change one's own name or language (remembered for the app and for notifications).
#[utoipa::path(tag = "auth", request_body = MePatch, responses((status = 200, description = "The caller, changed", body = Me)))]
#[patch("/me")]
pub async fn update_me(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<MePatch>,
) -> Result<web::Json<Me>, ApiError> {
    blocking(move || svc.update_me(&auth.0, &body))
        .await
        .map(web::Json)
}

/// The caller's personal API tokens (agents and admins).
#[utoipa::path(tag = "auth", responses((status = 200, description = "Tokens, without their secrets", body = Vec<ApiToken>)))]
#[get("/me/api-tokens")]
pub async fn list_api_tokens(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<ApiToken>>, ApiError> {
    blocking(move || svc.list_api_tokens(&auth.0))
        .await
        .map(web::Json)
}

/// Create a personal API token for an integration. The secret is returned once.
#[utoipa::path(tag = "auth", request_body = NewApiToken,
    responses((status = 201, description = "Created; keep `token`, it is not shown again", body = ApiTokenCreated)))]
#[post("/me/api-tokens")]
pub async fn create_api_token(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewApiToken>,
) -> Result<HttpResponse, ApiError> {
    let created = blocking(move || svc.create_api_token(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revoke one of the caller's API tokens.
#[utoipa::path(tag = "auth", params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked")))]
#[delete("/me/api-tokens/{id}")]
pub async fn revoke_api_token(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.revoke_api_token(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's sessions (browsers and devices signed in), newest use first.
#[utoipa::path(tag = "auth", responses((status = 200, description = "Sessions in force", body = Vec<SessionInfo>)))]
#[get("/me/sessions")]
pub async fn my_sessions(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<SessionInfo>>, ApiError> {
    blocking(move || svc.my_sessions(&auth.0))
        .await
        .map(web::Json)
}

/// End one of the caller's sessions: its refresh token and access tokens stop working at once.
#[utoipa::path(tag = "auth", params(("id" = i64, Path, description = "Session id")),
    responses((status = 204, description = "Revoked")))]
#[delete("/me/sessions/{id}")]
pub async fn revoke_my_session(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.revoke_my_session(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
