use std::collections::BTreeMap;

use helpdesk_domain::DomainError;
use helpdesk_store::StoreError;
use thiserror::Error;

/// Field → what is wrong with it.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Why a use case refused or failed. The API turns each into a problem document.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("authentication required: {0}")]
    Unauthorized(String),
    /// The password was right; the account signs in with a second factor too. `setup` when
    /// its role requires one and none is set up yet.
    #[error("a second factor is required")]
    SecondFactor { setup: bool },
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    /// The status machine refused a transition.
    #[error("{0}")]
    Transition(String),
    /// A body or file over a configured size limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("too many attempts; retry in {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u64 },
    /// A service we depend on is not set up (e.g. no registry provider configured).
    #[error("{0}")]
    Unavailable(String),
    /// A service we depend on answered badly or not at all.
    #[error("{0}")]
    Upstream(String),
    /// The database did not answer in time (an outage, a failover): 503 with `Retry-After`.
    /// The cause is logged, never shown.
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
    /// Something broke that the caller cannot fix; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
    /// Something underneath failed (the database, a file, a parser): the same as [`Internal`]
    /// to the caller, while the log gets the whole chain of causes ([`chain`]).
    ///
    /// [`Internal`]: AppError::Internal
    #[error("{context}")]
    Failed {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// An error and every cause under it, outermost first: `"loading case 7: query failed: …"`.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        // A layer that already printed its cause in its own message adds nothing new.
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

impl AppError {
    pub fn field(name: &str, message: impl Into<String>) -> AppError {
        let mut map = FieldErrors::new();
        map.insert(name.to_owned(), vec![message.into()]);
        AppError::Validation(map)
    }

    pub fn forbidden(why: &str) -> AppError {
        AppError::Forbidden(why.to_owned())
    }

    /// A failure underneath, kept as the cause of `context`.
    pub fn failed(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> AppError {
        AppError::Failed {
            context: context.into(),
            source: Box::new(source),
        }
    }

    /// Whether the caller cannot fix it (answered 500, logged with its causes).
    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Internal(_) | AppError::Failed { .. })
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("record"),
            StoreError::Conflict(what) => AppError::Conflict(what),
            StoreError::Unreachable(why) => AppError::DatabaseUnavailable(why),
            other => AppError::failed("storage", other),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(StoreError::from(e))
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Transition { .. } => AppError::Transition(e.to_string()),
            DomainError::TypeNeedsContract => AppError::field("case_type", e.to_string()),
            DomainError::Field { field, rule } => AppError::field(field, rule),
            other => AppError::Validation(FieldErrors::from([(
                "value".into(),
                vec![other.to_string()],
            )])),
        }
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut map = FieldErrors::new();
        collect(&errors, "", &mut map);
        AppError::Validation(map)
    }
}

fn collect(errors: &validator::ValidationErrors, prefix: &str, out: &mut FieldErrors) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(list) => {
                out.entry(path)
                    .or_default()
                    .extend(list.iter().map(describe));
            }
            K::Struct(inner) => collect(inner, &path, out),
            K::List(items) => {
                for (i, inner) in items {
                    collect(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

/// A sentence for a validator rule, so clients need not know validator's codes.
fn describe(e: &validator::ValidationError) -> String {
    if let Some(m) = &e.message {
        return m.to_string();
    }
    let p = |k: &str| e.params.get(k).map(std::string::ToString::to_string);
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "has the wrong length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        code => format!("fails the `{code}` rule"),
    }
}

/// Gathers field errors so one response names every problem at once.
#[derive(Debug, Default)]
pub struct Problems(FieldErrors);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Records the error of a parse under `field`, returning the value when it parsed.
    pub fn check<T>(&mut self, field: &str, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_keeps_every_cause_for_the_log() {
        let query = diesel::result::Error::QueryBuilderError("no such column: kind".into());
        let e = AppError::failed("loading case 7", StoreError::Query(query));
        assert!(e.is_internal());
        assert_eq!(
            e.to_string(),
            "loading case 7",
            "the caller's text has no cause"
        );
        assert_eq!(
            chain(&e),
            "loading case 7: query failed: no such column: kind"
        );
        let from_store = AppError::from(StoreError::Pool("timed out".into()));
        assert_eq!(chain(&from_store), "storage: connection pool: timed out");
        assert_eq!(chain(&AppError::Internal("x".into())), "internal error: x");
    }
}
