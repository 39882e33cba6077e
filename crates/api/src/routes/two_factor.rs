//! Two-factor sign-in: enrolment, codes, recovery codes, an admin's reset and policy.

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use helpdesk_api_types::auth::{
    LoginRequest, PasswordCheck, RecoveryCodes, TwoFactorConfirm, TwoFactorEnrolment,
    TwoFactorPolicy, TwoFactorStatus,
};
use helpdesk_service::Services;

use crate::extract::{blocking, client_info, Auth};
use crate::ApiError;

/// Enrol in two-factor sign-in while signing in, for an account whose role requires two
/// factors and that has none yet (its sign-in answered 401 `/problems/second-factor-setup-required`).
/// The password is checked and throttled as at sign-in. Scan the QR code with an
/// authenticator app, then sign in again with `otp` set to a code of the new secret: that
/// completes the enrolment and answers the recovery codes with the tokens.
#[utoipa::path(tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, description = "The new secret, waiting for its first code", body = TwoFactorEnrolment),
        (status = 409, description = "The account has two factors already, or its role does not require them", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/auth/two-factor/enrolment")]
pub async fn enrol_at_sign_in(
    svc: web::Data<Services>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TwoFactorEnrolment>, ApiError> {
    let client = client_info(&req);
    blocking(move || svc.enrol_at_sign_in(&body, &client))
        .await
        .map(web::Json)
}

/// Where the caller stands with two-factor sign-in.
#[utoipa::path(tag = "auth", responses((status = 200, description = "Two-factor sign-in of the caller", body = TwoFactorStatus)))]
#[get("/me/two-factor")]
pub async fn my_two_factor(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<TwoFactorStatus>, ApiError> {
    blocking(move || svc.my_two_factor(&auth.0))
        .await
        .map(web::Json)
}

/// Start setting up two-factor sign-in: a new secret, shown as a QR code for an authenticator
/// app. Nothing changes at sign-in until `POST /me/two-factor/confirm` proves the app has it;
/// starting again replaces a secret not yet confirmed. Not with an API token.
#[utoipa::path(tag = "auth",
    responses((status = 200, description = "The new secret, waiting for its first code", body = TwoFactorEnrolment),
        (status = 409, description = "Two-factor sign-in is on already", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/me/two-factor/enrolment")]
pub async fn begin(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<TwoFactorEnrolment>, ApiError> {
    blocking(move || svc.begin_two_factor(&auth.0))
        .await
        .map(web::Json)
}

/// Turn two-factor sign-in on with a first code of the new secret. Answers ten single-use
/// recovery codes, shown this once.
#[utoipa::path(tag = "auth", request_body = TwoFactorConfirm,
    responses((status = 200, description = "On; keep the recovery codes", body = RecoveryCodes),
        (status = 409, description = "No enrolment was started, or two-factor sign-in is on already", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code is not a current one of the new secret (at `code`)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/me/two-factor/confirm")]
pub async fn confirm(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<TwoFactorConfirm>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    blocking(move || svc.confirm_two_factor(&auth.0, &body))
        .await
        .map(web::Json)
}

/// Turn two-factor sign-in off (asks for the password). Refused when the caller's role
/// requires two factors.
#[utoipa::path(tag = "auth", request_body = PasswordCheck,
    responses((status = 204, description = "Off; the secret and recovery codes are gone"),
        (status = 403, description = "The caller's role requires two factors", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/me/two-factor/disable")]
pub async fn disable(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<PasswordCheck>,
) -> Result<HttpResponse, ApiError> {
    blocking(move || svc.disable_two_factor(&auth.0, &body)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// New recovery codes (asks for the password); the old ones stop working.
#[utoipa::path(tag = "auth", request_body = PasswordCheck,
    responses((status = 200, description = "The new codes, shown this once", body = RecoveryCodes),
        (status = 409, description = "Two-factor sign-in is off", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/me/two-factor/recovery-codes")]
pub async fn renew_recovery_codes(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<PasswordCheck>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    blocking(move || svc.renew_recovery_codes(&auth.0, &body))
        .await
        .map(web::Json)
}

/// A user's two-factor sign-in (admins).
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "Two-factor sign-in of the user", body = TwoFactorStatus)))]
#[get("/users/{id}/two-factor")]
pub async fn user_two_factor(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<TwoFactorStatus>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.user_two_factor(&auth.0, id))
        .await
        .map(web::Json)
}

/// Reset a user's two-factor sign-in (a lost phone and lost recovery codes): their secret and
/// codes are removed; if their role requires two factors they enrol again at their next
/// sign-in (admins).
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "Reset")))]
#[delete("/users/{id}/two-factor")]
pub async fn reset_user_two_factor(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.reset_two_factor(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Which roles must sign in with two factors (admins).
#[utoipa::path(tag = "users", responses((status = 200, description = "The policy", body = TwoFactorPolicy)))]
#[get("/settings/two-factor")]
pub async fn policy(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<TwoFactorPolicy>, ApiError> {
    blocking(move || svc.two_factor_policy(&auth.0))
        .await
        .map(web::Json)
}

/// Require two factors of staff roles (admins). Members without two factors set up are asked
/// to enrol at their next sign-in; sessions already open go on.
#[utoipa::path(tag = "users", request_body = TwoFactorPolicy,
    responses((status = 200, description = "The policy in force", body = TwoFactorPolicy),
        (status = 422, description = "A role that cannot be required (portal)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[put("/settings/two-factor")]
pub async fn set_policy(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<TwoFactorPolicy>,
) -> Result<web::Json<TwoFactorPolicy>, ApiError> {
    blocking(move || svc.set_two_factor_policy(&auth.0, &body))
        .await
        .map(web::Json)
}
