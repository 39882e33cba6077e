//! Full-text search: agents over everything, portal users over what they may see.

use actix_web::{get, web};
use helpdesk_api_types::search::{SearchQuery, SearchResults};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Search cases (subject, description), messages and internal notes, contacts and
/// organizations; ranked, with highlighted snippets. Russian and English words match in any
/// of their forms on PostgreSQL; on SQLite as words or word beginnings.
#[utoipa::path(tag = "search", params(SearchQuery),
    responses((status = 200, description = "Hits, best first", body = SearchResults)))]
#[get("/search")]
pub async fn search(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    blocking(move || svc.search(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Search the caller's cases (and their organization's when allowed) and the public messages
/// of those cases. Internal notes are never searched here.
#[utoipa::path(tag = "portal", params(SearchQuery),
    responses((status = 200, description = "Hits, best first", body = SearchResults)))]
#[get("/portal/search")]
pub async fn portal_search(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    blocking(move || svc.portal_search(&auth.0, &q))
        .await
        .map(web::Json)
}
