//! The knowledge base: agents and admins write articles (Markdown, rendered to sanitized HTML)
//! in a category tree and link them to cases; portal users read the published portal articles.

use chrono::NaiveDateTime;
use helpdesk_api_types::kb::{
    Article, ArticleInput, ArticlePage, ArticleQuery, ArticleStatus, ArticleVisibility,
    KbAttachment, KbCategory, KbCategoryInput,
};
use helpdesk_store::kb::{self as store, ArticleRow, CategoryRow};
use helpdesk_store::{cases as case_store, AnyConnection};
use validator::Validate;

use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

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

fn article_dto(r: ArticleRow) -> Article {
    Article {
        id: r.id,
        category_id: r.category_id,
        title: r.title,
        body_md: r.body_md,
        body_html: r.body_html,
        language: r.language,
        status: if r.status == "published" {
            ArticleStatus::Published
        } else {
            ArticleStatus::Draft
        },
        visibility: if r.visibility == "portal" {
            ArticleVisibility::Portal
        } else {
            ArticleVisibility::Internal
        },
        tags: from_json(&r.tags),
        author_id: r.author_id,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        published_at: r.published_at.map(|t| t.and_utc()),
    }
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

impl Services {
    /// The category tree. A customer sees only the categories that lead to an article they
    /// may read (a published portal article in it or below it): the names of internal
    /// categories are not theirs to see.
    pub fn kb_categories(&self, actor: &Actor) -> Result<Vec<KbCategory>, AppError> {
        actor.any_read()?;
        let (rows, readable) = self.db.read(|c| -> Result<_, AppError> {
            let rows = store::categories(c)?;
            let readable = if actor.is_portal() {
                Some(store::portal_article_category_ids(c)?)
            } else {
                None
            };
            Ok((rows, readable))
        })?;
        let Some(readable) = readable else {
            return Ok(rows.into_iter().map(category_dto).collect());
        };
        // The categories with a readable article, and every category above them.
        let parent: std::collections::HashMap<i64, Option<i64>> =
            rows.iter().map(|r| (r.id, r.parent_id)).collect();
        let mut shown = std::collections::HashSet::new();
        for id in readable {
            let mut at = Some(id);
            // A tree has no loops (refused on save); the bound guards against bad data.
            for _ in 0..rows.len() {
                let Some(id) = at.filter(|id| shown.insert(*id)) else {
                    break;
                };
                at = parent.get(&id).copied().flatten();
            }
        }
        Ok(rows
            .into_iter()
            .filter(|r| shown.contains(&r.id))
            .map(category_dto)
            .collect())
    }

    fn category_values(
        c: &mut AnyConnection,
        id: Option<i64>,
        input: &KbCategoryInput,
        now: NaiveDateTime,
    ) -> Result<store::CategoryValues, AppError> {
        input.validate()?;
        if let Some(parent) = input.parent_id {
            if makes_loop(c, id.unwrap_or(0), parent)? {
                return Err(AppError::field(
                    "parent_id",
                    "a category cannot sit inside itself",
                ));
            }
        }
        Ok(store::CategoryValues {
            parent_id: input.parent_id,
            name: input.name.trim().to_owned(),
            position: input.position.unwrap_or(0),
            updated_at: now,
        })
    }

    pub fn create_kb_category(
        &self,
        actor: &Actor,
        input: &KbCategoryInput,
    ) -> Result<KbCategory, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let v = Self::category_values(c, None, input, now)?;
            Ok::<_, AppError>(store::insert_category(c, &v, now)?)
        })?;
        Ok(category_dto(row))
    }

    pub fn update_kb_category(
        &self,
        actor: &Actor,
        id: i64,
        input: &KbCategoryInput,
    ) -> Result<KbCategory, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            store::category(c, id).map_err(not_found("category"))?;
            let v = Self::category_values(c, Some(id), input, now)?;
            Ok::<_, AppError>(store::update_category(c, id, &v)?)
        })?;
        Ok(category_dto(row))
    }

    /// Deletes a category; its subcategories and articles move to the top.
    pub fn delete_kb_category(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db
            .write(|c| store::delete_category(c, id))
            .map_err(not_found("category"))
    }

    fn article_values(
        c: &mut AnyConnection,
        input: &ArticleInput,
        published_before: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Result<store::ArticleValues, AppError> {
        input.validate()?;
        let language = match input.language.as_deref().unwrap_or("en") {
            l @ ("en" | "ru") => l.to_owned(),
            _ => return Err(AppError::field("language", "must be en or ru")),
        };
        if let Some(cat) = input.category_id {
            store::category(c, cat)
                .map_err(|_| AppError::field("category_id", "no such category"))?;
        }
        let status = input.status.unwrap_or(ArticleStatus::Draft);
        let mut tags: Vec<String> = input
            .tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty() && t.len() <= 50)
            .collect();
        tags.sort();
        tags.dedup();
        Ok(store::ArticleValues {
            category_id: input.category_id,
            title: input.title.trim().to_owned(),
            body_html: render_markdown(&input.body_md),
            body_md: input.body_md.clone(),
            language,
            status: match status {
                ArticleStatus::Draft => "draft",
                ArticleStatus::Published => "published",
            }
            .to_owned(),
            visibility: match input.visibility.unwrap_or(ArticleVisibility::Internal) {
                ArticleVisibility::Internal => "internal",
                ArticleVisibility::Portal => "portal",
            }
            .to_owned(),
            tags: to_json(&tags),
            updated_at: now,
            published_at: match status {
                ArticleStatus::Published => published_before.or(Some(now)),
                ArticleStatus::Draft => None,
            },
        })
    }

    pub fn create_article(&self, actor: &Actor, input: &ArticleInput) -> Result<Article, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let v = Self::article_values(c, input, None, now)?;
            let id = store::insert_article(c, &v, actor.user_id, now)?;
            Ok::<_, AppError>(store::article(c, id)?)
        })?;
        Ok(article_dto(row))
    }

    pub fn update_article(
        &self,
        actor: &Actor,
        id: i64,
        input: &ArticleInput,
    ) -> Result<Article, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let old = store::article(c, id).map_err(not_found("article"))?;
            let v = Self::article_values(c, input, old.published_at, now)?;
            store::update_article(c, id, &v)?;
            Ok::<_, AppError>(store::article(c, id)?)
        })?;
        Ok(article_dto(row))
    }

    pub fn delete_article(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db
            .write(|c| store::delete_article(c, id))
            .map_err(not_found("article"))
    }

    pub fn get_article(&self, actor: &Actor, id: i64) -> Result<Article, AppError> {
        actor.staff_read()?;
        Ok(article_dto(
            self.db
                .read(|c| store::article(c, id))
                .map_err(not_found("article"))?,
        ))
    }

    pub fn list_articles(&self, actor: &Actor, q: &ArticleQuery) -> Result<ArticlePage, AppError> {
        actor.staff_read()?;
        self.articles_page(q, None)
    }

    fn articles_page(&self, q: &ArticleQuery, portal: Option<()>) -> Result<ArticlePage, AppError> {
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let mut f = store::ArticleFilter {
            category_id: q.category_id,
            status: q.status.map(|s| {
                match s {
                    ArticleStatus::Draft => "draft",
                    ArticleStatus::Published => "published",
                }
                .to_owned()
            }),
            visibility: q.visibility.map(|v| {
                match v {
                    ArticleVisibility::Internal => "internal",
                    ArticleVisibility::Portal => "portal",
                }
                .to_owned()
            }),
            language: q.language.clone(),
            tag: q.tag.as_deref().map(|t| t.trim().to_lowercase()),
            title: q.q.clone().filter(|t| !t.trim().is_empty()),
        };
        if portal.is_some() {
            f.status = Some("published".into());
            f.visibility = Some("portal".into());
        }
        let page = self.db.read(|c| store::articles(c, &f, limit, cursor))?;
        Ok(ArticlePage {
            items: page.items.into_iter().map(article_dto).collect(),
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    /// Portal users: published articles meant for customers.
    pub fn portal_articles(
        &self,
        actor: &Actor,
        q: &ArticleQuery,
    ) -> Result<ArticlePage, AppError> {
        actor.portal_contact()?;
        self.articles_page(q, Some(()))
    }

    /// One portal article; drafts and internal articles are not found.
    pub fn portal_article(&self, actor: &Actor, id: i64) -> Result<Article, AppError> {
        actor.portal_contact()?;
        let row = self
            .db
            .read(|c| store::article(c, id))
            .map_err(not_found("article"))?;
        if !readable_by_portal(&row) {
            return Err(AppError::NotFound("article"));
        }
        Ok(article_dto(row))
    }

    pub fn case_articles(&self, actor: &Actor, case_id: i64) -> Result<Vec<Article>, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            case_store::case(c, case_id).map_err(not_found("case"))?;
            Ok(store::articles_of_case(c, case_id)?
                .into_iter()
                .map(article_dto)
                .collect())
        })
    }

    /// The published portal articles linked to a case the portal user may see.
    pub fn portal_case_articles(
        &self,
        actor: &Actor,
        case_id: i64,
    ) -> Result<Vec<Article>, AppError> {
        self.db.read(|c| {
            self.portal_case_row(c, actor, case_id)?;
            Ok(store::articles_of_case(c, case_id)?
                .into_iter()
                .filter(readable_by_portal)
                .map(article_dto)
                .collect())
        })
    }

    pub fn link_article(
        &self,
        actor: &Actor,
        case_id: i64,
        article_id: i64,
    ) -> Result<(), AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            case_store::case(c, case_id).map_err(not_found("case"))?;
            store::article(c, article_id).map_err(not_found("article"))?;
            Ok(store::link(c, case_id, article_id, actor.user_id, now)?)
        })
    }

    pub fn unlink_article(
        &self,
        actor: &Actor,
        case_id: i64,
        article_id: i64,
    ) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db.write(|c| {
            case_store::case(c, case_id).map_err(not_found("case"))?;
            Ok(store::unlink(c, case_id, article_id)?)
        })
    }

    /// The cases an article is linked to (ids).
    pub fn article_cases(&self, actor: &Actor, id: i64) -> Result<Vec<i64>, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            store::article(c, id).map_err(not_found("article"))?;
            Ok(store::cases_of_article(c, id)?)
        })
    }
}

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
    ) -> Result<(KbAttachment, std::path::PathBuf), AppError> {
        let row = self.db.read(|c| {
            let row = store::attachment(c, id).map_err(not_found("attachment"))?;
            self.readable_article(c, actor, row.article_id, portal)
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::NotFound("attachment"),
                    e => e,
                })?;
            Ok::<_, AppError>(row)
        })?;
        let path = self.files.path_of(&row.sha256).ok_or_else(|| {
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
