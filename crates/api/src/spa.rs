//! Serving the built SPA (`scripts/build-frontend.sh` writes it): `index.html`, revalidated on
//! every visit, and `assets/`, files named by their content and so cached for good. Each file is
//! served from its brotli or gzip compression made at build time when the browser accepts one,
//! so nothing is compressed per request. Every page carries a Content-Security-Policy that runs
//! no inline script and lets no other site frame the app.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentEncoding, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{mime, web, HttpRequest, HttpResponse};

use crate::error::{problem, problem_response};
use helpdesk_api_types::ProblemType;

/// The policy of every page of the app. Scripts only from this origin (the wasm needs
/// `'wasm-unsafe-eval'` to be compiled, nothing else does); inline styles are allowed because
/// the app and sanitized e-mail HTML set `style` attributes; pictures also from `data:` and
/// `blob:` URLs (previews of files being attached). No plugin, no `<base>`, no framing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// How long a content-named file may be kept: a year, never revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The folder of the built SPA.
pub struct SpaDir(pub PathBuf);

impl SpaDir {
    /// The folder, when it holds a built SPA.
    pub fn found(dir: &Path) -> Option<SpaDir> {
        dir.join("index.html")
            .is_file()
            .then(|| SpaDir(dir.to_path_buf()))
    }
}

/// Serves a file of the SPA, or `index.html` for the SPA's own routes (`/cases/12`). A missing
/// file under `assets/` is a 404, not the page: a browser still running an older build asks
/// for files that no longer exist, and must not be handed HTML in their place.
pub async fn serve(req: HttpRequest, dir: web::Data<SpaDir>) -> actix_web::Result<HttpResponse> {
    let tail = req.match_info().query("tail");
    let safe = !tail
        .split('/')
        .any(|seg| seg == ".." || seg.starts_with('.'));
    let candidate = dir.0.join(tail);
    let asset = tail.starts_with("assets/");
    let path = if safe && !tail.is_empty() && candidate.is_file() {
        candidate
    } else if asset {
        let p = problem(
            ProblemType::NotFound,
            Some(format!("no file {tail} in this version of the app")),
        );
        return Ok(problem_response(&p));
    } else {
        dir.0.join("index.html")
    };
    let (file, coding) = match precompressed(&path, req.headers()) {
        Some((compressed, coding)) => (compressed, Some(coding)),
        None => (path.clone(), None),
    };
    let mut named = NamedFile::open(file)?
        .use_last_modified(true)
        .disable_content_disposition()
        .set_content_type(content_type(&path));
    if let Some(coding) = coding {
        named = named.set_content_encoding(coding);
    }
    let mut resp = named.into_response(&req);
    let headers = resp.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if asset { IMMUTABLE } else { "no-cache" }),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(resp)
}

/// The type of a file of the SPA, by its name (its compressions are served as this type).
fn content_type(path: &Path) -> mime::Mime {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => mime::TEXT_HTML_UTF_8,
        Some(ext) => actix_files::file_extension_to_mime(ext),
        None => mime::APPLICATION_OCTET_STREAM,
    }
}

/// The build-time compression of `path` the client accepts, brotli before gzip, if there is one.
fn precompressed(path: &Path, headers: &HeaderMap) -> Option<(PathBuf, ContentEncoding)> {
    let accepted = headers
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    [
        (ContentEncoding::Brotli, "br"),
        (ContentEncoding::Gzip, "gz"),
    ]
    .into_iter()
    .filter(|(coding, _)| accepts(&accepted, coding.as_str()))
    .map(|(coding, ext)| {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        (PathBuf::from(name), coding)
    })
    .find(|(file, _)| file.is_file())
}

/// Whether an `Accept-Encoding` value accepts `coding` (by name or `*`, with a weight above 0).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    let mut named = None;
    let mut any = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            named = Some(weight > 0.0);
        } else if name == "*" {
            any = Some(weight > 0.0);
        }
    }
    named.or(any).unwrap_or(false)
}

/// Answers `HEAD` wherever `GET` is answered: the request is routed as a `GET`, and the HTTP
/// layer, which saw a `HEAD`, sends the headers (with the length) and no body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accept_encoding_is_read_with_weights_and_wildcards() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("gzip, deflate, br, zstd", "gzip"));
        assert!(!accepts("gzip, deflate", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(accepts("br;q=0.5", "br"));
        assert!(accepts("*", "br"));
        assert!(!accepts("*;q=0", "gzip"));
        assert!(!accepts("gzip;q=0, *", "gzip"));
        assert!(accepts("GZIP", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("identity", "br"));
    }
}
