//! Every error leaves as an RFC 9457 problem document.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use helpdesk_api_types::{Problem, ProblemType};
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

/// A problem document of `kind` (its status, type and title are the kind's).
pub fn problem(kind: ProblemType, detail: Option<String>) -> Problem {
    kind.with(detail)
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
        ProblemType::NotFound,
        Some(format!("{what} not found")),
            ),
            Unauthorized(why) => problem(
        ProblemType::Unauthorized,
        Some(why.clone()),
            ),
            SecondFactor { setup: false } => problem(
        ProblemType::SecondFactorRequired,
        Some("send `otp`: the six-digit code of the authenticator app, or a recovery code".into()),
            ),
            SecondFactor { setup: true } => problem(
        ProblemType::SecondFactorSetupRequired,
        Some("your role requires two-factor sign-in: enrol with POST /api/v1/auth/two-factor/enrolment, then sign in with `otp`, a code of the new secret".into()),
            ),
            Forbidden(why) => problem(
        ProblemType::Forbidden,
        Some(why.clone()),
            ),
            Validation(fields) => Problem {
                errors: Some(fields.clone()),
                ..problem(
        ProblemType::Validation,
        Some(format!(
                        "check {}",
                        fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                )
            },
            Conflict(why) => problem(
        ProblemType::Conflict,
        Some(why.clone()),
            ),
            Transition(why) => problem(
        ProblemType::InvalidTransition,
        Some(why.clone()),
            ),
            TooLarge(why) => problem(
        ProblemType::TooLarge,
        Some(why.clone()),
            ),
            TooManyRequests {
                retry_after_seconds,
            } => problem(
        ProblemType::TooManyRequests,
        Some(format!("try again in {retry_after_seconds} seconds")),
            ),
            Unavailable(why) => problem(
        ProblemType::Unavailable,
        Some(why.clone()),
            ),
            Upstream(why) => problem(
        ProblemType::Upstream,
        Some(why.clone()),
            ),
            DatabaseUnavailable(_) => problem(
        ProblemType::DatabaseUnavailable,
        Some(format!(
                    "the database is not answering; nothing was changed, try again in {DATABASE_RETRY_SECONDS} seconds"
                )),
            ),
            Internal(_) | Failed { .. } => problem(
        ProblemType::Internal,
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
            e @ (AppError::Internal(_) | AppError::Failed { .. }) => {
                tracing::error!(cause = %helpdesk_service::error::chain(e), "request failed");
            }
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
    let p = problem(ProblemType::MalformedRequest, Some(detail));
    actix_web::error::InternalError::from_response("malformed request", problem_response(&p)).into()
}
