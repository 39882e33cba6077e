//! The company registry: organization data by INN.

use actix_web::{get, web};
use helpdesk_api_types::registry::RegistryParty;
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Name, short name, KPP, OGRN and legal address of the organization with this INN, from the
/// configured registry provider (answers kept for a week). The INN's check digits are verified
/// first (422).
#[utoipa::path(tag = "organizations", params(("inn" = String, Path, description = "10 or 12 digits")),
    responses((status = 200, description = "Found", body = RegistryParty),
        (status = 404, description = "The registry knows no organization with this INN", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 502, description = "The registry failed or did not answer in time", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 503, description = "No registry is configured", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[get("/registry/organizations/{inn}")]
pub async fn lookup(
    svc: web::Data<Services>,
    auth: Auth,
    inn: web::Path<String>,
) -> Result<web::Json<RegistryParty>, ApiError> {
    let inn = inn.into_inner();
    blocking(move || svc.registry_lookup(&auth.0, &inn))
        .await
        .map(web::Json)
}
