//! Knowledge base articles: written, read (internal ones only by staff), listed, and linked to cases.

use super::*;

impl Services {
    pub(super) fn article_values(
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

    /// Markdown as it will read once saved: rendered and sanitized the same way (staff).
    pub fn preview_article(
        &self,
        actor: &Actor,
        input: &ArticlePreviewInput,
    ) -> Result<String, AppError> {
        actor.staff_read()?;
        input.validate()?;
        Ok(super::render_markdown(&input.body_md))
    }

    pub fn create_article(&self, actor: &Actor, input: &ArticleInput) -> Result<Article, AppError> {
        actor.staff_write()?;
        let now = self.now();
        let row = self.db.write(|c| {
            let v = Self::article_values(c, input, None, now)?;
            let id = store::insert_article(c, &v, actor.user_id, now)?;
            Ok::<_, AppError>(store::article(c, id)?)
        })?;
        article_dto(row)
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
        article_dto(row)
    }

    pub fn delete_article(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        self.db
            .write(|c| store::delete_article(c, id))
            .map_err(not_found("article"))
    }

    pub fn get_article(&self, actor: &Actor, id: i64) -> Result<Article, AppError> {
        actor.staff_read()?;
        article_dto(
            self.db
                .read(|c| store::article(c, id))
                .map_err(not_found("article"))?,
        )
    }

    pub fn list_articles(&self, actor: &Actor, q: &ArticleQuery) -> Result<ArticlePage, AppError> {
        actor.staff_read()?;
        self.articles_page(q, None)
    }

    pub(super) fn articles_page(
        &self,
        q: &ArticleQuery,
        portal: Option<()>,
    ) -> Result<ArticlePage, AppError> {
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
            items: page
                .items
                .into_iter()
                .map(article_dto)
                .collect::<Result<_, _>>()?,
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
        article_dto(row)
    }

    pub fn case_articles(&self, actor: &Actor, case_id: i64) -> Result<Vec<Article>, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            case_store::case(c, case_id).map_err(not_found("case"))?;
            store::articles_of_case(c, case_id)?
                .into_iter()
                .map(article_dto)
                .collect::<Result<_, _>>()
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
            store::articles_of_case(c, case_id)?
                .into_iter()
                .filter(readable_by_portal)
                .map(article_dto)
                .collect::<Result<_, _>>()
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
