//! The customer portal: a portal user's own cases (and their organization's when allowed),
//! public entries only.

use actix_web::{get, post, web, HttpResponse};
use helpdesk_api_types::cases::{
    PageQuery, PortalCase, PortalCasePage, PortalCloseCase, PortalMessage, PortalNewCase,
    StreamEntry, StreamPage,
};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

#[utoipa::path(tag = "portal", params(PageQuery), responses((status = 200, description = "The caller's cases, newest first", body = PortalCasePage)))]
#[get("/portal/cases")]
pub async fn list_cases(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<PageQuery>,
) -> Result<web::Json<PortalCasePage>, ApiError> {
    blocking(move || svc.portal_list_cases(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Open a case as the signed-in customer. It arrives unassigned in the queue.
#[utoipa::path(tag = "portal", request_body = PortalNewCase, responses((status = 201, description = "Registered", body = PortalCase)))]
#[post("/portal/cases")]
pub async fn create_case(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<PortalNewCase>,
) -> Result<HttpResponse, ApiError> {
    let case = blocking(move || svc.portal_create_case(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(case))
}

#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id")), responses((status = 200, description = "The case", body = PortalCase)))]
#[get("/portal/cases/{id}")]
pub async fn get_case(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<PortalCase>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.portal_get_case(&auth.0, id))
        .await
        .map(web::Json)
}

/// The public part of the case's stream; internal notes and system events are never included.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id"), PageQuery),
    responses((status = 200, description = "Public entries, oldest first", body = StreamPage)))]
#[get("/portal/cases/{id}/stream")]
pub async fn stream(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> Result<web::Json<StreamPage>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.portal_stream(&auth.0, id, &q))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id")), request_body = PortalMessage,
    responses((status = 201, description = "Posted", body = StreamEntry)))]
#[post("/portal/cases/{id}/messages")]
pub async fn post_message(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<PortalMessage>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let entry = blocking(move || svc.portal_post_message(&auth.0, id, &body)).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Close the case as its customer: support need do nothing more. An optional last message is
/// added to the stream first. 409 when the case is already closed or rejected.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id")), request_body = PortalCloseCase,
    responses((status = 200, description = "Closed", body = PortalCase)))]
#[post("/portal/cases/{id}/close")]
pub async fn close_case(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<PortalCloseCase>,
) -> Result<web::Json<PortalCase>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.portal_close_case(&auth.0, id, &body))
        .await
        .map(web::Json)
}
