//! The HTTP face of the helpdesk: `/api/v1` (JSON), `/api/openapi.json`, `/api/docs`,
//! `/healthz`, `/readyz`, `/metrics`, and the SPA's static files at `/`.
//!
//! Handlers are thin: extract the caller and the input, call one `Services` method on a blocking
//! thread, map the result. Each handler's `#[utoipa::path]` sits on it, and routes are collected
//! from the same registration that serves them, so the document and the router cannot drift.
//! What must not live here: SQL or business rules.

pub mod client_addr;
pub mod error;
pub mod extract;
pub mod guard;
pub mod i18n;
pub mod idempotency;
pub mod live_hub;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod session_cache;
pub mod spa;
pub mod startup;

pub use error::ApiError;
pub use startup::{run, AppConfig};
