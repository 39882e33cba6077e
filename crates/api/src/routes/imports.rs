//! CSV import (multipart upload → an import job with progress and a report) and CSV export of
//! any filtered list of organizations, contacts or leads.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use helpdesk_api_types::imports::{
    Import, ImportFields, ImportOptions, ImportPage, ImportStatus, ImportUpload,
};
use helpdesk_api_types::leads::LeadStatus;
use helpdesk_service::imports::ExportFilter;
use helpdesk_service::{AppError, Services};
use helpdesk_store::crm::{ContactFilter, OrganizationFilter};
use helpdesk_store::leads::LeadFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::extract::{blocking, Auth};
use crate::routes::attachments::receive_parts;
use crate::ApiError;

/// The fields each kind of record takes from a CSV column, with the headers recognised without
/// a mapping (English and Russian).
#[utoipa::path(tag = "import and export", responses((status = 200, description = "The fields", body = ImportFields)))]
#[get("/imports/fields")]
pub async fn fields(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<ImportFields>, ApiError> {
    blocking(move || svc.import_fields(&auth.0))
        .await
        .map(web::Json)
}

/// Import organizations, contacts or leads from a CSV file (UTF-8 or Windows-1251, `;` or `,`).
/// The header and the mapping are checked at once (422 naming `mapping.<column>`); a file of up
/// to 1,000 rows is imported before the answer (201), a larger one by the worker (202; follow
/// `Location` for progress). `dry_run` reports per-row errors and duplicates without changing
/// anything.
#[utoipa::path(tag = "import and export",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Imported (or checked, in a dry run)", body = Import),
        (status = 202, description = "Queued for the worker", body = Import),
        (status = 413, description = "The file is over the size limit", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/imports")]
pub async fn start(
    svc: web::Data<Services>,
    auth: Auth,
    mut payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    auth.0.staff_write().map_err(ApiError)?;
    let (mut files, texts) = receive_parts(&svc, &mut payload).await?;
    let options: ImportOptions = match texts.get("options") {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| ApiError(AppError::field("options", e.to_string())))?,
        None => {
            return Err(ApiError(AppError::field(
                "options",
                "send the import options as a part named `options` (JSON)",
            )))
        }
    };
    if files.len() != 1 {
        return Err(ApiError(AppError::field(
            "file",
            "send exactly one part named `file`",
        )));
    }
    let file = files.remove(0);
    let import =
        blocking(move || svc.start_import(&auth.0, &options, &file.stored, &file.filename)).await?;
    let mut resp = if import.status == ImportStatus::Queued {
        HttpResponse::Accepted()
    } else {
        HttpResponse::Created()
    };
    Ok(resp
        .insert_header((header::LOCATION, format!("/api/v1/imports/{}", import.id)))
        .json(import))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Imports, newest first.
#[utoipa::path(tag = "import and export", params(ImportListQuery),
    responses((status = 200, description = "A page of imports", body = ImportPage)))]
#[get("/imports")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ImportListQuery>,
) -> Result<web::Json<ImportPage>, ApiError> {
    blocking(move || svc.list_imports(&auth.0, q.limit, q.cursor.as_deref()))
        .await
        .map(web::Json)
}

/// An import's progress and report.
#[utoipa::path(tag = "import and export", params(("id" = i64, Path, description = "Import id")),
    responses((status = 200, description = "The import", body = Import)))]
#[get("/imports/{id}")]
pub async fn get(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Import>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_import(&auth.0, id))
        .await
        .map(web::Json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationCsvQuery {
    /// Text the name contains.
    pub q: Option<String>,
    pub inn: Option<String>,
    pub parent_id: Option<i64>,
    /// `,` (default) or `;`.
    pub separator: Option<String>,
    /// `utf-8` (default, with a byte-order mark) or `windows-1251`.
    pub encoding: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactCsvQuery {
    pub organization_id: Option<i64>,
    /// Exact e-mail address.
    pub email: Option<String>,
    /// Text the first or last name contains.
    pub q: Option<String>,
    /// `,` (default) or `;`.
    pub separator: Option<String>,
    /// `utf-8` (default, with a byte-order mark) or `windows-1251`.
    pub encoding: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadCsvQuery {
    pub status: Option<LeadStatus>,
    pub owner_id: Option<i64>,
    pub source: Option<String>,
    /// Text in the name, organization name or email addresses.
    pub q: Option<String>,
    /// `,` (default) or `;`.
    pub separator: Option<String>,
    /// `utf-8` (default, with a byte-order mark) or `windows-1251`.
    pub encoding: Option<String>,
}

async fn csv_response(
    svc: web::Data<Services>,
    auth: Auth,
    filter: ExportFilter,
    separator: Option<String>,
    encoding: Option<String>,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    let charset = if encoding.as_deref() == Some("windows-1251") {
        "windows-1251"
    } else {
        "utf-8"
    };
    let bytes = blocking(move || {
        svc.export_csv(&auth.0, &filter, separator.as_deref(), encoding.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={charset}"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(bytes))
}

/// Every organization the filters select, as CSV (headers are the import's field names).
#[utoipa::path(tag = "import and export", params(OrganizationCsvQuery),
    responses((status = 200, description = "The CSV file", content_type = "text/csv", body = String)))]
#[get("/csv/organizations")]
pub async fn export_organizations(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<OrganizationCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let filter = ExportFilter::Organizations(OrganizationFilter {
        name_contains: q.q,
        inn: q.inn,
        parent_id: q.parent_id,
    });
    csv_response(svc, auth, filter, q.separator, q.encoding, "organizations").await
}

/// Every contact the filters select, as CSV (headers are the import's field names).
#[utoipa::path(tag = "import and export", params(ContactCsvQuery),
    responses((status = 200, description = "The CSV file", content_type = "text/csv", body = String)))]
#[get("/csv/contacts")]
pub async fn export_contacts(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ContactCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let filter = ExportFilter::Contacts(ContactFilter {
        organization_id: q.organization_id,
        email: q.email,
        name_contains: q.q,
    });
    csv_response(svc, auth, filter, q.separator, q.encoding, "contacts").await
}

/// Every lead the filters select, as CSV (headers are the import's field names).
#[utoipa::path(tag = "import and export", params(LeadCsvQuery),
    responses((status = 200, description = "The CSV file", content_type = "text/csv", body = String)))]
#[get("/csv/leads")]
pub async fn export_leads(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<LeadCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let filter = ExportFilter::Leads(LeadFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
        source: q.source,
        text: q.q,
    });
    csv_response(svc, auth, filter, q.separator, q.encoding, "leads").await
}
