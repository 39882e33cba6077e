use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use helpdesk_api_types::auth::{SecurityEventPage, SecurityEventQuery, SessionInfo};
use helpdesk_api_types::users::{
    Availability, NewTeam, NewUser, Team, TeamPatch, User, UserPage, UserPatch,
};
use helpdesk_domain::Role;
use helpdesk_service::Services;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::extract::{blocking, Auth};
use crate::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub role: Option<Role>,
}

/// Users (agents and admins may list them, e.g. to assign a case).
#[utoipa::path(tag = "users", params(UserQuery), responses((status = 200, description = "A page of users", body = UserPage)))]
#[get("/users")]
pub async fn list_users(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<UserQuery>,
) -> Result<web::Json<UserPage>, ApiError> {
    let q = q.into_inner();
    blocking(move || svc.list_users(&auth.0, q.role, q.limit, q.cursor.as_deref()))
        .await
        .map(web::Json)
}

/// Create a user (admins).
#[utoipa::path(tag = "users", request_body = NewUser, responses((status = 201, description = "Created", body = User)))]
#[post("/users")]
pub async fn create_user(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let user = blocking(move || svc.create_user(Some(&auth.0), &body)).await?;
    Ok(HttpResponse::Created().json(user))
}

#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")), responses((status = 200, description = "The user", body = User)))]
#[get("/users/{id}")]
pub async fn get_user(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<User>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_user(&auth.0, id))
        .await
        .map(web::Json)
}

/// Change a user (admins). Disabling a user or changing the password ends their sessions.
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")), request_body = UserPatch,
    responses((status = 200, description = "Updated", body = User)))]
#[patch("/users/{id}")]
pub async fn update_user(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<UserPatch>,
) -> Result<web::Json<User>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_user(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "teams", responses((status = 200, description = "All teams", body = Vec<Team>)))]
#[get("/teams")]
pub async fn list_teams(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<Team>>, ApiError> {
    blocking(move || svc.list_teams(&auth.0))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "teams", request_body = NewTeam, responses((status = 201, description = "Created", body = Team)))]
#[post("/teams")]
pub async fn create_team(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewTeam>,
) -> Result<HttpResponse, ApiError> {
    let team = blocking(move || svc.create_team(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(team))
}

#[utoipa::path(tag = "teams", params(("id" = i64, Path, description = "Team id")), responses((status = 200, description = "The team", body = Team)))]
#[get("/teams/{id}")]
pub async fn get_team(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Team>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_team(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "teams", params(("id" = i64, Path, description = "Team id")), request_body = TeamPatch,
    responses((status = 200, description = "Updated", body = Team)))]
#[patch("/teams/{id}")]
pub async fn update_team(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<TeamPatch>,
) -> Result<web::Json<Team>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_team(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Mark yourself away (out of office) or back. Teams that give their cases out automatically
/// pass over agents who are away.
#[utoipa::path(tag = "users", request_body = Availability,
    responses((status = 200, description = "The caller afterwards", body = User)))]
#[put("/me/availability")]
pub async fn set_availability(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<Availability>,
) -> Result<web::Json<User>, ApiError> {
    blocking(move || svc.set_availability(&auth.0, &body))
        .await
        .map(web::Json)
}

/// A user's sessions (browsers and devices signed in), newest use first (admins).
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "Sessions in force", body = Vec<SessionInfo>)))]
#[get("/users/{id}/sessions")]
pub async fn user_sessions(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<SessionInfo>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.user_sessions(&auth.0, id))
        .await
        .map(web::Json)
}

/// Sign a user out everywhere (admins): every session ends, and every access token with it on
/// its next request.
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "Every session revoked")))]
#[delete("/users/{id}/sessions")]
pub async fn revoke_user_sessions(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.revoke_user_session(&auth.0, id, None)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End one session of a user (admins).
#[utoipa::path(tag = "users", params(("id" = i64, Path, description = "User id"),
        ("session" = i64, Path, description = "Session id")),
    responses((status = 204, description = "Revoked")))]
#[delete("/users/{id}/sessions/{session}")]
pub async fn revoke_user_session(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, session) = path.into_inner();
    blocking(move || svc.revoke_user_session(&auth.0, id, Some(session))).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The security log, newest first (admins): sign-ins and refused sign-ins (with the reason and
/// the client's address), sign-outs, sessions ended, refresh tokens replayed, API tokens created
/// and revoked, users created, roles changed, accounts disabled or enabled, passwords changed.
/// Kept 180 days.
#[utoipa::path(tag = "users", params(SecurityEventQuery),
    responses((status = 200, description = "A page of security events", body = SecurityEventPage)))]
#[get("/security-events")]
pub async fn security_events(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<SecurityEventQuery>,
) -> Result<web::Json<SecurityEventPage>, ApiError> {
    blocking(move || svc.security_events(&auth.0, &q))
        .await
        .map(web::Json)
}
