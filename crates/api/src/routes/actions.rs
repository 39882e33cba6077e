//! Case actions, followers and the audit history. Every action answers the case as it is afterwards; a move the
//! status machine refuses is a 409 problem document saying why.

use actix_web::{delete, get, post, put, web};
use helpdesk_api_types::cases::{
    ActionNote, AssignAction, AuditPage, Case, EscalateAction, Followers, MergeAction, PageQuery,
    RejectAction, RequestInfo, ResolveAction,
};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

type CaseResult = Result<web::Json<Case>, ApiError>;

/// Assign a case to an agent and/or a team. Assigning a `new` case opens it; the assignee
/// follows the case.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = AssignAction,
    responses((status = 200, description = "Assigned", body = Case), (status = 409, description = "The case is closed, rejected or merged", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/assign")]
pub async fn assign(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<AssignAction>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.assign(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// "I'll handle it": the caller becomes the assignee (and a follower); a `new` case opens.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "Taken", body = Case), (status = 409, description = "The case is closed, rejected or merged", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/take")]
pub async fn take(svc: web::Data<Services>, auth: Auth, id: web::Path<i64>) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.take(&auth.0, id)).await.map(web::Json)
}

/// Ask for information. By default the question goes to the requester as a public message (mailed
/// to them) and the case waits for their answer (`information_requested`: SLA paused,
/// auto-closed like `awaiting_customer`, back to `open` when they write). With
/// `"ask": "colleague"` and `user_id`, the question is an internal note mentioning that
/// colleague (who is notified) and the status stays.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = RequestInfo,
    responses((status = 200, description = "Asked", body = Case), (status = 409, description = "The status machine refuses this move", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/request-info")]
pub async fn request_info(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<RequestInfo>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.request_info(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Escalate to the next support line: a team of that line takes the case, unassigned; the
/// escalating agent keeps following it.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = EscalateAction,
    responses((status = 200, description = "Escalated", body = Case), (status = 409, description = "Already on the last line, or the case is closed", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/escalate")]
pub async fn escalate(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<EscalateAction>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.escalate(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Put a case on hold (waiting on a third party; SLA paused).
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = ActionNote,
    responses((status = 200, description = "On hold", body = Case), (status = 409, description = "The status machine refuses this move", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/hold")]
pub async fn hold(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ActionNote>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.hold(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Resolve a case with a resolution note (the customer sees it in the portal).
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = ResolveAction,
    responses((status = 200, description = "Resolved", body = Case), (status = 409, description = "The status machine refuses this move", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/resolve")]
pub async fn resolve(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ResolveAction>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.resolve(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Close a case.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = ActionNote,
    responses((status = 200, description = "Closed", body = Case), (status = 409, description = "The status machine refuses this move", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/close")]
pub async fn close(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ActionNote>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.close(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Reopen a resolved, closed or rejected case.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = ActionNote,
    responses((status = 200, description = "Open again", body = Case), (status = 409, description = "The case is not resolved, closed or rejected", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/reopen")]
pub async fn reopen(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ActionNote>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.reopen(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Reject a case, with the reason.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = RejectAction,
    responses((status = 200, description = "Rejected", body = Case), (status = 409, description = "The status machine refuses this move", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/reject")]
pub async fn reject(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<RejectAction>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.reject(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Merge this case into another: its stream, contacts and followers move to the target, and
/// it becomes `merged`, pointing at the target.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")), request_body = MergeAction,
    responses((status = 200, description = "Merged (the source case)", body = Case), (status = 409, description = "The source or the target cannot take part in a merge", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/actions/merge")]
pub async fn merge(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<MergeAction>,
) -> CaseResult {
    let id = id.into_inner();
    blocking(move || svc.merge(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// The users who follow a case.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "Followers", body = Followers)))]
#[get("/cases/{id}/followers")]
pub async fn followers(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Followers>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.followers(&auth.0, id))
        .await
        .map(web::Json)
}

/// Follow a case (following twice changes nothing).
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "Followers afterwards", body = Followers)))]
#[put("/cases/{id}/followers/me")]
pub async fn follow(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Followers>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.set_following(&auth.0, id, true))
        .await
        .map(web::Json)
}

/// Stop following a case.
#[utoipa::path(tag = "case actions", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "Followers afterwards", body = Followers)))]
#[delete("/cases/{id}/followers/me")]
pub async fn unfollow(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Followers>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.set_following(&auth.0, id, false))
        .await
        .map(web::Json)
}

/// Every field change of a case (who, when, old → new), oldest first.
#[utoipa::path(tag = "audit", params(("id" = i64, Path, description = "Case id"), PageQuery),
    responses((status = 200, description = "Changes", body = AuditPage)))]
#[get("/cases/{id}/audit")]
pub async fn case_audit(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.audit_history(&auth.0, "case", id, &q))
        .await
        .map(web::Json)
}

/// Every field change of an organization, oldest first.
#[utoipa::path(tag = "audit", params(("id" = i64, Path, description = "Organization id"), PageQuery),
    responses((status = 200, description = "Changes", body = AuditPage)))]
#[get("/organizations/{id}/audit")]
pub async fn organization_audit(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.audit_history(&auth.0, "organization", id, &q))
        .await
        .map(web::Json)
}

/// Every field change of a contact, oldest first.
#[utoipa::path(tag = "audit", params(("id" = i64, Path, description = "Contact id"), PageQuery),
    responses((status = 200, description = "Changes", body = AuditPage)))]
#[get("/contacts/{id}/audit")]
pub async fn contact_audit(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.audit_history(&auth.0, "contact", id, &q))
        .await
        .map(web::Json)
}
