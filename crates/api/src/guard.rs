//! Input no backend can store: U+0000 in text. PostgreSQL refuses it (it would surface as a
//! 500) and SQLite would keep it, so it is refused here, the same way on both, before any
//! handler runs.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt;

use crate::error::{problem, problem_response};

/// Whether JSON text contains the escape `\u0000` (not an escaped backslash followed by `u0000`).
pub fn json_has_nul(body: &[u8]) -> bool {
    let needle = b"u0000";
    let mut i = 0;
    while let Some(pos) = body[i..].windows(needle.len()).position(|w| w == needle) {
        let at = i + pos;
        let backslashes = body[..at].iter().rev().take_while(|b| **b == b'\\').count();
        if backslashes % 2 == 1 {
            return true;
        }
        i = at + 1;
    }
    false
}

fn refuse(req: ServiceRequest, field: &str) -> ServiceResponse<actix_web::body::BoxBody> {
    let mut p = problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        "The request has invalid fields",
        Some("text must not contain NUL (U+0000) characters".into()),
    );
    p.errors = Some(
        [(
            field.to_owned(),
            vec!["must not contain NUL (U+0000) characters".to_owned()],
        )]
        .into(),
    );
    req.into_response(problem_response(&p))
}

pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.query_string().to_ascii_lowercase().contains("%00") {
        return Ok(refuse(req, "query").map_into_right_body());
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        let limit = crate::startup::json_limit(&req);
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                // Let the JSON extractor answer 413 as usual: hand it a body one byte too long.
                body.extend_from_slice(&chunk);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        if json_has_nul(&body) {
            return Ok(refuse(req, "body").map_into_right_body());
        }
        let bytes: Bytes = body.freeze();
        req.set_payload(Payload::from(bytes));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::json_has_nul;

    #[test]
    fn finds_escaped_nul_only() {
        assert!(json_has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"\\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"u0000"}"#));
        assert!(!json_has_nul(b"{}"));
    }
}
