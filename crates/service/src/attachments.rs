//! Files on cases. The API streams an upload into the [`FileStore`] (after asking here whether
//! the caller may upload at all), then records it; downloads go through the same checks.
//! Agents see every file of a case; a portal user only the files of public entries of cases they
//! may see, plus their own uploads not yet sent.

use helpdesk_store::files::Located;

use helpdesk_api_types::cases::Attachment;
use helpdesk_store::attachments::{self as store, AttachmentRow, NewAttachment};
use helpdesk_store::cases as case_store;
use helpdesk_store::files::StoredFile;
use helpdesk_store::AnyConnection;

use crate::users::not_found;
use crate::{Actor, AppError, Services};

pub(crate) fn attachment_dto(row: AttachmentRow) -> Attachment {
    Attachment {
        id: row.id,
        case_id: row.case_id,
        entry_id: row.entry_id,
        filename: row.filename,
        content_type: row.content_type,
        size: row.size,
        sha256: row.sha256,
        uploaded_by_id: row.uploaded_by_id,
        created_at: row.created_at.and_utc(),
        refused: row.refused,
    }
}

/// A file name safe to store and to put in a header: the last path component, no control
/// characters or quotes, at most 255 bytes; `file` when nothing is left.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut name: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .collect();
    name = name.trim().trim_start_matches('.').trim().to_owned();
    while name.len() > 255 {
        name.pop();
    }
    if name.is_empty() {
        "file".to_owned()
    } else {
        name
    }
}

/// A media type as `type/subtype` of token characters, lowercased; anything else is stored as
/// `application/octet-stream`.
pub fn clean_content_type(raw: Option<&str>) -> String {
    let essence = raw.unwrap_or("").split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, s)) if token(t) && token(s) => essence.to_ascii_lowercase(),
        _ => "application/octet-stream".to_owned(),
    }
}

/// An uploaded file's name and declared type, as the client sent them.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub stored: StoredFile,
    pub filename: String,
    pub content_type: Option<String>,
}

impl Services {
    /// Whether `actor` may upload files to the case; asked before any byte is stored.
    /// `portal` says which namespace was called: the portal's, or the agents'.
    pub fn check_upload(&self, actor: &Actor, case_id: i64, portal: bool) -> Result<(), AppError> {
        self.db
            .read(|c| self.upload_target(c, actor, case_id, portal))
    }

    fn upload_target(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        case_id: i64,
        portal: bool,
    ) -> Result<(), AppError> {
        let row = if portal {
            actor.any_write()?;
            actor.portal_contact()?;
            self.portal_case_row(c, actor, case_id)?
        } else {
            actor.staff_write()?;
            case_store::case(c, case_id).map_err(not_found("case"))?
        };
        if row.status == helpdesk_domain::CaseStatus::Merged {
            return Err(AppError::Conflict(format!(
                "case #{} was merged; attach files to its target",
                row.number
            )));
        }
        Ok(())
    }

    /// Records files already in the file store as uploads of `actor` to the case, not yet sent
    /// with any entry.
    pub fn add_attachments(
        &self,
        actor: &Actor,
        case_id: i64,
        portal: bool,
        files: &[UploadedFile],
    ) -> Result<Vec<Attachment>, AppError> {
        let now = self.now();
        self.db.write(|c| {
            self.upload_target(c, actor, case_id, portal)?;
            let mut out = Vec::with_capacity(files.len());
            for f in files {
                let filename = clean_filename(&f.filename);
                let content_type = clean_content_type(f.content_type.as_deref());
                let row = store::insert_attachment(
                    c,
                    &NewAttachment {
                        case_id,
                        entry_id: None,
                        sha256: &f.stored.sha256,
                        size: f.stored.size as i64,
                        filename: &filename,
                        content_type: &content_type,
                        uploaded_by_id: Some(actor.user_id),
                        created_at: now,
                        refused: None,
                    },
                )?;
                out.push(attachment_dto(row));
            }
            Ok(out)
        })
    }

