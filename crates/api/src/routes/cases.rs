use actix_web::{get, patch, post, web, HttpResponse};
use helpdesk_api_types::cases::{
    Case, CasePage, CasePatch, CaseQuery, NewCase, NewStreamEntry, PageQuery, Queues, StatusChange,
    StreamEntry, StreamPage,
};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// The case list with filters, newest first; keyset-paginated.
#[utoipa::path(tag = "cases", params(CaseQuery), responses((status = 200, description = "A page of cases", body = CasePage)))]
#[get("/cases")]
pub async fn list_cases(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<CaseQuery>,
) -> Result<web::Json<CasePage>, ApiError> {
    blocking(move || svc.list_cases(&auth.0, &q))
        .await
        .map(web::Json)
}

/// The agent's saved views (My cases, Unassigned, My team, Awaiting customer, Breaching SLA,
/// All open) with their counts, each with the `GET /api/v1/cases` query that lists it.
#[utoipa::path(tag = "cases", responses((status = 200, description = "The views and their counts", body = Queues)))]
#[get("/queues")]
pub async fn queues(svc: web::Data<Services>, auth: Auth) -> Result<web::Json<Queues>, ApiError> {
    blocking(move || svc.queues(&auth.0)).await.map(web::Json)
}

/// Register a case. It gets its number at once; a first-line agent who registers it becomes
/// its assignee. Types other than `consultation` need a contract in force for the product.
#[utoipa::path(tag = "cases", request_body = NewCase, responses((status = 201, description = "Registered", body = Case)))]
#[post("/cases")]
pub async fn create_case(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewCase>,
) -> Result<HttpResponse, ApiError> {
    let case = blocking(move || svc.create_case(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(case))
}

#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id")), responses((status = 200, description = "The case", body = Case)))]
#[get("/cases/{id}")]
pub async fn get_case(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Case>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_case(&auth.0, id))
        .await
        .map(web::Json)
}

/// Change a case's fields. Fields left out stay as they are; `null` clears one.
#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id")), request_body = CasePatch,
    responses((status = 200, description = "Updated", body = Case), (status = 409, description = "The case is closed, rejected or merged", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[patch("/cases/{id}")]
pub async fn update_case(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<CasePatch>,
) -> Result<web::Json<Case>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_case(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Move a case to another status, as the status machine allows.
#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id")), request_body = StatusChange,
    responses((status = 200, description = "Moved", body = Case), (status = 409, description = "The status machine refuses this move", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/status")]
pub async fn change_status(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<StatusChange>,
) -> Result<web::Json<Case>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.change_status(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// The case's stream: public messages, internal notes and system events, oldest first.
#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id"), PageQuery),
    responses((status = 200, description = "A page of the stream", body = StreamPage)))]
#[get("/cases/{id}/stream")]
pub async fn stream(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<web::Json<StreamPage>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.stream(&auth.0, id, &q))
        .await
        .map(web::Json)
}

/// Post a public reply or an internal note.
#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id")), request_body = NewStreamEntry,
    responses((status = 201, description = "Posted", body = StreamEntry), (status = 409, description = "The case was merged", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/stream")]
pub async fn add_stream_entry(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<NewStreamEntry>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let entry = blocking(move || svc.add_stream_entry(&auth.0, id, &body)).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Let a suggested follow-up into its case: a mail whose headers named this case but whose
/// sender was not a participant was filed as an internal entry (`thread_rule` `suggested`).
/// Accepting makes it the sender's public message and the sender a contact of the case; a case
/// waiting on the customer opens.
#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id"),
        ("entry_id" = i64, Path, description = "The suggested entry")),
    responses((status = 200, description = "Accepted; the entry as it is now", body = StreamEntry),
        (status = 409, description = "The entry is not a suggested follow-up (any more)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/stream/{entry_id}/accept")]
pub async fn accept_suggested(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<web::Json<StreamEntry>, ApiError> {
    let (id, entry) = path.into_inner();
    blocking(move || svc.accept_suggested(&auth.0, id, entry))
        .await
        .map(web::Json)
}

/// Start a new case from a suggested follow-up (its subject, text and sender); the entry stays
/// on this case as an internal record (`thread_rule` `split`).
#[utoipa::path(tag = "cases", params(("id" = i64, Path, description = "Case id"),
        ("entry_id" = i64, Path, description = "The suggested entry")),
    responses((status = 201, description = "The new case", body = Case),
        (status = 409, description = "The entry is not a suggested follow-up (any more)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/stream/{entry_id}/split")]
pub async fn split_suggested(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, entry) = path.into_inner();
    let case = blocking(move || svc.split_suggested(&auth.0, id, entry)).await?;
    Ok(HttpResponse::Created().json(case))
}
