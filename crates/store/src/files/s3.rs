//! Attachment bytes in S3-compatible object storage (AWS S3, MinIO, Ceph, Garage…), so that
//! every replica reads and writes the same files without a shared folder. Objects are named like
//! the folders on disk, `PREFIX/ab/cdef…` by content, so a file is stored once and an object,
//! once written, never changes. Requests are signed (AWS Signature V4, as presigned URLs) and
//! sent with a blocking client: the callers run on blocking threads already.

use std::io;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

/// How long a signature is good for: long enough for the request it signs, a download link
/// handed to the API's own stream included.
const SIGNED_FOR: Duration = Duration::from_secs(300);

/// Where the files are and how to reach them.
#[derive(Clone)]
pub struct S3Settings {
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub url: String,
    /// The server, for anything but AWS (`http://127.0.0.1:9000`); AWS's regional endpoint
    /// otherwise.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `bucket.host` names (AWS) or `host/bucket` paths (most other servers). Path style when
    /// an endpoint is given, unless said otherwise.
    pub path_style: Option<bool>,
}

impl std::fmt::Debug for S3Settings {
    // The secret key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// One bucket (and prefix) holding the files.
pub struct S3 {
    bucket: Bucket,
    credentials: Credentials,
    prefix: String,
    url: String,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3").field("url", &self.url).finish()
    }
}

/// The one HTTP client of object storage in this process (kept for the process's life: a
/// blocking client must not be dropped on an async thread).
#[allow(
    clippy::expect_used,
    reason = "a client with only timeouts set builds (TLS is built in)"
)]
fn client() -> &'static reqwest::blocking::Client {
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // Room for the largest attachment over a modest link; a hung server is given up on.
            .timeout(Duration::from_secs(300))
            .build()
            .expect("an HTTP client with timeouts builds")
    })
}

fn failed(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("object storage, {what}: {e}"))
}

impl S3 {
    /// Reads the settings; refuses a URL that is not `s3://bucket[/prefix]` or an unusable
    /// endpoint, saying which.
    pub fn new(settings: &S3Settings) -> Result<S3, String> {
        let rest = settings
            .url
            .strip_prefix("s3://")
            .ok_or("the files URL must look like s3://bucket/prefix")?;
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if name.is_empty() {
            return Err("the files URL names no bucket (s3://bucket/prefix)".into());
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let endpoint = match &settings.endpoint {
            Some(e) => e.clone(),
            None => format!("https://s3.{}.amazonaws.com", settings.region),
        };
        let endpoint: url::Url = endpoint
            .parse()
            .map_err(|e| format!("the S3 endpoint is not a URL: {e}"))?;
        let path_style = settings.path_style.unwrap_or(settings.endpoint.is_some());
        let style = if path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(endpoint, style, name.to_owned(), settings.region.clone())
            .map_err(|e| format!("the S3 bucket cannot be reached that way: {e}"))?;
        Ok(S3 {
            bucket,
            credentials: Credentials::new(
                settings.access_key_id.clone(),
                settings.secret_access_key.clone(),
            ),
            prefix,
            url: settings.url.clone(),
        })
    }

    /// `s3://bucket/prefix`, for logs.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn key(&self, sha256: &str) -> String {
        format!("{}{}/{}", self.prefix, &sha256[..2], &sha256[2..])
    }

