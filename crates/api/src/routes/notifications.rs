//! The caller's in-app notifications and notification settings. Every role has them; each user
//! only ever sees their own.

use actix_web::{get, post, put, web, HttpResponse};
use helpdesk_api_types::notifications::{
    MarkedRead, NotificationPage, NotificationQuery, NotificationSettings, UnreadCount,
};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// The caller's notifications, newest first.
#[utoipa::path(tag = "notifications", params(NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationPage)))]
#[get("/notifications")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<NotificationQuery>,
) -> Result<web::Json<NotificationPage>, ApiError> {
    blocking(move || svc.list_notifications(&auth.0, &q))
        .await
        .map(web::Json)
}

/// How many of the caller's notifications are unread.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "The count", body = UnreadCount)))]
#[get("/notifications/unread-count")]
pub async fn unread(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<UnreadCount>, ApiError> {
    blocking(move || svc.unread_notifications(&auth.0))
        .await
        .map(web::Json)
}

/// Mark one notification read (again is harmless).
#[utoipa::path(tag = "notifications", params(("id" = i64, Path, description = "Notification id")),
    responses((status = 204, description = "Read"), (status = 404, description = "No such notification of the caller", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/notifications/{id}/read")]
pub async fn mark_read(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.mark_notification_read(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mark every notification of the caller read.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "How many were unread", body = MarkedRead)))]
#[post("/notifications/read-all")]
pub async fn mark_all_read(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<MarkedRead>, ApiError> {
    blocking(move || svc.mark_all_notifications_read(&auth.0))
        .await
        .map(web::Json)
}

/// The caller's notification settings: which kinds arrive in the app and by email, and
/// whether they follow every new case.
#[utoipa::path(tag = "notifications",
    responses((status = 200, description = "The settings", body = NotificationSettings)))]
#[get("/me/notification-settings")]
pub async fn get_settings(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<NotificationSettings>, ApiError> {
    blocking(move || svc.notification_settings(&auth.0))
        .await
        .map(web::Json)
}

/// Replace the caller's notification settings.
#[utoipa::path(tag = "notifications", request_body = NotificationSettings,
    responses((status = 200, description = "Saved", body = NotificationSettings),
        (status = 422, description = "Portal users cannot auto-follow", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[put("/me/notification-settings")]
pub async fn put_settings(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NotificationSettings>,
) -> Result<web::Json<NotificationSettings>, ApiError> {
    blocking(move || svc.set_notification_settings(&auth.0, &body))
        .await
        .map(web::Json)
}
