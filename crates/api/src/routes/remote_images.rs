//! The proxy for pictures from elsewhere in mails, loaded only when a reader asks (see
//! `helpdesk_service::inline_links`). It fetches with no cookies, no referrer and no
//! redirects, refuses internal addresses, takes only raster images up to 5 MB, and answers
//! them sandboxed.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use futures_util::StreamExt;
use helpdesk_service::webhook_security::check_target;
use helpdesk_service::{AppError, Services};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;

/// Largest picture passed on.
const MAX_BYTES: usize = 5 << 20;

/// A signed link to a picture from elsewhere, as the stream gives it in `data-remote-src`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoteImage {
    /// The picture's address, encoded.
    pub url: Option<String>,
    /// When the link stops working (Unix time).
    pub expires: Option<i64>,
    /// The link's signature.
    pub signature: Option<String>,
}

fn unavailable(why: impl std::fmt::Display) -> ApiError {
    ApiError(AppError::Upstream(format!(
        "the picture could not be fetched: {why}"
    )))
}

/// A picture from elsewhere in a mail, fetched on the reader's request through a signed link
/// (no bearer token: an `<img>` sends none). Not an open proxy: the link names one address and
/// expires. 403 when the link is altered or expired; 502 when the picture cannot be fetched or
/// is not a raster image.
#[utoipa::path(tag = "attachments", params(RemoteImage), security(()),
    responses((status = 200, description = "The picture", content_type = "image/png", body = Vec<u8>),
        (status = 403, description = "The link is not valid or has expired", body = helpdesk_api_types::Problem, content_type = "application/problem+json"),
        (status = 502, description = "The picture could not be fetched", body = helpdesk_api_types::Problem, content_type = "application/problem+json")))]
#[get("/remote-images")]
pub async fn remote_image(
    svc: web::Data<Services>,
    q: web::Query<RemoteImage>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (Some(encoded), Some(expires), Some(signature)) = (q.url, q.expires, q.signature) else {
        return Err(ApiError(AppError::forbidden(
            "this link to a picture is not valid",
        )));
    };
    let url = svc.remote_picture_address(&encoded, expires, &signature)?;
    let allow = svc.webhooks.allow_private_targets;
    let target = url.clone();
    let addrs = tokio::task::spawn_blocking(move || check_target(&target, allow))
        .await
        .map_err(unavailable)?
        .map_err(unavailable)?;
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .user_agent("Mozilla/5.0 (compatible; helpdesk image proxy)");
    let parsed = reqwest::Url::parse(&url).map_err(unavailable)?;
    if let Some(host) = parsed
        .host_str()
        .filter(|h| !allow && h.parse::<std::net::IpAddr>().is_err())
    {
        // Connect to exactly the addresses checked: no second lookup that could answer
        // differently.
        builder = builder.resolve_to_addrs(host, &addrs);
    }
    let client = builder.build().map_err(unavailable)?;
    let resp = client.get(parsed).send().await.map_err(unavailable)?;
    if !resp.status().is_success() {
        return Err(unavailable(format!(
            "the server answered {}",
            resp.status()
        )));
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let raster = content_type.starts_with("image/") && !content_type.contains("svg");
    if !raster {
        return Err(unavailable(format!(
            "it is `{content_type}`, not a picture"
        )));
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unavailable)?;
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(unavailable("it is larger than 5 MB"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body))
}