    /// The files of a case an agent may see: all of them.
    pub fn list_attachments(
        &self,
        actor: &Actor,
        case_id: i64,
    ) -> Result<Vec<Attachment>, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            case_store::case(c, case_id).map_err(not_found("case"))?;
            Ok(store::of_case(c, case_id)?
                .into_iter()
                .map(attachment_dto)
                .collect())
        })
    }

    /// The files of a case its customer may see: those of public entries, and their own
    /// uploads not yet sent.
    pub fn portal_list_attachments(
        &self,
        actor: &Actor,
        case_id: i64,
    ) -> Result<Vec<Attachment>, AppError> {
        actor.any_read()?;
        actor.portal_contact()?;
        self.db.read(|c| {
            self.portal_case_row(c, actor, case_id)?;
            let mut rows = store::of_case_entries_of_kind(c, case_id, &["public"])?;
            rows.extend(
                store::of_case(c, case_id)?
                    .into_iter()
                    .filter(|a| a.entry_id.is_none() && a.uploaded_by_id == Some(actor.user_id)),
            );
            rows.sort_by_key(|a| a.id);
            Ok(rows.into_iter().map(attachment_dto).collect())
        })
    }

    /// A file and where its bytes are, if `actor` may download it. For a portal user an
    /// attachment they may not see is "not found", like a case they may not see.
    pub fn attachment_download(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(Attachment, Located), AppError> {
        actor.staff_read()?;
        self.download(actor, id)
    }

    /// [`Services::attachment_download`] for portal users.
    pub fn portal_attachment_download(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(Attachment, Located), AppError> {
        actor.portal_contact()?;
        self.download(actor, id)
    }

    fn download(&self, actor: &Actor, id: i64) -> Result<(Attachment, Located), AppError> {
        actor.any_read()?;
        let row = self.db.read(|c| {
            let row = store::attachment(c, id).map_err(not_found("attachment"))?;
            if actor.is_portal() {
                self.portal_case_row(c, actor, row.case_id)
                    .map_err(|_| AppError::NotFound("attachment"))?;
                let visible = match row.entry_id {
                    Some(entry) => {
                        case_store::stream_entry(c, entry)?.kind
                            == helpdesk_domain::EntryKind::Public
                    }
                    None => row.uploaded_by_id == Some(actor.user_id),
                };
                if !visible {
                    return Err(AppError::NotFound("attachment"));
                }
            } else {
                actor.staff_read()?;
            }
            Ok(row)
        })?;
        self.stored_file(row)
    }

    /// The file of an attachment the caller may read: refused files are a conflict, missing
    /// bytes an internal error.
    pub(crate) fn stored_file(
        &self,
        row: AttachmentRow,
    ) -> Result<(Attachment, Located), AppError> {
        if let Some(why) = &row.refused {
            return Err(AppError::Conflict(format!(
                "this file was not stored: {why}"
            )));
        }
        let id = row.id;
        let path = self.files.locate(&row.sha256).ok_or_else(|| {
            AppError::Internal(format!("the bytes of attachment {id} are missing"))
        })?;
        Ok((attachment_dto(row), path))
    }

    /// Sends uploads with a new entry `(case, entry)`: each id must be an unsent upload of this
    /// user to `case_id`.
    pub(crate) fn bind_attachments(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        case_id: i64,
        entry: (i64, i64),
        ids: &[i64],
    ) -> Result<(), AppError> {
        let (into_case, entry_id) = entry;
        if ids.is_empty() {
            return Ok(());
        }
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let bound = store::bind_to_entry(c, &unique, case_id, actor.user_id, into_case, entry_id)?;
        if bound != unique.len() {
            return Err(AppError::field(
                "attachment_ids",
                "each id must be a file you uploaded to this case and have not sent yet",
            ));
        }
        Ok(())
    }
}

/// Stream entries with their attachments, in the given order.
pub(crate) fn entries_with_files(
    c: &mut AnyConnection,
    rows: Vec<case_store::StreamEntryRow>,
) -> Result<Vec<helpdesk_api_types::cases::StreamEntry>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut files = store::of_entries(c, &ids)?;
    rows.into_iter()
        .map(|row| {
            let mine: Vec<Attachment> = files
                .extract_if(.., |a| a.entry_id == Some(row.id))
                .map(attachment_dto)
                .collect();
            let mut dto = crate::cases::entry_dto(row)?;
            dto.attachments = mine;
            Ok(dto)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_header_breaking_characters() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\ivan\\отчёт.pdf"), "отчёт.pdf");
        assert_eq!(clean_filename("a\"b;c\r\n.txt"), "abc.txt");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename(""), "file");
        assert!(clean_filename(&"я".repeat(300)).len() <= 255);
    }

    #[test]
    fn content_types_are_media_types_or_octet_stream() {
        assert_eq!(clean_content_type(Some("Image/PNG")), "image/png");
        assert_eq!(
            clean_content_type(Some("text/plain; charset=utf-8")),
            "text/plain"
        );
        assert_eq!(
            clean_content_type(Some("text/html\r\nX-Evil: 1")),
            "application/octet-stream"
        );
        assert_eq!(clean_content_type(None), "application/octet-stream");
    }
}
