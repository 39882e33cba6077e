//! The knowledge base: agents and admins write articles (Markdown, rendered to sanitized HTML)
//! in a category tree and link them to cases; portal users read the published portal articles.

use chrono::NaiveDateTime;
use helpdesk_api_types::kb::{
    Article, ArticleInput, ArticlePage, ArticlePreviewInput, ArticleQuery, ArticleStatus,
    ArticleVisibility, KbAttachment, KbCategory, KbCategoryInput,
};
use helpdesk_store::kb::{self as store, ArticleRow, CategoryRow};
use helpdesk_store::{cases as case_store, AnyConnection};
use validator::Validate;

use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

mod articles;
mod categories;

/// Markdown to HTML, then through the same sanitizer as email (no scripts, no event handlers,
/// no foreign styles; links open safely).
pub fn render_markdown(md: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(md, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

fn category_dto(r: CategoryRow) -> KbCategory {
    KbCategory {
        id: r.id,
        parent_id: r.parent_id,
        name: r.name,
        position: r.position,
    }
}

fn article_dto(r: ArticleRow) -> Result<Article, AppError> {
    Ok(Article {
        id: r.id,
        category_id: r.category_id,
        title: r.title,
        body_md: r.body_md,
        body_html: r.body_html,
        language: r.language,
        status: match r.status.as_str() {
            "published" => ArticleStatus::Published,
            "draft" => ArticleStatus::Draft,
            other => return Err(crate::unknown_stored("article", r.id, "status", other)),
        },
        visibility: match r.visibility.as_str() {
            "portal" => ArticleVisibility::Portal,
            "internal" => ArticleVisibility::Internal,
            other => return Err(crate::unknown_stored("article", r.id, "visibility", other)),
        },
        tags: from_json("article", r.id, "tags", &r.tags)?,
        author_id: r.author_id,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        published_at: r.published_at.map(|t| t.and_utc()),
    })
}

fn readable_by_portal(r: &ArticleRow) -> bool {
    r.status == "published" && r.visibility == "portal"
}

/// Whether making `parent` the parent of `id` would make a loop.
fn makes_loop(c: &mut AnyConnection, id: i64, parent: i64) -> Result<bool, AppError> {
    let mut at = Some(parent);
    let mut steps = 0;
    while let Some(p) = at {
        if p == id || steps > 100 {
            return Ok(true);
        }
        at = store::category(c, p)
            .map_err(|_| AppError::field("parent_id", "no such category"))?
            .parent_id;
        steps += 1;
    }
    Ok(false)
}

impl Services {}

fn kb_attachment_dto(r: store::KbAttachmentRow) -> KbAttachment {
    KbAttachment {
        id: r.id,
        article_id: r.article_id,
        filename: r.filename,
        content_type: r.content_type,
        size: r.size,
        sha256: r.sha256,
        uploaded_by_id: r.uploaded_by_id,
        created_at: r.created_at.and_utc(),
    }
}

/// Files of knowledge-base articles: agents attach, list, download and remove them; portal
/// users list and download those of published portal articles only.
impl Services {
    /// Whether `actor` may attach files to the article; asked before any byte is stored.
    pub fn check_article_upload(&self, actor: &Actor, article_id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db
            .read(|c| store::article(c, article_id))
            .map_err(not_found("article"))?;
        Ok(())
    }

    /// Records files already in the file store as attachments of the article.
    pub fn add_article_attachments(
        &self,
        actor: &Actor,
        article_id: i64,
        files: &[crate::attachments::UploadedFile],
    ) -> Result<Vec<KbAttachment>, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            store::article(c, article_id).map_err(not_found("article"))?;
            let mut out = Vec::with_capacity(files.len());
            for f in files {
                let row = store::insert_attachment(
                    c,
                    &store::NewKbAttachment {
                        article_id,
                        sha256: f.stored.sha256.clone(),
                        size: f.stored.size as i64,
                        filename: crate::attachments::clean_filename(&f.filename),
                        content_type: crate::attachments::clean_content_type(
                            f.content_type.as_deref(),
                        ),
                        uploaded_by_id: Some(actor.user_id),
                        created_at: now,
                    },
                )?;
                out.push(kb_attachment_dto(row));
            }
            Ok(out)
        })
    }

    /// The files of an article. `portal` says which namespace was called: agents see any
    /// article's, portal users those of published portal articles only.
    pub fn article_attachments(
        &self,
        actor: &Actor,
        article_id: i64,
        portal: bool,
    ) -> Result<Vec<KbAttachment>, AppError> {
        self.db.read(|c| {
            self.readable_article(c, actor, article_id, portal)?;
            Ok(store::attachments_of(c, article_id)?
                .into_iter()
                .map(kb_attachment_dto)
                .collect())
        })
    }

    /// A file of an article and where its bytes are, for download.
    pub fn kb_attachment_download(
        &self,
        actor: &Actor,
        id: i64,
        portal: bool,
    ) -> Result<(KbAttachment, helpdesk_store::files::Located), AppError> {
        let row = self.db.read(|c| {
            let row = store::attachment(c, id).map_err(not_found("attachment"))?;
            self.readable_article(c, actor, row.article_id, portal)
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::NotFound("attachment"),
                    e => e,
                })?;
            Ok::<_, AppError>(row)
        })?;
        let path = self.files.locate(&row.sha256).ok_or_else(|| {
            AppError::Internal(format!("the bytes of kb attachment {id} are missing"))
        })?;
        Ok((kb_attachment_dto(row), path))
    }

    pub fn delete_kb_attachment(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db
            .write(|c| store::delete_attachment(c, id))
            .map_err(not_found("attachment"))
    }

    fn readable_article(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        article_id: i64,
        portal: bool,
    ) -> Result<(), AppError> {
        if portal {
            actor.portal_contact()?;
        } else {
            actor.staff_read()?;
        }
        let row = store::article(c, article_id).map_err(not_found("article"))?;
        if portal && !readable_by_portal(&row) {
            return Err(AppError::NotFound("article"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn markdown_is_rendered_and_sanitized() {
        let html = render_markdown(
            "# Reset\n\n1. Open **Settings**\n2. <script>alert(1)</script>\n\n[bad](javascript:void) [good](https://example.com)\n\n<img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h1>Reset</h1>"), "{html}");
        assert!(html.contains("<strong>Settings</strong>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}
