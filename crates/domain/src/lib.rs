//! The helpdesk's business rules as plain functions over plain types.
//!
//! What lives here: value types that can only hold valid values (`Email`, `Phone`, `Inn`, `Kpp`),
//! the case status machine, case type and assignment rules, roles and permissions.
//! What must not: I/O of any kind, the system clock, actix or diesel. Time, when a rule needs it,
//! is passed in by the caller.

pub mod assignment;
pub mod calendar;
pub mod case;
pub mod contact;
pub mod duplicates;
pub mod error;
pub mod event;
pub mod inn;
pub mod password;
pub mod retry;
pub mod role;
pub mod search;
pub mod security;
pub mod sla;
pub mod status;
pub mod system_event;
pub mod throttle;
pub mod totp;
pub mod workflow;

pub use case::{CaseType, Channel, Priority, SupportLine};
pub use contact::{Email, Phone};
pub use error::DomainError;
pub use event::{CaseFields, EntryKind, Event, Recorded, SlaAlert};
pub use inn::{Inn, Kpp};
pub use role::{Role, Scope};
pub use status::CaseStatus;
pub use system_event::{NoEmail, RuleOutcome, SystemEvent};

/// Declares a closed set of snake_case names with `as_str`/`parse`/`ALL`/`NAMES`, shared by the enums
/// that are stored as text and exchanged in JSON.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The values' names as the API writes them, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Result<Self, $crate::DomainError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::UnknownValue {
                        kind: stringify!($name),
                        value: text.to_owned(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::stored_as_text!($name);
    };
}

/// Stores a value enum as its name in a text column, for every backend: a stored name that is
/// not one of the enum's is an error naming the kind and the value, never a default.
#[cfg(feature = "diesel")]
#[doc(hidden)]
#[macro_export]
macro_rules! stored_as_text {
    ($name:ident) => {
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = $crate::stored_text::<DB>(bytes)?;
                Ok($name::parse(&text)?)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }
    };
}

/// The text of a column, for [`stored_as_text!`].
#[cfg(feature = "diesel")]
#[doc(hidden)]
pub fn stored_text<DB>(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<String>
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)
}

#[cfg(not(feature = "diesel"))]
#[doc(hidden)]
#[macro_export]
macro_rules! stored_as_text {
    ($name:ident) => {};
}
