//! Webhook subscriptions and their delivery log (admins); the event catalog (agents too).

use actix_web::{delete, get, post, put, web, HttpResponse};
use helpdesk_api_types::webhooks::{
    DeliveryQuery, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryPage,
    WebhookEventTypeInfo, WebhookInput, WebhookSubscription,
};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Every event type a subscription can receive, with the schema of its `data`. Each delivery
/// is a `WebhookEvent` signed per the Standard Webhooks convention (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`).
#[utoipa::path(tag = "webhooks",
    responses((status = 200, description = "The event catalog", body = [WebhookEventTypeInfo])))]
#[get("/webhooks/event-types")]
pub async fn event_types(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<WebhookEventTypeInfo>>, ApiError> {
    blocking(move || svc.webhook_event_types(&auth.0))
        .await
        .map(web::Json)
}

/// Every subscription.
#[utoipa::path(tag = "webhooks",
    responses((status = 200, description = "Every subscription", body = [WebhookSubscription])))]
#[get("/webhooks")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<WebhookSubscription>>, ApiError> {
    blocking(move || svc.list_webhooks(&auth.0))
        .await
        .map(web::Json)
}

/// Subscribe a URL. The answer carries the signing secret (`whsec_…`); keep it.
#[utoipa::path(tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, description = "Created, with its secret", body = WebhookSubscription)))]
#[post("/webhooks")]
pub async fn create(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let created = blocking(move || svc.create_webhook(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = WebhookSubscription)))]
#[get("/webhooks/{id}")]
pub async fn get(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<WebhookSubscription>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_webhook(&auth.0, id))
        .await
        .map(web::Json)
}

/// Replace a subscription's settings; `active: true` turns a disabled one back on.
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id")),
    request_body = WebhookInput,
    responses((status = 200, description = "Saved", body = WebhookSubscription)))]
#[put("/webhooks/{id}")]
pub async fn replace(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<WebhookInput>,
) -> Result<web::Json<WebhookSubscription>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_webhook(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Remove a subscription and its delivery log.
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/webhooks/{id}")]
pub async fn remove(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_webhook(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret, in the answer; the old one stops working at once.
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription with its new secret", body = WebhookSubscription)))]
#[post("/webhooks/{id}/secret")]
pub async fn rotate_secret(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<WebhookSubscription>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.rotate_webhook_secret(&auth.0, id))
        .await
        .map(web::Json)
}

/// Send a `ping` event to the subscription's URL.
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 202, description = "Queued", body = WebhookDelivery)))]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let queued = blocking(move || svc.ping_webhook(&auth.0, id)).await?;
    Ok(HttpResponse::Accepted().json(queued))
}

/// The subscription's deliveries, newest first: status, last answer, latency, attempts.
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id"), DeliveryQuery),
    responses((status = 200, description = "A page of deliveries", body = WebhookDeliveryPage)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<DeliveryQuery>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.webhook_deliveries(&auth.0, id, &q))
        .await
        .map(web::Json)
}

/// One delivery with its body and every attempt.
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id"),
        ("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery", body = WebhookDeliveryDetail)))]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
pub async fn delivery(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<web::Json<WebhookDeliveryDetail>, ApiError> {
    let (id, delivery_id) = path.into_inner();
    blocking(move || svc.webhook_delivery(&auth.0, id, delivery_id))
        .await
        .map(web::Json)
}

/// Send a delivery again (same `webhook-id`, a fresh timestamp and signature).
#[utoipa::path(tag = "webhooks", params(("id" = i64, Path, description = "Subscription id"),
        ("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = WebhookDelivery)))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let queued = blocking(move || svc.redeliver_webhook(&auth.0, id, delivery_id)).await?;
    Ok(HttpResponse::Accepted().json(queued))
}
