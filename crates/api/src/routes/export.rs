//! The incremental export: whole tables in change order with a gap-free cursor.

use actix_web::{get, web};
use helpdesk_api_types::export::{
    CaseExportPage, ContactExportPage, ExportQuery, OrganizationExportPage, StreamEntryExportPage,
};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Cases in the order of their last change (mirror them, then poll for changes). Start without `cursor`; keep passing `next_cursor` back. Records changed
/// concurrently are never skipped: a page only reaches changes that can no longer be preceded
/// by one still being written.
#[utoipa::path(tag = "export", params(ExportQuery),
    responses((status = 200, description = "A page of changes", body = CaseExportPage)))]
#[get("/export/cases")]
pub async fn export_cases(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ExportQuery>,
) -> Result<web::Json<CaseExportPage>, ApiError> {
    blocking(move || svc.export_cases(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Contacts in the order of their last change. Start without `cursor`; keep passing `next_cursor` back. Records changed
/// concurrently are never skipped: a page only reaches changes that can no longer be preceded
/// by one still being written.
#[utoipa::path(tag = "export", params(ExportQuery),
    responses((status = 200, description = "A page of changes", body = ContactExportPage)))]
#[get("/export/contacts")]
pub async fn export_contacts(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ExportQuery>,
) -> Result<web::Json<ContactExportPage>, ApiError> {
    blocking(move || svc.export_contacts(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Organizations in the order of their last change. Start without `cursor`; keep passing `next_cursor` back. Records changed
/// concurrently are never skipped: a page only reaches changes that can no longer be preceded
/// by one still being written.
#[utoipa::path(tag = "export", params(ExportQuery),
    responses((status = 200, description = "A page of changes", body = OrganizationExportPage)))]
#[get("/export/organizations")]
pub async fn export_organizations(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ExportQuery>,
) -> Result<web::Json<OrganizationExportPage>, ApiError> {
    blocking(move || svc.export_organizations(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Stream entries of every case (public, internal and system) in the order of their last change. Start without `cursor`; keep passing `next_cursor` back. Records changed
/// concurrently are never skipped: a page only reaches changes that can no longer be preceded
/// by one still being written.
#[utoipa::path(tag = "export", params(ExportQuery),
    responses((status = 200, description = "A page of changes", body = StreamEntryExportPage)))]
#[get("/export/stream-entries")]
pub async fn export_stream_entries(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ExportQuery>,
) -> Result<web::Json<StreamEntryExportPage>, ApiError> {
    blocking(move || svc.export_stream_entries(&auth.0, &q))
        .await
        .map(web::Json)
}
