//! A mail's attachments and inline pictures, and its HTML made safe to show.

use super::*;

impl Services {
    /// Files of a message become attachments of its entry; one over the size limit is
    /// recorded as refused, with the reason, instead of silently dropped. Returns the
    /// attachments that carry a Content-ID (inline images), by that id.
    pub(super) fn attachments_from_email(
        &self,
        c: &mut AnyConnection,
        msg: &Message<'_>,
        case_id: i64,
        entry_id: i64,
        now: NaiveDateTime,
    ) -> Result<Vec<(String, i64)>, AppError> {
        let mut inline = Vec::new();
        for part in msg.attachments() {
            let bytes = part.contents();
            let filename =
                crate::attachments::clean_filename(part.attachment_name().unwrap_or("attachment"));
            let content_type = crate::attachments::clean_content_type(
                part.content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{}", ct.ctype(), sub),
                        None => ct.ctype().to_owned(),
                    })
                    .as_deref(),
            );
            let (sha256, refused) = match self.files.put(bytes, self.files.max_bytes()) {
                Ok(f) => (f.sha256, None),
                Err(helpdesk_store::files::UploadError::TooLarge { limit }) => (
                    String::new(),
                    Some(format!(
                        "larger than the limit of {limit} bytes; not stored"
                    )),
                ),
                Err(e) => return Err(AppError::Internal(e.to_string())),
            };
            let row = file_rows::insert_attachment(
                c,
                &file_rows::NewAttachment {
                    case_id,
                    entry_id: Some(entry_id),
                    sha256: &sha256,
                    size: bytes.len() as i64,
                    filename: &filename,
                    content_type: &content_type,
                    uploaded_by_id: None,
                    created_at: now,
                    refused,
                },
            )?;
            if let Some(cid) = part.content_id().filter(|_| row.refused.is_none()) {
                inline.push((normalize_message_id(cid), row.id));
            }
        }
        Ok(inline)
    }
}

/// HTML of a message made safe to show: scripts, handlers and foreign schemes removed by
/// ammonia; `cid:` references to inline images rewritten to their attachments' download URLs
/// (the only `cid:` links kept).
pub(super) fn sanitize_html(html: &str, inline: &[(String, i64)]) -> String {
    let mut builder = ammonia::Builder::default();
    let mut schemes = ammonia::Builder::default().clone_url_schemes();
    schemes.insert("cid");
    builder.url_schemes(schemes);
    let inline = inline.to_vec();
    builder.attribute_filter(move |element, attr, value| {
        if attr == "srcset" {
            return None;
        }
        if attr != "src" && attr != "href" {
            return Some(value.into());
        }
        match value.get(..4) {
            Some(scheme) if scheme.eq_ignore_ascii_case("cid:") => {
                let cid = normalize_message_id(&value[4..]);
                inline
                    .iter()
                    .find(|(id, _)| *id == cid)
                    .map(|(_, attachment)| {
                        format!("/api/v1/attachments/{attachment}/content").into()
                    })
            }
            // Remote content is not loaded by default: a picture from elsewhere (a tracking
            // pixel tells the sender when and where the mail was read) keeps its address only
            // as a marker no browser loads; the reader gets a signed link to fetch it through
            // our proxy on request (`crate::inline_links`).
            _ if element == "img" && attr == "src" => crate::inline_links::remote_marker(value),
            _ if element == "img" || attr == "src" => None,
            _ => Some(value.into()),
        }
    });
    builder.clean(html).to_string()
}
