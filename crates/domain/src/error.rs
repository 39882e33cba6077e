use thiserror::Error;

/// A business rule said no. Each variant carries what a person needs to understand why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("{kind} does not accept the value `{value}`")]
    UnknownValue { kind: &'static str, value: String },
    #[error("{0}")]
    Invalid(String),
    /// A value of a named field breaks a rule.
    #[error("{field}: {rule}")]
    Field { field: &'static str, rule: String },
    #[error("a case cannot go from `{from}` to `{to}`")]
    Transition {
        from: &'static str,
        to: &'static str,
    },
    #[error("without an active contract for the product only `consultation` cases are accepted")]
    TypeNeedsContract,
}
