use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use helpdesk_api_types::auth::{
    ChangePassword, PasswordResetConfirm, PasswordResetInfo, PasswordResetRequest, TokenPair,
};
use helpdesk_service::Services;

use crate::extract::{blocking, client_info, Auth};
use crate::ApiError;

/// Change one's own password. The current password must be given (wrong guesses count against
/// the account's sign-in throttle); the new one must have at least 10 characters, not be one of
/// the most common passwords and not be the e-mail address. Every other session of the user
/// ends; this one stays. Not with an API token.
#[utoipa::path(tag = "auth", request_body = ChangePassword,
    responses((status = 204, description = "Changed; other sessions ended"),
        (status = 422, description = "The current password is wrong, or the new one is refused (at its field)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[put("/me/password")]
pub async fn change_password(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    blocking(move || svc.change_password(&auth.0, &body)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a link to choose a new password. When the address belongs to an account that may
/// sign in, a link that works once, for an hour, is mailed to it (a second request within a
/// minute sends nothing more). The answer is the same either way, so it tells nobody which
/// addresses have accounts. 503 when outgoing mail or the public address is not configured.
#[utoipa::path(tag = "auth", request_body = PasswordResetRequest, security(()),
    responses((status = 202, description = "If the address has an account, a link is on its way"),
        (status = 503, description = "Outgoing mail is not configured", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/auth/password-reset")]
pub async fn request_reset(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.request_password_reset(&body, &client)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Who a password reset link is for. 404 when the link is unknown, used, replaced by a newer
/// one or expired.
#[utoipa::path(tag = "auth", security(()),
    params(("token" = String, Path, description = "The token from the reset link")),
    responses((status = 200, description = "The account", body = PasswordResetInfo),
        (status = 404, description = "The link is unknown, used, replaced or expired", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[get("/auth/password-reset/{token}")]
pub async fn reset_info(
    svc: web::Data<Services>,
    token: web::Path<String>,
) -> Result<web::Json<PasswordResetInfo>, ApiError> {
    blocking(move || svc.password_reset(&token))
        .await
        .map(web::Json)
}

/// Choose a new password with a reset link, and sign in. The link works once; every earlier
/// session of the user ends.
#[utoipa::path(tag = "auth", request_body = PasswordResetConfirm, security(()),
    responses((status = 200, description = "Password set; signed in", body = TokenPair),
        (status = 404, description = "The link is unknown, used, replaced or expired", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password is refused (at `password`)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_reset(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<PasswordResetConfirm>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.confirm_password_reset(&body, &client))
        .await
        .map(web::Json)
}
