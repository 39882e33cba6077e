//! The knowledge base: categories and articles (agents write, customers read published portal
//! articles), and articles linked to cases.

use actix_multipart::Multipart;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use helpdesk_api_types::cases::AttachmentUpload;
use helpdesk_api_types::kb::{
    Article, ArticleInput, ArticlePage, ArticlePreview, ArticlePreviewInput, ArticleQuery,
    KbAttachment, KbCategory, KbCategoryInput,
};
use helpdesk_service::{AppError, Services};

use crate::extract::{blocking, Auth};
use crate::routes::attachments::{receive_parts, serve_file};
use crate::ApiError;

/// The category tree (every signed-in user).
#[utoipa::path(tag = "knowledge base",
    responses((status = 200, description = "Every category", body = [KbCategory])))]
#[get("/kb/categories")]
pub async fn categories(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<KbCategory>>, ApiError> {
    blocking(move || svc.kb_categories(&auth.0))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "knowledge base", request_body = KbCategoryInput,
    responses((status = 201, description = "Created", body = KbCategory)))]
#[post("/kb/categories")]
pub async fn create_category(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<KbCategoryInput>,
) -> Result<HttpResponse, ApiError> {
    let c = blocking(move || svc.create_kb_category(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(c))
}

#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Category id")), request_body = KbCategoryInput,
    responses((status = 200, description = "Saved", body = KbCategory)))]
#[put("/kb/categories/{id}")]
pub async fn replace_category(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<KbCategoryInput>,
) -> Result<web::Json<KbCategory>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_kb_category(&auth.0, id, &body))
        .await
        .map(web::Json)
}

/// Delete a category; its subcategories and articles move to the top.
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Category id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/kb/categories/{id}")]
pub async fn delete_category(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_kb_category(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Articles, newest first (agents: every article).
#[utoipa::path(tag = "knowledge base", params(ArticleQuery),
    responses((status = 200, description = "A page of articles", body = ArticlePage)))]
#[get("/kb/articles")]
pub async fn articles(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ArticleQuery>,
) -> Result<web::Json<ArticlePage>, ApiError> {
    blocking(move || svc.list_articles(&auth.0, &q))
        .await
        .map(web::Json)
}

/// Markdown rendered and sanitized as a saved article's would be, without saving anything: the
/// editor's preview (agents and admins).
#[utoipa::path(tag = "knowledge base", request_body = ArticlePreviewInput,
    responses((status = 200, description = "The HTML it will read as", body = ArticlePreview)))]
#[post("/kb/preview")]
pub async fn preview_article(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<ArticlePreviewInput>,
) -> Result<web::Json<ArticlePreview>, ApiError> {
    let body_html = blocking(move || svc.preview_article(&auth.0, &body)).await?;
    Ok(web::Json(ArticlePreview { body_html }))
}

/// Write an article in Markdown; it is kept with its sanitized HTML.
#[utoipa::path(tag = "knowledge base", request_body = ArticleInput,
    responses((status = 201, description = "Created", body = Article)))]
#[post("/kb/articles")]
pub async fn create_article(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let a = blocking(move || svc.create_article(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(a))
}

#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, description = "The article", body = Article)))]
#[get("/kb/articles/{id}")]
pub async fn article(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Article>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_article(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Article id")), request_body = ArticleInput,
    responses((status = 200, description = "Saved", body = Article)))]
#[put("/kb/articles/{id}")]
pub async fn replace_article(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<ArticleInput>,
) -> Result<web::Json<Article>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_article(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Article id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/kb/articles/{id}")]
pub async fn delete_article(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_article(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The cases an article is linked to (ids).
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, description = "Case ids", body = [i64])))]
#[get("/kb/articles/{id}/cases")]
pub async fn article_cases(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<i64>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.article_cases(&auth.0, id))
        .await
        .map(web::Json)
}

/// The articles linked to a case.
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The articles", body = [Article])))]
#[get("/cases/{id}/articles")]
pub async fn case_articles(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<Article>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.case_articles(&auth.0, id))
        .await
        .map(web::Json)
}

