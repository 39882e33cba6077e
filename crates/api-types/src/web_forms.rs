//! Public web forms: a website's contact form that registers cases.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::Priority;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebForm {
    pub id: i64,
    /// Public: goes into the website's page (`/api/v1/forms/{key}/submissions`).
    pub key: String,
    pub name: String,
    /// Origins (`https://www.example.com`) whose pages may post to the form from a browser.
    pub allowed_origins: Vec<String>,
    /// The team new cases go to.
    pub team_id: Option<i64>,
    pub priority: Priority,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WebFormInput {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub team_id: Option<i64>,
    /// Default `normal`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

/// A submission (as JSON, or the same fields as `multipart/form-data` with `file` parts).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebFormSubmission {
    /// The sender's name.
    pub name: String,
    pub email: String,
    pub subject: String,
    pub text: String,
    /// Leave empty: the form hides this field from people; bots fill it in.
    #[serde(default)]
    pub website: Option<String>,
}

/// The multipart form of a submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebFormMultipart {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub text: String,
    pub website: Option<String>,
    /// Up to 5 files.
    #[schema(value_type = Vec<String>, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebFormReceipt {
    pub received: bool,
    /// The registration number of the new case (the sender also gets it by email).
    pub number: Option<i64>,
}
