//! `Idempotency-Key` on POST requests: a client that retries a creating request (after a
//! timeout, a dropped connection) with the same key gets the first answer again instead of a
//! second case. The same key with a different request is refused (422); a key whose first
//! request is still running answers 409. Keys belong to the signed-in user and last 24 hours.
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
use crate::extract::{authenticate, bearer_token, blocking};

pub const HEADER: &str = "idempotency-key";
/// Set on an answer that was replayed.
pub const REPLAYED: &str = "idempotent-replayed";

fn refuse(req: ServiceRequest, status: StatusCode, detail: &str) -> ServiceResponse<BoxBody> {
    let mut p = problem(
        status,
        if status == StatusCode::CONFLICT {
            "idempotency-in-flight"
        } else {
            "validation"
        },
        if status == StatusCode::CONFLICT {
            "A request with this Idempotency-Key is still being handled"
        } else {
            "The request has invalid fields"
        },
        Some(detail.to_owned()),
    );
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
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The request is too large",
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

    let (svc, p, k, f) = (
        services.clone(),
        principal.clone(),
        key.clone(),
        fingerprint,
    );
    let begin = match blocking(move || svc.idempotency_begin(&p, &k, &f)).await {
        Ok(b) => b,
        Err(e) => return Ok(req.into_response(actix_web::ResponseError::error_response(&e))),
    };
    match begin {
        Begin::Replay {
            status,
            content_type,
            body,
        } => {
            let mut resp = HttpResponse::build(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let Some(ct) = content_type {
                resp.insert_header((header::CONTENT_TYPE, ct));
            }
            resp.insert_header((HeaderName::from_static(REPLAYED), "true"));
            return Ok(req.into_response(resp.body(body)));
        }
        Begin::Mismatch => {
            return Ok(refuse(
                req,
                StatusCode::UNPROCESSABLE_ENTITY,
                "was already used with a different request; use a new key for a new request",
            ))
        }
        Begin::InFlight => {
            return Ok(refuse(
                req,
                StatusCode::CONFLICT,
                "the first request with this key has not finished; retry later",
            ))
        }
        Begin::Run => {}
    }

    req.set_payload(Payload::from(body));
    let res = next.call(req).await;
    let res = match res {
        Ok(r) => r,
        Err(e) => {
            let (svc, p, k) = (services.clone(), principal.clone(), key.clone());
            let _ = blocking(move || svc.idempotency_abandon(&p, &k)).await;
            return Err(e);
        }
    };
    let status = res.status();
    if status.is_server_error() {
        let (svc, p, k) = (services, principal, key);
        let _ = blocking(move || svc.idempotency_abandon(&p, &k)).await;
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
    let stored =
        blocking(move || svc.idempotency_finish(&p, &k, status.as_u16(), ct.as_deref(), &t)).await;
    if let Err(e) = stored {
        tracing::error!(error = %e.0, "could not keep the answer of an idempotent request");
    }
    let mut res = res.set_body(BoxBody::new(bytes));
    res.headers_mut().insert(
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("false"),
    );
    Ok(ServiceResponse::new(req, res))
}
