//! Attachments: multipart uploads streamed to disk by content hash, listing, and downloads that
//! only ever leave as `Content-Disposition: attachment` with `X-Content-Type-Options: nosniff`.
//!
//! An upload names its files in parts called `file`; other parts are ignored. Files are stored as
//! they arrive, never held in memory; one over the size limit fails the whole request with 413 and
//! none of its files is recorded.

use actix_files::NamedFile;
use actix_multipart::Multipart;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use helpdesk_api_types::cases::{Attachment, AttachmentUpload};
use helpdesk_service::attachments::UploadedFile;
use helpdesk_service::{Actor, AppError, Services};
use helpdesk_store::files::{Located, UploadError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::extract::{blocking, Auth};
use crate::ApiError;

/// Upload files to a case. They belong to no stream entry until sent with one (`attachment_ids`
/// of a new entry); agents see them at once, customers once they are sent publicly.
#[utoipa::path(tag = "attachments", params(("id" = i64, Path, description = "Case id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored", body = [Attachment]),
        (status = 409, description = "The case was merged; attach files to its target", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file is over the size limit; nothing was stored", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No part named `file`", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/cases/{id}/attachments")]
pub async fn upload(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    receive(svc, auth.0, id.into_inner(), false, payload).await
}

/// The files of a case, sent or not, oldest first.
#[utoipa::path(tag = "attachments", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The files", body = [Attachment])))]
#[get("/cases/{id}/attachments")]
pub async fn list(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<Attachment>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.list_attachments(&auth.0, id))
        .await
        .map(web::Json)
}

/// Download a file. Always served as a download (`Content-Disposition: attachment`,
/// `X-Content-Type-Options: nosniff`), with range requests and ETag.
///
/// Pictures inside a message's HTML are linked with `expires` and `signature` (signed when the
/// stream is read, valid one to two hours): such a link opens that one file without a bearer
/// token, as an `<img>` must; 403 once it has expired or when it was altered.
#[utoipa::path(tag = "attachments", params(("id" = i64, Path, description = "Attachment id"), SignedLink),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, description = "The signed link is not valid or has expired", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[get("/attachments/{id}/content")]
pub async fn download(
    req: HttpRequest,
    svc: web::Data<Services>,
    auth: Result<Auth, ApiError>,
    id: web::Path<i64>,
    link: web::Query<SignedLink>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (meta, path) = match (auth, link.into_inner()) {
        (Ok(auth), _) => blocking(move || svc.attachment_download(&auth.0, id)).await?,
        (
            Err(_),
            SignedLink {
                expires: Some(expires),
                signature: Some(signature),
            },
        ) => blocking(move || svc.signed_attachment_download(id, expires, &signature)).await?,
        (Err(refused), _) => return Err(refused),
    };
    serve(&req, meta, path).await
}

/// The query of a signed link to a picture inside a message.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedLink {
    /// When the link stops working (Unix time).
    pub expires: Option<i64>,
    /// The link's signature.
    pub signature: Option<String>,
}

/// Upload files to one of the caller's cases, to send with a message (`attachment_ids`).
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored", body = [Attachment]),
        (status = 409, description = "The case was merged", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file is over the size limit; nothing was stored", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No part named `file`", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[post("/portal/cases/{id}/attachments")]
pub async fn portal_upload(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    receive(svc, auth.0, id.into_inner(), true, payload).await
}

/// The files of public messages of one of the caller's cases, and their own unsent uploads.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The files", body = [Attachment])))]
#[get("/portal/cases/{id}/attachments")]
pub async fn portal_list(
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<Attachment>>, ApiError> {
    let id = id.into_inner();
    blocking(move || svc.portal_list_attachments(&auth.0, id))
        .await
        .map(web::Json)
}

/// Download a file of a public message of one of the caller's cases.
#[utoipa::path(tag = "portal", params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>)))]
#[get("/portal/attachments/{id}/content")]
pub async fn portal_download(
    req: HttpRequest,
    svc: web::Data<Services>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (meta, path) = blocking(move || svc.portal_attachment_download(&auth.0, id)).await?;
    serve(&req, meta, path).await
}

async fn receive(
    svc: web::Data<Services>,
    actor: Actor,
    case_id: i64,
    portal: bool,
    mut payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    // Refuse before reading a byte when the caller may not upload here.
    {
        let (svc, actor) = (svc.clone(), actor.clone());
        blocking(move || svc.check_upload(&actor, case_id, portal)).await?;
    }
    let (files, _) = receive_parts(&svc, &mut payload).await?;
    if files.is_empty() {
        return Err(ApiError(AppError::field(
            "file",
            "send at least one part named `file` (multipart/form-data)",
        )));
    }
    let stored = blocking(move || svc.add_attachments(&actor, case_id, portal, &files)).await?;
    Ok(HttpResponse::Created().json(stored))
}

/// The most a text part of a multipart upload may hold.
const TEXT_PART_LIMIT: usize = 64 * 1024;

/// Reads a multipart body: parts named `file` are streamed into the file store (one over the
/// limit fails the request, after the body is read so the client gets the answer); other parts
/// are kept as text, up to 64 KiB each.
pub(crate) async fn receive_parts(
    svc: &Services,
    payload: &mut Multipart,
) -> Result<(Vec<UploadedFile>, std::collections::HashMap<String, String>), ApiError> {
    let mut files = Vec::new();
    let mut texts = std::collections::HashMap::new();
    let mut failure: Option<AppError> = None;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| ApiError(AppError::field("file", e.to_string())))?;
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let name = field.name().unwrap_or_default().to_owned();
        let wanted = name == "file" && failure.is_none();
        let content_type = field.content_type().map(std::string::ToString::to_string);
        let mut receiving = if wanted {
            Some(svc.files.begin().map_err(upload_error)?)
        } else {
            None
        };
        let mut text = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError(AppError::field("file", e.to_string())))?;
            if let Some(u) = receiving.as_mut() {
                if let Err(e) = u.write(&chunk) {
                    // Keep reading (and dropping) the body so the client gets the answer.
                    failure = Some(upload_error(e).0);
                    receiving = None;
                }
            } else if !wanted && text.len() + chunk.len() <= TEXT_PART_LIMIT {
                text.extend_from_slice(&chunk);
            } else if !wanted {
                failure = Some(AppError::field(
                    &name,
                    format!("a text part may hold at most {TEXT_PART_LIMIT} bytes"),
                ));
            }
        }
        if let Some(u) = receiving {
            let stored = web::block(move || u.finish())
                .await
                .map_err(|e| ApiError(AppError::failed("finishing an upload", e)))?
                .map_err(upload_error)?;
            files.push(UploadedFile {
                stored,
                filename: filename.unwrap_or_default(),
                content_type,
            });
        } else if !wanted {
            texts.insert(name, String::from_utf8_lossy(&text).into_owned());
        }
    }
    if let Some(e) = failure {
        return Err(ApiError(e));
    }
    Ok((files, texts))
}

