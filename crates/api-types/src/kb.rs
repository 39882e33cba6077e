//! The knowledge base: categories, articles, and their links to cases.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::page;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KbCategory {
    pub id: i64,
    /// The category this one sits in (a tree); absent at the top.
    pub parent_id: Option<i64>,
    pub name: String,
    pub position: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct KbCategoryInput {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    #[validate(range(min = 0, max = 100000))]
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    Published,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleVisibility {
    /// Agents only.
    Internal,
    /// Also customers in the portal, once published.
    Portal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Article {
    pub id: i64,
    pub category_id: Option<i64>,
    pub title: String,
    /// The text as written (Markdown).
    pub body_md: String,
    /// The text rendered to HTML and sanitized (safe to show as is).
    pub body_html: String,
    /// `en` or `ru`.
    pub language: String,
    pub status: ArticleStatus,
    pub visibility: ArticleVisibility,
    pub tags: Vec<String>,
    pub author_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}
page!(ArticlePage, Article);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    #[validate(length(min = 1, max = 300), custom(function = "crate::not_blank"))]
    pub title: String,
    /// Markdown.
    #[validate(length(max = 200000))]
    pub body_md: String,
    #[serde(default)]
    pub category_id: Option<i64>,
    /// Default `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// Default `draft`.
    #[serde(default)]
    pub status: Option<ArticleStatus>,
    /// Default `internal`.
    #[serde(default)]
    pub visibility: Option<ArticleVisibility>,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub tags: Vec<String>,
}

/// Markdown to see as it will read, before saving.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ArticlePreviewInput {
    #[validate(length(max = 200000))]
    pub body_md: String,
}

/// Markdown rendered and sanitized exactly as a saved article's would be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArticlePreview {
    pub body_html: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    pub category_id: Option<i64>,
    pub status: Option<ArticleStatus>,
    pub visibility: Option<ArticleVisibility>,
    pub language: Option<String>,
    pub tag: Option<String>,
    /// Text in the title (use `/search` for the full text).
    pub q: Option<String>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A file attached to a knowledge-base article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KbAttachment {
    pub id: i64,
    pub article_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}
