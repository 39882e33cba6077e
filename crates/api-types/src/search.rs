//! Full-text search over cases, their messages, contacts and organizations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// A case, by its subject or description.
    Case,
    /// A message or note of a case's stream (`case_id` says which case).
    Message,
    Contact,
    Organization,
    /// A knowledge-base article.
    Article,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    pub kind: SearchKind,
    /// The case, stream entry, contact or organization id.
    pub id: i64,
    /// For cases and messages: the case.
    pub case_id: Option<i64>,
    pub case_number: Option<i64>,
    /// The case subject, the contact's or organization's name, or the article's title.
    pub title: String,
    /// HTML: the text around the matches, escaped, with matches in `<mark>`.
    pub snippet: String,
    /// Higher is better; comparable within one search.
    pub score: f64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    /// Best first.
    pub items: Vec<SearchHit>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find, matched as they are typed (the last one also as the start of a word);
    /// web-search syntax on PostgreSQL (`"exact phrase"`, `-without`, `or`). Looked up exactly
    /// and ranked first: a case number (`1006`, `#1006`), an INN, a phone number written any
    /// usual way (at least 5 digits), the start of an e-mail address.
    pub q: String,
    /// Comma-separated kinds: `case`, `message`, `contact`, `organization`, `article`; default all the
    /// caller may search.
    pub kinds: Option<String>,
    /// 1..=50, default 20.
    pub limit: Option<i64>,
}
