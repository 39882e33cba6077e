//! Web forms: admins configure them; websites post submissions to
//! `/api/v1/forms/{key}/submissions` (no sign-in; CORS for the allowed origins, a honeypot
//! field, a per-address rate limit).

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use helpdesk_api_types::web_forms::{WebForm, WebFormInput, WebFormReceipt, WebFormSubmission};
use helpdesk_service::attachments::UploadedFile;
use helpdesk_service::web_forms::MAX_FORM_FILES;
use helpdesk_service::{AppError, Services};

use crate::extract::{blocking, client_ip, Auth};
use crate::ratelimit::{annotate, too_many, FormLimiter};
use crate::ApiError;

#[utoipa::path(tag = "web forms",
    responses((status = 200, description = "Every form", body = [WebForm])))]
#[get("/web-forms")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
) -> Result<web::Json<Vec<WebForm>>, ApiError> {
    blocking(move || svc.list_web_forms(&auth.0))
        .await
        .map(web::Json)
}

/// Add a form; its `key` goes into the website's page.
#[utoipa::path(tag = "web forms", request_body = WebFormInput,
    responses((status = 201, description = "Created", body = WebForm)))]
#[post("/web-forms")]
pub async fn create(
    svc: web::Data<Services>,
    auth: Auth,
    body: web::Json<WebFormInput>,
) -> Result<HttpResponse, ApiError> {
    let form = blocking(move || svc.create_web_form(&auth.0, &body)).await?;
    Ok(HttpResponse::Created().json(form))
}

#[utoipa::path(tag = "web forms", params(("id" = i64, Path, description = "Form id")),
    responses((status = 200, description = "The form", body = WebForm)))]
#[get("/web-forms/{id}")]
pub async fn get(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<WebForm>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.get_web_form(&auth.0, id))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "web forms", params(("id" = i64, Path, description = "Form id")),
    request_body = WebFormInput,
    responses((status = 200, description = "Saved", body = WebForm)))]
#[put("/web-forms/{id}")]
pub async fn replace(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    body: web::Json<WebFormInput>,
) -> Result<web::Json<WebForm>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.update_web_form(&auth.0, id, &body))
        .await
        .map(web::Json)
}

#[utoipa::path(tag = "web forms", params(("id" = i64, Path, description = "Form id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/web-forms/{id}")]
pub async fn remove(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.delete_web_form(&auth.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Submit a form: as `multipart/form-data` (what a browser's `FormData` sends; files in parts
/// named `file`) or as JSON. The sender's contact is found by email or created, a case is
/// registered on the `web_form` channel, and the sender gets its number by email. Browsers may
/// post only from the form's allowed origins; each address may submit a few times a minute.
#[utoipa::path(tag = "web forms", security(()),
    params(("key" = String, Path, description = "The form's key")),
    request_body(content(
        (WebFormSubmission = "application/json"),
        (helpdesk_api_types::web_forms::WebFormMultipart = "multipart/form-data"),
    )),
    responses((status = 201, description = "Received", body = WebFormReceipt),
        (status = 429, description = "Too many submissions from this address", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/forms/{key}/submissions")]
pub async fn submit(
    svc: web::Data<Services>,
    limiter: web::Data<FormLimiter>,
    req: HttpRequest,
    key: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    let verdict = match limiter.0.enabled() {
        true => Some(limiter.0.check(&format!("{}|{key}", client_ip(&req))).await),
        false => None,
    };
    if let Some(v) = verdict.filter(|v| !v.allowed) {
        return Ok(too_many(&v, "this form"));
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (input, files) = if multipart {
        read_multipart(&svc, Multipart::new(req.headers(), payload)).await?
    } else {
        let bytes = read_body(payload, 256 * 1024).await?;
        let input: WebFormSubmission = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError(AppError::field(
                "body",
                format!("is not a form submission: {e}"),
            ))
        })?;
        (input, Vec::new())
    };
    let o = origin.clone();
    let receipt = blocking(move || svc.submit_web_form(&key, o.as_deref(), &input, &files)).await?;
    let mut resp = HttpResponse::Created().json(receipt);
    if let Some(o) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        // The origin was checked against the form's list by the service.
        resp.headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        resp.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(v) = verdict {
        annotate(resp.headers_mut(), &v);
    }
    Ok(resp)
}

async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError(AppError::field("body", e.to_string())))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError(AppError::TooLarge(format!(
                "a submission without files is at most {limit} bytes"
            ))));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

async fn read_multipart(
    svc: &Services,
    mut payload: Multipart,
) -> Result<(WebFormSubmission, Vec<UploadedFile>), ApiError> {
    let mut input = WebFormSubmission::default();
    let mut files = Vec::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| ApiError(AppError::field("body", e.to_string())))?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if files.len() >= MAX_FORM_FILES {
                return Err(ApiError(AppError::field(
                    "file",
                    format!("at most {MAX_FORM_FILES} files"),
                )));
            }
            let filename = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(str::to_owned)
                .unwrap_or_default();
            let content_type = field.content_type().map(std::string::ToString::to_string);
            let mut upload = svc
                .files
                .begin()
                .map_err(|e| ApiError(AppError::failed("starting a form upload", e)))?;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| ApiError(AppError::field("file", e.to_string())))?;
                upload
                    .write(&chunk)
                    .map_err(|e| ApiError(AppError::TooLarge(e.to_string())))?;
            }
            let stored = web::block(move || upload.finish())
                .await
                .map_err(|e| ApiError(AppError::failed("storing a form upload", e)))?
                .map_err(|e| ApiError(AppError::failed("storing a form upload", e)))?;
            files.push(UploadedFile {
                stored,
                filename,
                content_type,
            });
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError(AppError::field(&name, e.to_string())))?;
            if value.len() + chunk.len() > 200_000 {
                return Err(ApiError(AppError::field(&name, "is too long")));
            }
            value.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(value)
            .map_err(|_| ApiError(AppError::field(&name, "must be UTF-8 text")))?;
        match name.as_str() {
            "name" => input.name = text,
            "email" => input.email = text,
            "subject" => input.subject = text,
            "text" => input.text = text,
            "website" => input.website = Some(text),
            _ => {}
        }
    }
    Ok((input, files))
}

/// Answers browsers' CORS preflight (`OPTIONS`) for form submissions: allowed for the form's
/// origins only.
pub async fn preflight(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let key = (req.method() == actix_web::http::Method::OPTIONS)
        .then(|| {
            req.path()
                .strip_prefix("/api/v1/forms/")
                .and_then(|r| r.strip_suffix("/submissions"))
                .filter(|k| !k.is_empty() && !k.contains('/'))
                .map(str::to_owned)
        })
        .flatten();
    let (Some(key), Some(svc)) = (key, req.app_data::<web::Data<Services>>().cloned()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| helpdesk_service::web_forms::normalize_origin(o).ok());
    let allowed = blocking(move || svc.web_form_origins(&key))
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let resp = match origin.filter(|o| allowed.contains(o)) {
        Some(o) => HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, o))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .insert_header((header::VARY, "Origin"))
            .finish(),
        None => crate::error::problem_response(&crate::error::problem(
            helpdesk_api_types::ProblemType::Forbidden,
            Some("this website may not post to the form".into()),
        )),
    };
    Ok(req.into_response(resp))
}
