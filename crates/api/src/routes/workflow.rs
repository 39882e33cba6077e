//! Workflow rules (admins write, agents read).

use actix_web::{delete, get, post, put, web, HttpResponse};
use helpdesk_api_types::workflow::{WorkflowRule, WorkflowRuleInput};
use helpdesk_service::Services;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Every workflow rule, in the order they run.
#[utoipa::path(tag = "workflow",
    responses((status = 200, description = "Every rule", body = [WorkflowRule])))]
#[get("/workflow-rules")]
pub async fn list_rules(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<WorkflowRule>>, ApiError> {
    blocking(move || svc.list_workflow_rules(&auth.0))
        .await
        .map(web::Json)
}

/// Add a rule: a trigger, conditions on case fields (all or any), actions in order.
#[utoipa::path(tag = "workflow", request_body = WorkflowRuleInput,
    responses((status = 201, description = "Created", body = WorkflowRule)))]
#[post("/workflow-rules")]
pub async fn create_rule(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<WorkflowRuleInput>,
) -> Result<HttpResponse, ApiError> {
    let created = blocking(move || svc.create_workflow_rule(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "workflow", params(("id" = i64, Path, description = "Rule id")),
    responses((status = 200, description = "The policy", body = WorkflowRule)))]
#[get("/workflow-rules/{id}")]
pub async fn get_rule(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<WorkflowRule>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_workflow_rule(&auth.0, id))
        .await
        .map(web::Json)
}

/// Replace a rule.
#[utoipa::path(tag = "workflow", params(("id" = i64, Path, description = "Rule id")), request_body = WorkflowRuleInput,
    responses((status = 200, description = "Saved", body = WorkflowRule)))]
#[put("/workflow-rules/{id}")]
pub async fn replace_rule(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<WorkflowRuleInput>,
) -> Result<web::Json<WorkflowRule>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_workflow_rule(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "workflow", params(("id" = i64, Path, description = "Rule id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/workflow-rules/{id}")]
pub async fn delete_rule(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_workflow_rule(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