    /// Whether the bytes of `sha256` are stored.
    pub fn exists(&self, sha256: &str) -> io::Result<bool> {
        let key = self.key(sha256);
        let url = self
            .bucket
            .head_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let resp = client()
            .head(url)
            .send()
            .map_err(|e| failed("looking for a file", e))?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            s => Err(failed("looking for a file", format!("answered {s}"))),
        }
    }

    /// Stores the bytes of `sha256` (at most once: present bytes are not sent again).
    pub fn put_bytes(&self, sha256: &str, bytes: &[u8]) -> io::Result<()> {
        if self.exists(sha256)? {
            return Ok(());
        }
        self.put(sha256, reqwest::blocking::Body::from(bytes.to_vec()))
    }

    /// Stores the file at `path` as the bytes of `sha256` (streamed, not read into memory).
    pub fn put_file(&self, sha256: &str, path: &Path, size: u64) -> io::Result<()> {
        if self.exists(sha256)? {
            return Ok(());
        }
        let file = std::fs::File::open(path)?;
        self.put(sha256, reqwest::blocking::Body::sized(file, size))
    }

    fn put(&self, sha256: &str, body: reqwest::blocking::Body) -> io::Result<()> {
        let key = self.key(sha256);
        let url = self
            .bucket
            .put_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR);
        let resp = client()
            .put(url)
            .body(body)
            .send()
            .map_err(|e| failed("storing a file", e))?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            return Err(failed("storing a file", format!("answered {status}")));
        }
        Ok(())
    }

    /// The bytes of `sha256`.
    pub fn get(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let resp = client()
            .get(self.download_url(sha256))
            .send()
            .map_err(|e| failed("reading a file", e))?;
        match resp.status().as_u16() {
            200 => Ok(resp
                .bytes()
                .map_err(|e| failed("reading a file", e))?
                .to_vec()),
            404 => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "object storage has no such file",
            )),
            s => Err(failed("reading a file", format!("answered {s}"))),
        }
    }

    /// A signed link that reads the bytes of `sha256` for a few minutes (the API streams from
    /// it; it is never handed to a client).
    pub fn download_url(&self, sha256: &str) -> url::Url {
        let key = self.key(sha256);
        self.bucket
            .get_object(Some(&self.credentials), &key)
            .sign(SIGNED_FOR)
    }

    /// Whether the bucket answers and these credentials may use it.
    pub fn check(&self) -> io::Result<()> {
        let url = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(SIGNED_FOR);
        let resp = client()
            .head(url)
            .timeout(Duration::from_secs(2))
            .send()
            .map_err(|e| failed("checking the bucket", e))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            let status = resp.status().as_u16();
            Err(failed("checking the bucket", format!("answered {status}")))
        }
    }

    /// Creates the bucket (for set-up scripts and tests; an existing bucket of this account is
    /// not an error).
    pub fn create_bucket(&self) -> io::Result<()> {
        let url = self
            .bucket
            .create_bucket(&self.credentials)
            .sign(SIGNED_FOR);
        let resp = client()
            .put(url)
            .body(Vec::new())
            .send()
            .map_err(|e| failed("creating the bucket", e))?;
        match resp.status().as_u16() {
            200 | 409 => Ok(()),
            s => Err(failed("creating the bucket", format!("answered {s}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str, endpoint: Option<&str>) -> S3Settings {
        S3Settings {
            url: url.into(),
            endpoint: endpoint.map(Into::into),
            region: "eu-central-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "secret".into(),
            path_style: None,
        }
    }

    #[test]
    fn objects_are_named_by_content_under_the_prefix() {
        let sha = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        let s3 = S3::new(&settings(
            "s3://files/helpdesk/prod/",
            Some("http://127.0.0.1:9000"),
        ))
        .unwrap();
        assert_eq!(s3.key(sha), format!("helpdesk/prod/b9/{}", &sha[2..]));
        let url = s3.download_url(sha);
        assert!(
            url.as_str().starts_with(&format!(
                "http://127.0.0.1:9000/files/helpdesk/prod/b9/{}?",
                &sha[2..]
            )),
            "path style with an endpoint: {url}"
        );
        assert!(url.as_str().contains("X-Amz-Signature="), "{url}");
        assert!(!url.as_str().contains("secret"), "{url}");

        let aws = S3::new(&settings("s3://files", None)).unwrap();
        assert_eq!(aws.key(sha), format!("b9/{}", &sha[2..]));
        assert!(aws
            .download_url(sha)
            .as_str()
            .starts_with("https://files.s3.eu-central-1.amazonaws.com/b9/"));
    }

    #[test]
    fn unusable_settings_are_refused_with_the_reason() {
        for (url, endpoint, says) in [
            ("/var/files", None, "s3://bucket/prefix"),
            ("s3://", None, "no bucket"),
            ("s3://files", Some("not a url"), "not a URL"),
            ("s3://files", Some("ftp://host"), "cannot be reached"),
        ] {
            let e = S3::new(&settings(url, endpoint)).unwrap_err();
            assert!(e.contains(says), "{url} {endpoint:?}: {e}");
        }
        let printed = format!("{:?}", settings("s3://files", None));
        assert!(!printed.contains("secret"), "{printed}");
    }
}
