//! Pictures inside a mail's HTML (`cid:` references) shown in the app. An `<img>` cannot send
//! the `Authorization` header, so the sanitized HTML's links to those attachments are signed
//! when a reader is given the stream: the attachment id and an expiry, sealed with the server
//! key. A signed link opens that one file until it expires (one to two hours: expiries fall on
//! the hour, so a picture's link stays the same, and cached, for an hour) and nothing else.
//!
//! Pictures from elsewhere are not loaded by default (a tracking pixel tells its sender when
//! and where a mail was read). The sanitizer keeps their address as a `remote:` marker no
//! browser loads; the reader gets it as `data-remote-src`, a signed link to our proxy
//! (`/api/v1/remote-images`), which the app loads only when the agent asks. The proxy fetches
//! the picture without cookies or referrer, so the sender learns only the server's address.

use helpdesk_store::files::Located;

use base64::Engine;
use chrono::NaiveDateTime;
use helpdesk_api_types::cases::{Attachment, StreamEntry};
use helpdesk_store::attachments as store;
use helpdesk_store::cases::StreamEntryRow;
use helpdesk_store::AnyConnection;

use crate::auth::{constant_time_eq, keyed_seal};
use crate::users::not_found;
use crate::{AppError, Services};

const PREFIX: &str = "\"/api/v1/attachments/";
const REMOTE: &str = "src=\"remote:";

/// The `src` a picture from elsewhere keeps: its address, encoded, under a scheme no browser
/// loads. Only http and https addresses are kept.
pub(crate) fn remote_marker(url: &str) -> Option<std::borrow::Cow<'static, str>> {
    let lower = url.trim().to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() > 2048 {
        return None;
    }
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url.trim().as_bytes());
    Some(format!("remote:{encoded}").into())
}

fn remote_seal(key: &[u8], encoded: &str, expires: i64) -> String {
    let rest = format!("{encoded}\0{expires}");
    keyed_seal(key, &[b"helpdesk remote picture\0", rest.as_bytes()])
}

/// `html` with each remote picture's marker turned into an empty `src` and a signed link to
/// the proxy in `data-remote-src`.
fn sign_remote(key: &[u8], html: &str, expires: i64) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find(REMOTE) {
        let after = &rest[at + REMOTE.len()..];
        let len = after.find('"').unwrap_or(after.len());
        let encoded = &after[..len];
        out.push_str(&rest[..at]);
        out.push_str(&format!(
            "src=\"\" data-remote-src=\"/api/v1/remote-images?url={encoded}&amp;expires={expires}&amp;signature={}",
            remote_seal(key, encoded, expires)
        ));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}
const SUFFIX: &str = "/content\"";

fn seal(key: &[u8], id: i64, expires: i64) -> String {
    let rest = format!("{id}\0{expires}");
    keyed_seal(key, &[b"helpdesk inline attachment\0", rest.as_bytes()])
}

/// `html` with every link to an attachment's content signed with `key` until the next hour
/// but one.
fn sign_links(key: &[u8], html: &str, now: NaiveDateTime) -> String {
    let hour = 3600;
    let expires = (now.and_utc().timestamp() / hour + 2) * hour;
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find(PREFIX) {
        let after = &rest[at + PREFIX.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let id = after[..digits].parse::<i64>().ok();
        match id.filter(|_| after[digits..].starts_with(SUFFIX)) {
            Some(id) => {
                out.push_str(&rest[..at]);
                out.push_str(&format!(
                    "\"/api/v1/attachments/{id}/content?expires={expires}&amp;signature={}\"",
                    seal(key, id, expires)
                ));
                rest = &after[digits + SUFFIX.len()..];
            }
            None => {
                out.push_str(&rest[..at + PREFIX.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    sign_remote(key, &out, expires)
}

impl Services {
    /// Stream entries with their files, their inline pictures' links signed for the reader.
    pub(crate) fn entries_for_reader(
        &self,
        c: &mut AnyConnection,
        rows: Vec<StreamEntryRow>,
    ) -> Result<Vec<StreamEntry>, AppError> {
        let now = self.now();
        let mut entries = crate::attachments::entries_with_files(c, rows)?;
        for e in &mut entries {
            if let Some(html) = &e.body_html {
                e.body_html = Some(sign_links(&self.auth.jwt_secret, html, now));
            }
        }
        Ok(entries)
    }

    /// The file a signed link opens, while the link holds.
    pub fn signed_attachment_download(
        &self,
        id: i64,
        expires: i64,
        signature: &str,
    ) -> Result<(Attachment, Located), AppError> {
        let expected = seal(&self.auth.jwt_secret, id, expires);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes())
            || expires <= self.now().and_utc().timestamp()
        {
            return Err(AppError::forbidden(
                "this link to a picture is not valid or has expired; reload the case",
            ));
        }
        let row = self
            .db
            .read(|c| store::attachment(c, id))
            .map_err(not_found("attachment"))?;
        self.stored_file(row)
    }
}

impl Services {
    /// The address a signed proxy link names, while the link holds.
    pub fn remote_picture_address(
        &self,
        encoded: &str,
        expires: i64,
        signature: &str,
    ) -> Result<String, AppError> {
        let expected = remote_seal(&self.auth.jwt_secret, encoded, expires);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes())
            || expires <= self.now().and_utc().timestamp()
        {
            return Err(AppError::forbidden(
                "this link to a picture is not valid or has expired; reload the case",
            ));
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| AppError::forbidden("this link to a picture is not valid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_attachments_are_signed_and_nothing_else_changes() {
        let key = b"k";
        let now = chrono::DateTime::from_timestamp(7200 + 60, 0)
            .unwrap()
            .naive_utc();
        let html = r#"<p>Look: <img src="/api/v1/attachments/42/content" alt="x"> and <a href="/api/v1/attachments/7/other">y</a></p>"#;
        let signed = sign_links(key, html, now);
        let sealed = seal(key, 42, 4 * 3600);
        assert_eq!(
            signed,
            format!(
                r#"<p>Look: <img src="/api/v1/attachments/42/content?expires=14400&amp;signature={sealed}" alt="x"> and <a href="/api/v1/attachments/7/other">y</a></p>"#
            )
        );
        assert_eq!(sign_links(key, "no pictures", now), "no pictures");
        let marker = remote_marker("https://tracker.example/p.gif").unwrap();
        let html = format!(r#"<img src="{marker}" alt="p">"#);
        let signed = sign_links(key, &html, now);
        assert!(
            signed.starts_with(r#"<img src="" data-remote-src="/api/v1/remote-images?url="#),
            "{signed}"
        );
        assert!(!signed.contains("tracker.example"), "{signed}");
        assert_eq!(remote_marker("javascript:alert(1)"), None);
        assert_eq!(remote_marker("data:image/png;base64,AAAA"), None);
        assert_ne!(
            seal(key, 42, 14400),
            seal(key, 43, 14400),
            "bound to the file"
        );
        assert_ne!(
            seal(key, 42, 14400),
            seal(key, 42, 18000),
            "bound to the expiry"
        );
    }
}
