use actix_web::{get, patch, post, web, HttpResponse};
use helpdesk_api_types::crm::{
    Contact, ContactPage, ContactPatch, NewContact, NewOrganization, Organization,
    OrganizationPage, OrganizationPatch, PortalInvitation,
};
use helpdesk_api_types::merge::{ContactMerge, MergeRequest, OrganizationMerge};
use helpdesk_service::Services;
use helpdesk_store::crm::{ContactFilter, OrganizationFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::extract::{blocking, Auth};
use crate::ApiError;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Text the name contains (case-insensitive).
    pub q: Option<String>,
    pub inn: Option<String>,
    pub parent_id: Option<i64>,
}

#[utoipa::path(tag = "organizations", params(OrganizationQuery),
    responses((status = 200, description = "A page of organizations, newest first", body = OrganizationPage)))]
#[get("/organizations")]
pub async fn list_organizations(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<OrganizationQuery>,
) -> Result<web::Json<OrganizationPage>, ApiError> {
    let q = q.into_inner();
    let filter = OrganizationFilter {
        name_contains: q.q,
        inn: q.inn,
        parent_id: q.parent_id,
    };
    blocking(move || svc.list_organizations(&auth.0, filter, q.limit, q.cursor.as_deref()))
        .await
        .map(web::Json)
}

/// Create an organization. INN is checked by its check digits, KPP by its format, phones are
/// stored in E.164.
#[utoipa::path(tag = "organizations", request_body = NewOrganization, responses((status = 201, description = "Created", body = Organization)))]
#[post("/organizations")]
pub async fn create_organization(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewOrganization>,
) -> Result<HttpResponse, ApiError> {
    let org = blocking(move || svc.create_organization(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(org))
}

#[utoipa::path(tag = "organizations", params(("id" = i64, Path, description = "Organization id")),
    responses((status = 200, description = "The organization", body = Organization)))]
#[get("/organizations/{id}")]
pub async fn get_organization(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Organization>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_organization(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "organizations", params(("id" = i64, Path, description = "Organization id")), request_body = OrganizationPatch,
    responses((status = 200, description = "Updated", body = Organization)))]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<OrganizationPatch>,
) -> Result<web::Json<Organization>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_organization(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub organization_id: Option<i64>,
    /// Exact e-mail address (case-insensitive).
    pub email: Option<String>,
    /// Text the first or last name contains.
    pub q: Option<String>,
}

#[utoipa::path(tag = "contacts", params(ContactQuery),
    responses((status = 200, description = "A page of contacts, newest first", body = ContactPage)))]
#[get("/contacts")]
pub async fn list_contacts(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ContactQuery>,
) -> Result<web::Json<ContactPage>, ApiError> {
    let q = q.into_inner();
    let filter = ContactFilter {
        organization_id: q.organization_id,
        email: q.email,
        name_contains: q.q,
    };
    blocking(move || svc.list_contacts(&auth.0, filter, q.limit, q.cursor.as_deref()))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "contacts", request_body = NewContact, responses((status = 201, description = "Created", body = Contact)))]
#[post("/contacts")]
pub async fn create_contact(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewContact>,
) -> Result<HttpResponse, ApiError> {
    let contact = blocking(move || svc.create_contact(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(contact))
}

#[utoipa::path(tag = "contacts", params(("id" = i64, Path, description = "Contact id")),
    responses((status = 200, description = "The contact", body = Contact)))]
#[get("/contacts/{id}")]
pub async fn get_contact(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Contact>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_contact(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "contacts", params(("id" = i64, Path, description = "Contact id")), request_body = ContactPatch,
    responses((status = 200, description = "Updated", body = Contact)))]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ContactPatch>,
) -> Result<web::Json<Contact>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_contact(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Mail the contact a new invitation to the customer portal (switching portal access on sends
/// the first one). Creates the contact's portal user when there is none; the link lets them
/// choose a password, works once and for 7 days, and voids earlier links. 409 when they already
/// have a password; 503 when outgoing mail or the public address is not configured.
#[utoipa::path(tag = "contacts", params(("id" = i64, Path, description = "Contact id")),
    responses((status = 201, description = "Invitation queued for mailing", body = PortalInvitation),
        (status = 409, description = "The contact already has a password", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Outgoing mail or the public address is not configured", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/contacts/{id}/invitation")]
pub async fn invite_contact(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let invitation = blocking(move || svc.invite_contact(&auth.0, id)).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Merge organizations into one. Cases (as organization and as customer), contracts, contacts,
/// child organizations, converted leads and comments move to the survivor, in one transaction;
/// the merged organizations stay as tombstones, and reading their ids answers with the
/// survivor.
#[utoipa::path(tag = "organizations", request_body = MergeRequest,
    responses((status = 200, description = "Merged", body = OrganizationMerge)))]
#[post("/organizations/merge")]
pub async fn merge_organizations(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<MergeRequest>,
) -> Result<web::Json<OrganizationMerge>, ApiError> {
    blocking(move || svc.merge_organizations(&auth.0, &body))
        .await
        .map(web::Json)
}

/// Merge contacts into one. Cases (as requester and as contact), stream entries, email
/// addresses, portal users, converted leads and comments move to the survivor, in one
/// transaction; the merged contacts stay as tombstones without portal access, and reading
/// their ids answers with the survivor.
#[utoipa::path(tag = "contacts", request_body = MergeRequest,
    responses((status = 200, description = "Merged", body = ContactMerge)))]
#[post("/contacts/merge")]
pub async fn merge_contacts(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<MergeRequest>,
) -> Result<web::Json<ContactMerge>, ApiError> {
    blocking(move || svc.merge_contacts(&auth.0, &body))
        .await
        .map(web::Json)
}
