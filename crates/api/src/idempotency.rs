//! `Idempotency-Key` on POST requests: a client that retries a creating request (after a
//! timeout, a dropped connection) with the same key gets the first answer again instead of a
//! second case. The same key with a different request is refused (422). The key's claim, the
//! change and the kept answer commit in one transaction (a unit of work, see
//! `helpdesk_store::unit`): a crash leaves nothing or everything, so a retry after a crash either
//! runs the request or replays its answer. A retry while the first request is still running
//! waits for it and replays its answer. Keys belong to the signed-in user and last 24 hours.
//! Sign-in requests are left alone (a replayed token pair would defeat refresh rotation).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use helpdesk_service::idempotency::{valid_key, Begin};
use helpdesk_service::Services;
use sha2::{Digest, Sha256};

use crate::error::{problem, problem_response};
use crate::extract::{authenticate, bearer_token, blocking, UNIT};
use crate::ApiError;
use helpdesk_api_types::ProblemType;
use helpdesk_service::AppError;

pub const HEADER: &str = "idempotency-key";
/// Set on an answer that was replayed.
pub const REPLAYED: &str = "idempotent-replayed";

fn refuse(req: ServiceRequest, status: StatusCode, detail: &str) -> ServiceResponse<BoxBody> {
    let kind = if status == StatusCode::CONFLICT {
        ProblemType::IdempotencyInFlight
    } else {
        ProblemType::Validation
    };
    let mut p = problem(kind, Some(detail.to_owned()));
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        p.errors = Some([("Idempotency-Key".to_owned(), vec![detail.to_owned()])].into());
    }
    req.into_response(problem_response(&p))
}

pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(HEADER) {
        Some(v) if req.method() == Method::POST && !req.path().starts_with("/api/v1/auth/") => {
            v.to_str().unwrap_or_default().to_owned()
        }
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if !valid_key(&key) {
        return Ok(refuse(
            req,
            StatusCode::UNPROCESSABLE_ENTITY,
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    let Some(services) = req.app_data::<web::Data<Services>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let bearer = bearer_token(req.headers()).map(str::to_owned);
    // Without a valid caller the handler answers 401 as usual; nothing is remembered.
    let principal = match bearer {
        Some(b) => match authenticate(services.clone(), b).await {
            Ok(actor) => format!("user:{}", actor.user_id),
            Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
        },
        None => return Ok(next.call(req).await?.map_into_boxed_body()),
    };

    // The whole body, to fingerprint the request and hand it on unchanged.
    let limit = services.files.max_bytes() as usize + (1 << 20);
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            let p = problem(
                ProblemType::TooLarge,
                Some(format!("at most {limit} bytes")),
            );
            return Ok(req.into_response(problem_response(&p)));
        }
        body.extend_from_slice(&chunk);
    }
    let body: Bytes = body.freeze();
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update(b" ");
    h.update(req.uri().to_string());
    h.update(b"\n");
    h.update(&body);
    let fingerprint = hex::encode(h.finalize());

    // One unit of work from here: the claim, the handler's change and the answer commit
    // together, or none of them does.
    let unit = helpdesk_store::Unit::new(&services.db);
    let (svc, p, k, f) = (
        services.clone(),
        principal.clone(),
        key.clone(),
        fingerprint,
    );
    let begin = UNIT
        .scope(
            unit.clone(),
            blocking(move || svc.idempotency_begin(&p, &k, &f)),
        )
        .await;
    let begin = match begin {
        Ok(Begin::Run) => None,
        Ok(other) => Some(Ok(other)),
        Err(e) => Some(Err(e)),
    };
    if let Some(answer) = begin {
        rollback(unit).await;
        return Ok(match answer {
            Err(e) => req.into_response(actix_web::ResponseError::error_response(&e)),
            Ok(Begin::Replay {
                status,
                content_type,
                body,
            }) => {
                let mut resp = HttpResponse::build(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                );
                if let Some(ct) = content_type {
                    resp.insert_header((header::CONTENT_TYPE, ct));
                }
                resp.insert_header((HeaderName::from_static(REPLAYED), "true"));
                req.into_response(resp.body(body))
            }
            Ok(Begin::Mismatch) => refuse(
                req,
                StatusCode::UNPROCESSABLE_ENTITY,
                "was already used with a different request; use a new key for a new request",
            ),
            Ok(_) => refuse(
                req,
                StatusCode::CONFLICT,
                "the first request with this key has not finished; retry later",
            ),
        });
    }

    req.set_payload(Payload::from(body));
    let res = UNIT.scope(unit.clone(), next.call(req)).await;
    let res = match res {
        Ok(r) => r,
        Err(e) => {
            rollback(unit).await;
            return Err(e);
        }
    };
    let status = res.status();
    if status.is_server_error() {
        // Nothing of it stays, the key included: a retry runs it again.
        rollback(unit).await;
        return Ok(res.map_into_boxed_body());
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (req, res) = res.into_parts();
    let (res, resp_body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(resp_body)
        .await
        .unwrap_or_else(|_| Bytes::new());
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (svc, p, k, ct, t) = (services, principal, key, content_type, text);
    let committed = UNIT
        .scope(
            unit.clone(),
            blocking(move || svc.idempotency_finish(&p, &k, status.as_u16(), ct.as_deref(), &t)),
        )
        .await
        .map_err(|e| e.0);
    let committed = match committed {
        Ok(()) => {
            let u = unit.clone();
            web::block(move || u.commit())
                .await
                .map_err(|e| AppError::failed("commit task", e))
                .and_then(|r| r.map_err(AppError::from))
        }
        Err(e) => Err(e),
    };
    if let Err(e) = committed {
        // The change did not happen: say so, instead of the answer that described it.
        rollback(unit).await;
        let e = ApiError(e);
        let resp = actix_web::ResponseError::error_response(&e);
        return Ok(ServiceResponse::new(req, resp));
    }
    let mut res = res.set_body(BoxBody::new(bytes));
    res.headers_mut().insert(
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("false"),
    );
    Ok(ServiceResponse::new(req, res))
}

/// Undoes a unit of work, on a blocking thread.
async fn rollback(unit: helpdesk_store::Unit) {
    match web::block(move || unit.rollback()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "rolling a unit of work back failed"),
        Err(e) => tracing::error!(error = %e, "rolling a unit of work back panicked"),
    }
}
