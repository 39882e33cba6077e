use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An RFC 9457 problem document: every error the API returns has this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: each offending field and what is wrong with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// Every kind of problem the API answers with, in one place: its status, its `type` (a URI
/// under `/problems/`) and its title. A client may branch on the `type`; the `detail` says what
/// happened this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    /// 400: the body or query string could not be read.
    MalformedRequest,
    /// 401: no valid credentials.
    Unauthorized,
    /// 401: the password was right; the code from the authenticator app is needed too.
    SecondFactorRequired,
    /// 401: the role requires two-factor sign-in, which this account has not set up yet.
    SecondFactorSetupRequired,
    /// 403: signed in, but not allowed.
    Forbidden,
    /// 404
    NotFound,
    /// 409: the change contradicts the current state.
    Conflict,
    /// 409: the status machine refuses the move.
    InvalidTransition,
    /// 409: a request with the same `Idempotency-Key` is still being handled.
    IdempotencyInFlight,
    /// 413
    TooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 422: fields break their rules; `errors` names each.
    Validation,
    /// 429: too many requests or attempts; `Retry-After` says when to try again.
    TooManyRequests,
    /// 500: a fault of the server (its cause is in the server's log, never in the answer).
    Internal,
    /// 502: an outside service (the company registry, an identity provider) failed.
    Upstream,
    /// 503: a feature that is not set up on this server.
    Unavailable,
    /// 503: the database is not answering; nothing was changed.
    DatabaseUnavailable,
}

impl ProblemType {
    pub const ALL: &'static [ProblemType] = &[
        ProblemType::MalformedRequest,
        ProblemType::Unauthorized,
        ProblemType::SecondFactorRequired,
        ProblemType::SecondFactorSetupRequired,
        ProblemType::Forbidden,
        ProblemType::NotFound,
        ProblemType::Conflict,
        ProblemType::InvalidTransition,
        ProblemType::IdempotencyInFlight,
        ProblemType::TooLarge,
        ProblemType::UnsupportedMediaType,
        ProblemType::Validation,
        ProblemType::TooManyRequests,
        ProblemType::Internal,
        ProblemType::Upstream,
        ProblemType::Unavailable,
        ProblemType::DatabaseUnavailable,
    ];

    /// (status, slug, title)
    fn parts(self) -> (u16, &'static str, &'static str) {
        use ProblemType::*;
        match self {
            MalformedRequest => (400, "malformed-request", "The request could not be read"),
            Unauthorized => (401, "unauthorized", "Authentication required"),
            SecondFactorRequired => (
                401,
                "second-factor-required",
                "A code from the authenticator app is required",
            ),
            SecondFactorSetupRequired => (
                401,
                "second-factor-setup-required",
                "Two-factor sign-in must be set up",
            ),
            Forbidden => (403, "forbidden", "Forbidden"),
            NotFound => (404, "not-found", "Not found"),
            Conflict => (409, "conflict", "Conflict"),
            InvalidTransition => (409, "invalid-transition", "Status change not allowed"),
            IdempotencyInFlight => (
                409,
                "idempotency-in-flight",
                "A request with this Idempotency-Key is still being handled",
            ),
            TooLarge => (413, "too-large", "The request is too large"),
            UnsupportedMediaType => (
                415,
                "unsupported-media-type",
                "Send the body as application/json",
            ),
            Validation => (422, "validation", "The request has invalid fields"),
            TooManyRequests => (429, "too-many-requests", "Too many requests"),
            Internal => (500, "internal", "Internal error"),
            Upstream => (502, "upstream", "An outside service failed"),
            Unavailable => (503, "unavailable", "Not available"),
            DatabaseUnavailable => (503, "database-unavailable", "Temporarily unavailable"),
        }
    }

    pub fn status(self) -> u16 {
        self.parts().0
    }

    /// The last part of the `type` URI (`not-found`).
    pub fn slug(self) -> &'static str {
        self.parts().1
    }

    pub fn title(self) -> &'static str {
        self.parts().2
    }

    /// The `type` of its problem documents (`/problems/not-found`).
    pub fn uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    /// A problem document of this kind.
    pub fn with(self, detail: Option<String>) -> Problem {
        Problem {
            problem_type: self.uri(),
            title: self.title().to_owned(),
            status: self.status(),
            detail,
            errors: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProblemType;

    #[test]
    fn each_kind_has_its_own_type_and_a_fitting_status() {
        let mut slugs: Vec<&str> = ProblemType::ALL.iter().map(|p| p.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len(), "one type per kind");
        for p in ProblemType::ALL {
            assert!((400..600).contains(&p.status()), "{p:?}");
            assert!(p.uri().starts_with("/problems/"));
        }
        let p = ProblemType::TooManyRequests.with(Some("try again in 30 seconds".into()));
        assert_eq!(
            (p.status, p.problem_type.as_str()),
            (429, "/problems/too-many-requests")
        );
    }
}
