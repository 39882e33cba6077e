use actix_web::{get, patch, post, web, HttpResponse};
use helpdesk_api_types::cases::PageQuery;
use helpdesk_api_types::catalog::{
    Contract, ContractPage, ContractPatch, NewComponent, NewContract, NewProduct, Product,
    ProductPage, ProductPatch,
};
use helpdesk_service::Services;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Products with their components (every signed-in user; the portal's case form uses them).
#[utoipa::path(tag = "products", params(PageQuery), responses((status = 200, description = "A page of products", body = ProductPage)))]
#[get("/products")]
pub async fn list_products(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<PageQuery>,
) -> Result<web::Json<ProductPage>, ApiError> {
    let q = q.into_inner();
    blocking(move || svc.list_products(&auth.0, q.limit, q.cursor.as_deref()))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "products", request_body = NewProduct, responses((status = 201, description = "Created", body = Product)))]
#[post("/products")]
pub async fn create_product(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewProduct>,
) -> Result<HttpResponse, ApiError> {
    let product = blocking(move || svc.create_product(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(product))
}

#[utoipa::path(tag = "products", params(("id" = i64, Path, description = "Product id")),
    responses((status = 200, description = "The product", body = Product)))]
#[get("/products/{id}")]
pub async fn get_product(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Product>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_product(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "products", params(("id" = i64, Path, description = "Product id")), request_body = ProductPatch,
    responses((status = 200, description = "Updated", body = Product)))]
#[patch("/products/{id}")]
pub async fn update_product(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ProductPatch>,
) -> Result<web::Json<Product>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_product(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "products", params(("id" = i64, Path, description = "Product id")), request_body = NewComponent,
    responses((status = 201, description = "The product with its new component", body = Product)))]
#[post("/products/{id}/components")]
pub async fn add_component(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<NewComponent>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let product = blocking(move || svc.add_component(&auth.0, id, &body)).await?;
    Ok(HttpResponse::Created().json(product))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractQuery {
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub organization_id: Option<i64>,
}

#[utoipa::path(tag = "contracts", params(ContractQuery), responses((status = 200, description = "A page of contracts", body = ContractPage)))]
#[get("/contracts")]
pub async fn list_contracts(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ContractQuery>,
) -> Result<web::Json<ContractPage>, ApiError> {
    let q = q.into_inner();
    blocking(move || svc.list_contracts(&auth.0, q.organization_id, q.limit, q.cursor.as_deref()))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "contracts", request_body = NewContract, responses((status = 201, description = "Created", body = Contract)))]
#[post("/contracts")]
pub async fn create_contract(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<NewContract>,
) -> Result<HttpResponse, ApiError> {
    let contract = blocking(move || svc.create_contract(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(contract))
}

#[utoipa::path(tag = "contracts", params(("id" = i64, Path, description = "Contract id")),
    responses((status = 200, description = "The contract", body = Contract)))]
#[get("/contracts/{id}")]
pub async fn get_contract(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Contract>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_contract(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "contracts", params(("id" = i64, Path, description = "Contract id")), request_body = ContractPatch,
    responses((status = 200, description = "Updated", body = Contract)))]
#[patch("/contracts/{id}")]
pub async fn update_contract(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ContractPatch>,
) -> Result<web::Json<Contract>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_contract(&auth.0, id, &body))
        .await
        .map(web::Json)
}
