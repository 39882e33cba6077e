//! Group mailboxes (admins) and the inbound endpoint that MTA pipes and inbound-mail services
//! post raw messages to.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use helpdesk_api_types::mailboxes::{
    InboundResult, InboundToken, Mailbox, MailboxCreated, MailboxInput, ReceivedMail,
    ReceivedMailPage, ReceivedMailQuery,
};
use helpdesk_api_types::notifications::{OutgoingMail, OutgoingMailPage, OutgoingMailQuery};
use helpdesk_service::{AppError, Services};

use crate::extract::{blocking, Auth};
use crate::ApiError;

#[utoipa::path(tag = "mailboxes",
    responses((status = 200, description = "Every mailbox", body = [Mailbox])))]
#[get("/mailboxes")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<Mailbox>>, ApiError> {
    blocking(move || svc.list_mailboxes(&auth.0))
        .await
        .map(web::Json)
}

/// Add a mailbox. The answer carries the token of its inbound endpoint, shown this once.
/// Passwords are stored encrypted (`HELPDESK_ENCRYPTION_KEY`) and never returned.
#[utoipa::path(tag = "mailboxes", request_body = MailboxInput,
    responses((status = 201, description = "Created", body = MailboxCreated)))]
#[post("/mailboxes")]
pub async fn create(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<MailboxInput>,
) -> Result<HttpResponse, ApiError> {
    let created = blocking(move || svc.create_mailbox(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "mailboxes", params(("id" = i64, Path, description = "Mailbox id")),
    responses((status = 200, description = "The mailbox", body = Mailbox)))]
#[get("/mailboxes/{id}")]
pub async fn get(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Mailbox>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_mailbox(&auth.0, id))
        .await
        .map(web::Json)
}

/// Replace a mailbox's settings; a password left out keeps the stored one.
#[utoipa::path(tag = "mailboxes", params(("id" = i64, Path, description = "Mailbox id")), request_body = MailboxInput,
    responses((status = 200, description = "Saved", body = Mailbox)))]
#[put("/mailboxes/{id}")]
pub async fn replace(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<MailboxInput>,
) -> Result<web::Json<Mailbox>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_mailbox(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// A new inbound token for the mailbox; the old one stops working at once.
#[utoipa::path(tag = "mailboxes", params(("id" = i64, Path, description = "Mailbox id")),
    responses((status = 200, description = "The new token", body = InboundToken)))]
#[post("/mailboxes/{id}/inbound-token")]
pub async fn rotate_token(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<InboundToken>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.rotate_inbound_token(&auth.0, id))
        .await
        .map(web::Json)
}

/// Deliver one raw RFC 822 message to a mailbox (for MTA pipes and inbound-mail services).
/// Authorized by the mailbox's inbound token (`Authorization: Bearer …`), not a user's. The
/// message is stored before it is processed; the same Message-ID twice changes nothing.
#[utoipa::path(tag = "mailboxes", params(("id" = i64, Path, description = "Mailbox id")),
    request_body(content = String, content_type = "message/rfc822", description = "The message as received"),
    security(("mailbox_token" = [])),
    responses((status = 200, description = "What became of the message", body = InboundResult),
        (status = 401, description = "Missing or wrong inbound token", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the attachment limit", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/inbound/mailboxes/{id}/messages")]
pub async fn inbound(
    req: HttpRequest,
    svc: web::Data<Services>,
    id: web::Path<i64>,
    mut payload: web::Payload,
) -> Result<web::Json<InboundResult>, ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    if token.is_none() {
        return Err(ApiError(AppError::Unauthorized(
            "the mailbox's inbound token is required".into(),
        )));
    }
    let limit = helpdesk_service::email::raw_mail_limit(svc.files.max_bytes()) as usize;
    let mut raw = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError(AppError::field("body", e.to_string())))?;
        if raw.len() + chunk.len() > limit {
            return Err(ApiError(AppError::TooLarge(format!(
                "the message is larger than the limit of {limit} bytes"
            ))));
        }
        raw.extend_from_slice(&chunk);
    }
    let id = id.into_inner();
    blocking(move || svc.receive_inbound(id, token.as_deref(), &raw))
        .await
        .map(web::Json)
}

/// Received mail that needs an admin (by default): messages whose processing failed every retry,
/// with the reason, and those waiting for the next retry; `problems=false` lists every received
/// message, newest first.
#[utoipa::path(tag = "mailboxes", params(ReceivedMailQuery),
    responses((status = 200, description = "A page of received messages", body = ReceivedMailPage)))]
#[get("/received-mail")]
pub async fn received(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ReceivedMailQuery>,
) -> Result<web::Json<ReceivedMailPage>, ApiError> {
    blocking(move || svc.list_received_mail(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Process a received message that failed every retry again (admins): it goes back to the queue
/// due at once with a fresh count of attempts.
#[utoipa::path(tag = "mailboxes", params(("id" = i64, Path, description = "Received message id")),
    responses((status = 200, description = "Queued again", body = ReceivedMail),
        (status = 404, description = "No such message", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 409, description = "It did not fail (waiting, or processed)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/received-mail/{id}/retry")]
pub async fn retry_received(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<ReceivedMail>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.retry_received_mail(&auth.0, id))
        .await
        .map(web::Json)
}

/// The outgoing-mail queue, newest first (admins): notifications, replies and auto-replies with
/// where each stands. `problems=true` lists what needs attention: mails that failed, and mails
/// whose delivery is unknown because a worker was cut off while handing them to the server.
#[utoipa::path(tag = "mailboxes", params(OutgoingMailQuery),
    responses((status = 200, description = "A page of outgoing mails", body = OutgoingMailPage)))]
#[get("/outgoing-mail")]
pub async fn outgoing(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<OutgoingMailQuery>,
) -> Result<web::Json<OutgoingMailPage>, ApiError> {
    blocking(move || svc.list_outgoing_mail(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Send a failed mail, or one whose delivery is unknown, again (admins). It goes back to the
/// queue due at once, with a fresh count of attempts; the change is in the audit trail.
#[utoipa::path(tag = "mailboxes", params(("id" = i64, Path, description = "Outgoing mail id")),
    responses((status = 200, description = "Queued again", body = OutgoingMail),
        (status = 404, description = "No such mail", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not failed and not unknown (queued, being sent, or sent)", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/outgoing-mail/{id}/resend")]
pub async fn resend(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<OutgoingMail>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.resend_mail(&auth.0, id))
        .await
        .map(web::Json)
}