fn upload_error(e: UploadError) -> ApiError {
    ApiError(match e {
        UploadError::TooLarge { limit } => AppError::TooLarge(format!(
            "a file is larger than the limit of {limit} bytes; nothing was stored"
        )),
        // The disk or the object storage failed: not the client's fault, and passing.
        UploadError::Io(e) => AppError::Unavailable(format!("files cannot be stored now: {e}")),
    })
}

async fn serve(
    req: &HttpRequest,
    meta: Attachment,
    path: Located,
) -> Result<HttpResponse, ApiError> {
    serve_file(req, &meta.filename, &meta.content_type, path).await
}

/// A stored file as a download: `Content-Disposition: attachment` with its name, `nosniff`,
/// with range requests and ETag (from the disk, or streamed from object storage).
pub(crate) async fn serve_file(
    req: &HttpRequest,
    filename: &str,
    content_type: &str,
    place: Located,
) -> Result<HttpResponse, ApiError> {
    let mut resp = match place {
        Located::Disk(path) => NamedFile::open_async(&path)
            .await
            .map_err(|e| ApiError(AppError::failed("opening an attachment", e)))?
            .into_response(req),
        Located::Remote(url) => from_object_storage(req, url).await?,
    };
    let mime: mime::Mime = content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: filename.as_bytes().to_vec(),
            }),
        ],
    };
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_str(mime.as_ref())
            .unwrap_or(header::HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = header::HeaderValue::from_str(&disposition.to_string()) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-cache"),
    );
    Ok(resp)
}

/// The bytes of a file in object storage, streamed through: the client's range and
/// revalidation headers are passed on, and the storage's answer (200, 206, 304) with its
/// length, range and ETag passed back. The signed link is never shown to the client.
async fn from_object_storage(req: &HttpRequest, url: url::Url) -> Result<HttpResponse, ApiError> {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .read_timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default()
    });
    let mut ask = client.get(url);
    for name in [
        header::RANGE,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
    ] {
        if let Some(v) = req.headers().get(&name).and_then(|v| v.to_str().ok()) {
            ask = ask.header(name.as_str(), v);
        }
    }
    let got = ask.send().await.map_err(|e| {
        ApiError(AppError::Unavailable(format!(
            "object storage did not answer: {e}"
        )))
    })?;
    let status = got.status().as_u16();
    if !matches!(status, 200 | 206 | 304) {
        return Err(ApiError(AppError::Internal(format!(
            "object storage answered {status} for a stored file"
        ))));
    }
    let mut out = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    );
    for name in [
        header::CONTENT_LENGTH,
        header::CONTENT_RANGE,
        header::ETAG,
        header::LAST_MODIFIED,
        header::ACCEPT_RANGES,
    ] {
        if let Some(v) = got
            .headers()
            .get(name.as_str())
            .and_then(|v| header::HeaderValue::from_bytes(v.as_bytes()).ok())
        {
            out.insert_header((name, v));
        }
    }
    let length = got.content_length();
    let body = got
        .bytes_stream()
        .map(|chunk| chunk.map_err(std::io::Error::other));
    Ok(match length {
        Some(n) => out.body(actix_web::body::SizedStream::new(n, body)),
        None => out.streaming(body),
    })
}
