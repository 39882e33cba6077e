//! Business-hour calendars and SLA policies (admins write, agents read).

use actix_web::{delete, get, post, put, web, HttpResponse};
use helpdesk_api_types::sla::{Calendar, CalendarInput, SlaPolicy, SlaPolicyInput};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

#[utoipa::path(tag = "sla",
    responses((status = 200, description = "Every calendar", body = [Calendar])))]
#[get("/calendars")]
pub async fn list_calendars(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<Calendar>>, ApiError> {
    blocking(move || svc.list_calendars(&auth.0))
        .await
        .map(web::Json)
}

/// Add a calendar: working intervals per weekday (Monday first) in an IANA time zone, and
/// holidays.
#[utoipa::path(tag = "sla", request_body = CalendarInput,
    responses((status = 201, description = "Created", body = Calendar)))]
#[post("/calendars")]
pub async fn create_calendar(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<CalendarInput>,
) -> Result<HttpResponse, ApiError> {
    let created = blocking(move || svc.create_calendar(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "sla", params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 200, description = "The calendar", body = Calendar)))]
#[get("/calendars/{id}")]
pub async fn get_calendar(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Calendar>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_calendar(&auth.0, id))
        .await
        .map(web::Json)
}

/// Replace a calendar. The worker then computes the clocks of every open case again.
#[utoipa::path(tag = "sla", params(("id" = i64, Path, description = "Calendar id")), request_body = CalendarInput,
    responses((status = 200, description = "Saved", body = Calendar)))]
#[put("/calendars/{id}")]
pub async fn replace_calendar(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<CalendarInput>,
) -> Result<web::Json<Calendar>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_calendar(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Delete a calendar no policy uses (409 when one does).
#[utoipa::path(tag = "sla", params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/calendars/{id}")]
pub async fn delete_calendar(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_calendar(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every SLA policy, in the order they are tried.
#[utoipa::path(tag = "sla",
    responses((status = 200, description = "Every policy", body = [SlaPolicy])))]
#[get("/sla-policies")]
pub async fn list_policies(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<SlaPolicy>>, ApiError> {
    blocking(move || svc.list_sla_policies(&auth.0))
        .await
        .map(web::Json)
}

/// Add an SLA policy. The worker then computes the clocks of every open case again.
#[utoipa::path(tag = "sla", request_body = SlaPolicyInput,
    responses((status = 201, description = "Created", body = SlaPolicy)))]
#[post("/sla-policies")]
pub async fn create_policy(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<SlaPolicyInput>,
) -> Result<HttpResponse, ApiError> {
    let created = blocking(move || svc.create_sla_policy(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "sla", params(("id" = i64, Path, description = "Policy id")),
    responses((status = 200, description = "The policy", body = SlaPolicy)))]
#[get("/sla-policies/{id}")]
pub async fn get_policy(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<SlaPolicy>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_sla_policy(&auth.0, id))
        .await
        .map(web::Json)
}

/// Replace an SLA policy. The worker then computes the clocks of every open case again.
#[utoipa::path(tag = "sla", params(("id" = i64, Path, description = "Policy id")), request_body = SlaPolicyInput,
    responses((status = 200, description = "Saved", body = SlaPolicy)))]
#[put("/sla-policies/{id}")]
pub async fn replace_policy(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<SlaPolicyInput>,
) -> Result<web::Json<SlaPolicy>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_sla_policy(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "sla", params(("id" = i64, Path, description = "Policy id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/sla-policies/{id}")]
pub async fn delete_policy(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_sla_policy(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
