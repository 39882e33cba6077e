//! Input no backend can store: U+0000 in text. PostgreSQL refuses it (it would surface as a
//! 500) and SQLite would keep it, so it is refused here, the same way on both, before any
//! handler runs, for every body the JSON extractor accepts (`application/json`, `text/json`,
//! any `+json`, in any letter case). The body read here is kept in the request, so that a
//! problem found later (a type error) can name the field it is in: [`path_at`].

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt;

use crate::error::{problem, problem_response};
use helpdesk_api_types::ProblemType;

/// Where JSON text has its first escape `\u0000` (not an escaped backslash followed by `u0000`).
fn first_nul(body: &[u8]) -> Option<usize> {
    let needle = b"u0000";
    let mut i = 0;
    while let Some(pos) = body[i..].windows(needle.len()).position(|w| w == needle) {
        let at = i + pos;
        let backslashes = body[..at].iter().rev().take_while(|b| **b == b'\\').count();
        if backslashes % 2 == 1 {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Whether JSON text contains the escape `\u0000`.
pub fn json_has_nul(body: &[u8]) -> bool {
    first_nul(body).is_some()
}

/// A JSON body as received, kept for naming the field of an error found while reading it.
#[derive(Debug, Clone)]
pub struct RawJson(pub Bytes);

/// Whether the content type is one the JSON extractor takes: `json` as the subtype or the
/// suffix (`application/json`, `text/json`, `application/merge-patch+json`), any case.
pub fn is_json(content_type: &str) -> bool {
    content_type
        .parse::<actix_web::mime::Mime>()
        .is_ok_and(|m| {
            m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON)
        })
}

/// The field at byte `offset` of JSON text, as the API names fields: `subject`,
/// `emails[0]`, `contacts[1].name`; `None` at the top level. The text may be cut short or
/// invalid after `offset` (it is where a parser stopped).
pub fn path_at(body: &[u8], offset: usize) -> Option<String> {
    locate(body, offset, false)
}

/// The object or list enclosing byte `offset` (for a field that is missing or unknown there,
/// named by the parser's message): `contacts[0]`; `None` at the top level.
pub fn container_at(body: &[u8], offset: usize) -> Option<String> {
    locate(body, offset, true)
}

fn locate(body: &[u8], offset: usize, container: bool) -> Option<String> {
    enum Frame {
        Object {
            key: Option<String>,
            expect_key: bool,
        },
        Array(usize),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let end = offset.min(body.len());
    while i < end {
        match body[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object { key, expect_key }) => {
                    *key = None;
                    *expect_key = true;
                }
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < body.len() && body[j] != b'"' {
                    j += if body[j] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        let raw = &body[start..j.min(body.len())];
                        *key = Some(
                            serde_json::from_slice::<String>(&[b"\"", raw, b"\""].concat())
                                .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()),
                        );
                        *expect_key = false;
                    }
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    let innermost = stack.len().saturating_sub(1);
    for (n, frame) in stack.iter().enumerate() {
        match frame {
            Frame::Object { .. } if container && n == innermost => {}
            Frame::Object {
                key: Some(k),
                expect_key: false,
            } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Array(i) => path.push_str(&format!("[{i}]")),
            _ => {}
        }
    }
    (!path.is_empty()).then_some(path)
}

/// The byte offset of serde_json's `line`/`column` (both from 1) in `body`.
pub fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body
        .split_inclusive(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(<[u8]>::len)
        .sum();
    (line_start + column).min(body.len())
}

/// The field holding the first escaped NUL of a JSON body.
fn nul_field(body: &[u8]) -> String {
    first_nul(body)
        .and_then(|at| path_at(body, at))
        .unwrap_or_else(|| "body".to_owned())
}

fn refuse(req: ServiceRequest, field: &str) -> ServiceResponse<actix_web::body::BoxBody> {
    let mut p = problem(
        ProblemType::Validation,
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
        .is_some_and(is_json);
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
            let field = nul_field(&body);
            return Ok(refuse(req, &field).map_into_right_body());
        }
        let bytes: Bytes = body.freeze();
        req.extensions_mut().insert(RawJson(bytes.clone()));
        req.set_payload(Payload::from(bytes));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::{container_at, is_json, json_has_nul, nul_field, offset_of, path_at};

    #[test]
    fn every_json_content_type_is_json() {
        for t in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "text/json",
            "application/merge-patch+json",
            "application/problem+json",
        ] {
            assert!(is_json(t), "{t}");
        }
        for t in [
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            assert!(!is_json(t), "{t}");
        }
    }

    #[test]
    fn names_the_field_at_an_offset() {
        let body = br#"{"subject": 123, "emails": ["a@b.c", 5], "contacts": [{"name": "x"}, {"name": true}]}"#;
        let at = |needle: &str| {
            let i = body
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .unwrap();
            path_at(body, i + needle.len())
        };
        assert_eq!(at("123").as_deref(), Some("subject"));
        assert_eq!(at(", 5").as_deref(), Some("emails[1]"));
        assert_eq!(at("true").as_deref(), Some("contacts[1].name"));
        assert_eq!(path_at(body, 1), None);
        assert_eq!(path_at(br#"{"a\"b": 1"#, 10).as_deref(), Some("a\"b"));
        // serde_json counts columns from 1 up to the last byte it read.
        assert_eq!(offset_of(b"{\n  \"a\": 1}", 2, 4), 6);
        // A field missing from (or unknown in) the second contact, before or after its `}`.
        let body = br#"{"contacts": [{"name": "x"}, {"name": "y"}]}"#;
        assert_eq!(
            container_at(body, body.len() - 3).as_deref(),
            Some("contacts[1]")
        );
        assert_eq!(
            container_at(body, body.len() - 2).as_deref(),
            Some("contacts[1]")
        );
        assert_eq!(container_at(br#"{"a": 1}"#, 7), None);
    }

    #[test]
    fn names_the_field_holding_a_nul() {
        assert_eq!(nul_field(br#"{"subject":"x\u0000y"}"#), "subject");
        assert_eq!(nul_field(br#"{"emails":["ok","b\u0000"]}"#), "emails[1]");
        assert_eq!(nul_field(br#""\u0000""#), "body");
    }

    #[test]
    fn finds_escaped_nul_only() {
        assert!(json_has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"\\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"u0000"}"#));
        assert!(!json_has_nul(b"{}"));
    }
}