/// Link an article to a case (again is harmless).
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Case id"), ("article_id" = i64, Path, description = "Article id")),
    responses((status = 204, description = "Linked")))]
#[put("/cases/{id}/articles/{article_id}")]
pub async fn link(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, article_id) = path.into_inner();
    blocking(move || svc.link_article(&auth.0, id, article_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Case id"), ("article_id" = i64, Path, description = "Article id")),
    responses((status = 204, description = "Unlinked")))]
#[delete("/cases/{id}/articles/{article_id}")]
pub async fn unlink(
    svc: web::Data<Services>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, article_id) = path.into_inner();
    blocking(move || svc.unlink_article(&auth.0, id, article_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Published articles for customers.
#[utoipa::path(tag = "portal", params(ArticleQuery),
    responses((status = 200, description = "A page of articles", body = ArticlePage)))]
#[get("/portal/kb/articles")]
pub async fn portal_articles(
    svc: web::Data<Services>,
    auth: Auth,
    q: web::Query<ArticleQuery>,
) -> Result<web::Json<ArticlePage>, ApiError> {
    blocking(move || svc.portal_articles(&auth.0, &q))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, description = "The article", body = Article)))]
#[get("/portal/kb/articles/{id}")]
pub async fn portal_article(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Article>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.portal_article(&auth.0, id))
        .await
        .map(web::Json)
}

/// The published portal articles linked to one of the caller's cases.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The articles", body = [Article])))]
#[get("/portal/cases/{id}/articles")]
pub async fn portal_case_articles(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<Article>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.portal_case_articles(&auth.0, id))
        .await
        .map(web::Json)
}

/// Attach files to an article (parts named `file`).
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Article id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored", body = [KbAttachment]),
        (status = 413, description = "A file is over the size limit; nothing was stored", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No part named `file`", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/kb/articles/{id}/attachments")]
pub async fn upload_attachments(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    mut payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    {
        let (svc, actor) = (svc.clone(), auth.0.clone());
        blocking(move || svc.check_article_upload(&actor, id)).await?;
    }
    let (files, _) = receive_parts(&svc, &mut payload).await?;
    if files.is_empty() {
        return Err(ApiError(AppError::field(
            "file",
            "send at least one part named `file` (multipart/form-data)",
        )));
    }
    let stored = blocking(move || svc.add_article_attachments(&auth.0, id, &files)).await?;
    Ok(HttpResponse::Created().json(stored))
}

/// An article's files, oldest first.
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, description = "The files", body = [KbAttachment])))]
#[get("/kb/articles/{id}/attachments")]
pub async fn attachments(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<KbAttachment>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.article_attachments(&auth.0, id, false))
        .await
        .map(web::Json)
}

/// Download a file of an article (always as a download, `nosniff`).
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>)))]
#[get("/kb/attachments/{id}/content")]
pub async fn attachment_content(
    req: HttpRequest,
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (meta, path) = blocking(move || svc.kb_attachment_download(&auth.0, id, false)).await?;
    serve_file(&req, &meta.filename, &meta.content_type, path).await
}

/// Remove a file from an article.
#[utoipa::path(tag = "knowledge base", params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 204, description = "Removed")))]
#[delete("/kb/attachments/{id}")]
pub async fn delete_attachment(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_kb_attachment(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The files of a published portal article.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Article id")),
    responses((status = 200, description = "The files", body = [KbAttachment])))]
#[get("/portal/kb/articles/{id}/attachments")]
pub async fn portal_attachments(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<KbAttachment>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.article_attachments(&auth.0, id, true))
        .await
        .map(web::Json)
}

/// Download a file of a published portal article.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>)))]
#[get("/portal/kb/attachments/{id}/content")]
pub async fn portal_attachment_content(
    req: HttpRequest,
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (meta, path) = blocking(move || svc.kb_attachment_download(&auth.0, id, true)).await?;
    serve_file(&req, &meta.filename, &meta.content_type, path).await
}
