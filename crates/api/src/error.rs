//! Every error leaves as an RFC 9457 problem document.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use helpdesk_api_types::Problem;
use helpdesk_service::AppError;

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

pub fn problem(status: StatusCode, slug: &str, title: &str, detail: Option<String>) -> Problem {
    Problem {
        problem_type: format!("/problems/{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        errors: None,
    }
}

pub fn problem_response(p: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = HttpResponse::build(status);
    resp.content_type(PROBLEM_JSON);
    if status == StatusCode::UNAUTHORIZED {
        resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    resp.json(p)
}

impl ApiError {
    pub fn to_problem(&self) -> Problem {
        use AppError::*;
        match &self.0 {
            NotFound(what) => problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!("{what} not found")),
            ),
            Unauthorized(why) => problem(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
                Some(why.clone()),
            ),
            SecondFactor { setup: false } => problem(
                StatusCode::UNAUTHORIZED,
                "second-factor-required",
                "A code from the authenticator app is required",
                Some("send `otp`: the six-digit code of the authenticator app, or a recovery code".into()),
            ),
            SecondFactor { setup: true } => problem(
                StatusCode::UNAUTHORIZED,
                "second-factor-setup-required",
                "Two-factor sign-in must be set up",
                Some("your role requires two-factor sign-in: enrol with POST /api/v1/auth/two-factor/enrolment, then sign in with `otp`, a code of the new secret".into()),
            ),
            Forbidden(why) => problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                Some(why.clone()),
            ),
            Validation(fields) => Problem {
                errors: Some(fields.clone()),
                ..problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    "The request has invalid fields",
                    Some(format!(
                        "check {}",
                        fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                )
            },
            Conflict(why) => problem(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                Some(why.clone()),
            ),
            Transition(why) => problem(
                StatusCode::CONFLICT,
                "invalid-transition",
                "Status change not allowed",
                Some(why.clone()),
            ),
            TooLarge(why) => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Too large",
                Some(why.clone()),
            ),
            TooManyRequests {
                retry_after_seconds,
            } => problem(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many attempts",
                Some(format!("try again in {retry_after_seconds} seconds")),
            ),
            Unavailable(why) => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Not available",
                Some(why.clone()),
            ),
            Upstream(why) => problem(
                StatusCode::BAD_GATEWAY,
                "upstream",
                "An outside service failed",
                Some(why.clone()),
            ),
            DatabaseUnavailable(_) => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "database-unavailable",
                "Temporarily unavailable",
                Some(format!(
                    "the database is not answering; nothing was changed, try again in {DATABASE_RETRY_SECONDS} seconds"
                )),
            ),
            Internal(_) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                None,
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.to_problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match &self.0 {
            // The cause goes to the log, never to the client.
            AppError::Internal(cause) => tracing::error!(%cause, "request failed"),
            AppError::DatabaseUnavailable(cause) => {
                tracing::warn!(%cause, "request refused: database unavailable");
            }
            _ => {}
        }
        let mut resp = problem_response(&self.to_problem());
        let retry_after = match &self.0 {
            AppError::TooManyRequests {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            AppError::DatabaseUnavailable(_) => Some(DATABASE_RETRY_SECONDS),
            _ => None,
        };
        if let Some(Ok(v)) = retry_after.map(|s| header::HeaderValue::from_str(&s.to_string())) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// What `Retry-After` says while the database is not answering.
pub const DATABASE_RETRY_SECONDS: u64 = 5;

/// Malformed bodies and query strings: 400 with serde's description of what is wrong.
pub fn bad_request(detail: String) -> actix_web::Error {
    let p = problem(
        StatusCode::BAD_REQUEST,
        "malformed-request",
        "The request could not be read",
        Some(detail),
    );
    actix_web::error::InternalError::from_response("malformed request", problem_response(&p)).into()
}
