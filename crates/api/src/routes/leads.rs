//! Leads and comments on leads, organizations and contacts (agents and admins).

use actix_web::{get, post, put, web, HttpResponse};
use helpdesk_api_types::leads::{
    Comment, CommentInput, ConversionResult, Lead, LeadConversion, LeadInput, LeadMassUpdate,
    LeadPage, LeadQuery, LeadSelection, MassResult,
};
use helpdesk_api_types::merge::{LeadMerge, MergeRequest};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Leads, newest first, with filters.
#[utoipa::path(tag = "leads", params(LeadQuery),
    responses((status = 200, description = "A page of leads", body = LeadPage)))]
#[get("/leads")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<LeadQuery>,
) -> Result<web::Json<LeadPage>, ApiError> {
    blocking(move || svc.list_leads(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Add a lead; it gets the next lead number.
#[utoipa::path(tag = "leads", request_body = LeadInput,
    responses((status = 201, description = "Created", body = Lead)))]
#[post("/leads")]
pub async fn create(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<LeadInput>,
) -> Result<HttpResponse, ApiError> {
    let lead = blocking(move || svc.create_lead(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(lead))
}

#[utoipa::path(tag = "leads", params(("id" = i64, Path, description = "Lead id")),
    responses((status = 200, description = "The lead", body = Lead)))]
#[get("/leads/{id}")]
pub async fn get(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Lead>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_lead(&auth.0, id))
        .await
        .map(web::Json)
}

/// Replace a lead's fields (a converted lead is read-only: 409).
#[utoipa::path(tag = "leads", params(("id" = i64, Path, description = "Lead id")), request_body = LeadInput,
    responses((status = 200, description = "Saved", body = Lead),
        (status = 409, description = "The lead was converted", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[put("/leads/{id}")]
pub async fn replace(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<LeadInput>,
) -> Result<web::Json<Lead>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_lead(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// A new lead with this one's fields.
#[utoipa::path(tag = "leads", params(("id" = i64, Path, description = "Lead id")),
    responses((status = 201, description = "The copy", body = Lead)))]
#[post("/leads/{id}/copy")]
pub async fn copy(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let lead = blocking(move || svc.copy_lead(&auth.0, id)).await?;
    Ok(HttpResponse::Created().json(lead))
}

/// Turn the lead into an organization and a contact (created, or existing ones linked), and
/// optionally a first case, in one transaction. The lead stays readable, marked converted.
#[utoipa::path(tag = "leads", params(("id" = i64, Path, description = "Lead id")), request_body = LeadConversion,
    responses((status = 200, description = "Converted", body = ConversionResult),
        (status = 409, description = "Already converted", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/leads/{id}/convert")]
pub async fn convert(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<LeadConversion>,
) -> Result<web::Json<ConversionResult>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.convert_lead(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Set status, owner, rating or source on the selected leads (converted ones are skipped).
#[utoipa::path(tag = "leads", request_body = LeadMassUpdate,
    responses((status = 200, description = "How many changed", body = MassResult)))]
#[post("/leads/mass-update")]
pub async fn mass_update(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<LeadMassUpdate>,
) -> Result<web::Json<MassResult>, ApiError> {
    blocking(move || svc.mass_update_leads(&auth.0, &body))
        .await
        .map(web::Json)
}

/// Delete the selected leads and their comments.
#[utoipa::path(tag = "leads", request_body = LeadSelection,
    responses((status = 200, description = "How many were deleted", body = MassResult)))]
#[post("/leads/mass-delete")]
pub async fn mass_delete(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<LeadSelection>,
) -> Result<web::Json<MassResult>, ApiError> {
    blocking(move || svc.mass_delete_leads(&auth.0, &body))
        .await
        .map(web::Json)
}

macro_rules! comment_routes {
    ($list:ident, $add:ident, $kind:literal, $path:literal, $tag:literal) => {
        /// Comments (agents only), oldest first.
        #[utoipa::path(tag = $tag, params(("id" = i64, Path, description = "Record id")),
                    responses((status = 200, description = "The comments", body = [Comment])))]
        #[get($path)]
        pub async fn $list(
            svc: web::Data<Services>,
            auth: Auth,
            id: web::Path<i64>,
        ) -> Result<web::Json<Vec<Comment>>, ApiError> {
            let id = id.into_inner();
            blocking(move || svc.comments(&auth.0, $kind, id))
                .await
                .map(web::Json)
        }

        /// Add a comment.
        #[utoipa::path(tag = $tag, params(("id" = i64, Path, description = "Record id")),
                    request_body = CommentInput,
                    responses((status = 201, description = "Added", body = Comment)))]
        #[post($path)]
        pub async fn $add(
            svc: web::Data<Services>,
            auth: Auth,
            id: web::Path<i64>,
            body: web::Json<CommentInput>,
        ) -> Result<HttpResponse, ApiError> {
            let id = id.into_inner();
            let comment = blocking(move || svc.add_comment(&auth.0, $kind, id, &body)).await?;
            Ok(HttpResponse::Created().json(comment))
        }
    };
}

comment_routes!(
    lead_comments,
    add_lead_comment,
    "lead",
    "/leads/{id}/comments",
    "leads"
);
comment_routes!(
    organization_comments,
    add_organization_comment,
    "organization",
    "/organizations/{id}/comments",
    "organizations"
);
comment_routes!(
    contact_comments,
    add_contact_comment,
    "contact",
    "/contacts/{id}/comments",
    "contacts"
);

/// Merge leads into one. Comments and the "from lead" marks of converted records move to the
/// survivor, in one transaction; the merged leads stay as tombstones, and reading their ids
/// answers with the survivor.
#[utoipa::path(tag = "leads", request_body = MergeRequest,
    responses((status = 200, description = "Merged", body = LeadMerge)))]
#[post("/leads/merge")]
pub async fn merge(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<MergeRequest>,
) -> Result<web::Json<LeadMerge>, ApiError> {
    blocking(move || svc.merge_leads(&auth.0, &body))
        .await
        .map(web::Json)
}
