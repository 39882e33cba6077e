//! The knowledge base: categories, articles and their links to cases.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::crm::{like_pattern, lower};
use crate::db::AnyConnection;
use crate::schema::{case_articles, kb_articles, kb_attachments, kb_categories};
use crate::{Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_categories)]
pub struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = kb_categories, treat_none_as_null = true)]
pub struct CategoryValues {
    pub parent_id: Option<i64>,
    pub name: String,
    pub position: i32,
    pub updated_at: NaiveDateTime,
}

/// The categories holding a published article customers may read.
pub fn portal_article_category_ids(conn: &mut AnyConnection) -> Result<Vec<i64>, StoreError> {
    Ok(kb_articles::table
        .filter(kb_articles::status.eq("published"))
        .filter(kb_articles::visibility.eq("portal"))
        .filter(kb_articles::category_id.is_not_null())
        .select(kb_articles::category_id.assume_not_null())
        .distinct()
        .load(conn)?)
}

pub fn categories(conn: &mut AnyConnection) -> Result<Vec<CategoryRow>, StoreError> {
    Ok(kb_categories::table
        .order((kb_categories::position.asc(), kb_categories::id.asc()))
        .select(CategoryRow::as_select())
        .load(conn)?)
}

pub fn category(conn: &mut AnyConnection, id: i64) -> Result<CategoryRow, StoreError> {
    Ok(kb_categories::table
        .find(id)
        .select(CategoryRow::as_select())
        .first(conn)?)
}

pub fn insert_category(
    conn: &mut AnyConnection,
    v: &CategoryValues,
    now: NaiveDateTime,
) -> Result<CategoryRow, StoreError> {
    Ok(diesel::insert_into(kb_categories::table)
        .values((v, kb_categories::created_at.eq(now)))
        .returning(kb_categories::all_columns)
        .get_result(conn)?)
}

pub fn update_category(
    conn: &mut AnyConnection,
    id: i64,
    v: &CategoryValues,
) -> Result<CategoryRow, StoreError> {
    Ok(diesel::update(kb_categories::table.find(id))
        .set(v)
        .returning(kb_categories::all_columns)
        .get_result(conn)?)
}

pub fn delete_category(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    // Children and articles move up to no category (ON DELETE SET NULL).
    let n = diesel::delete(kb_categories::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_articles)]
pub struct ArticleRow {
    pub id: i64,
    pub category_id: Option<i64>,
    pub title: String,
    pub body_md: String,
    pub body_html: String,
    pub language: String,
    pub status: String,
    pub visibility: String,
    pub tags: String,
    pub author_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = kb_articles, treat_none_as_null = true)]
pub struct ArticleValues {
    pub category_id: Option<i64>,
    pub title: String,
    pub body_md: String,
    pub body_html: String,
    pub language: String,
    pub status: String,
    pub visibility: String,
    pub tags: String,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

pub fn insert_article(
    conn: &mut AnyConnection,
    v: &ArticleValues,
    author: i64,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(kb_articles::table)
        .values((
            v,
            kb_articles::author_id.eq(author),
            kb_articles::created_at.eq(now),
        ))
        .returning(kb_articles::id)
        .get_result(conn)?)
}

pub fn update_article(
    conn: &mut AnyConnection,
    id: i64,
    v: &ArticleValues,
) -> Result<(), StoreError> {
    let n = diesel::update(kb_articles::table.find(id))
        .set(v)
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn article(conn: &mut AnyConnection, id: i64) -> Result<ArticleRow, StoreError> {
    Ok(kb_articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)?)
}

pub fn delete_article(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let n = diesel::delete(kb_articles::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub category_id: Option<i64>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    pub language: Option<String>,
    pub tag: Option<String>,
    pub title: Option<String>,
}

/// Articles, newest first.
pub fn articles(
    conn: &mut AnyConnection,
    f: &ArticleFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<ArticleRow>, StoreError> {
    let mut q = kb_articles::table
        .select(ArticleRow::as_select())
        .order(kb_articles::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(v) = f.category_id {
        q = q.filter(kb_articles::category_id.eq(v));
    }
    if let Some(v) = &f.status {
        q = q.filter(kb_articles::status.eq(v.clone()));
    }
    if let Some(v) = &f.visibility {
        q = q.filter(kb_articles::visibility.eq(v.clone()));
    }
    if let Some(v) = &f.language {
        q = q.filter(kb_articles::language.eq(v.clone()));
    }
    if let Some(t) = &f.tag {
        let quoted = serde_json::to_string(t).unwrap_or_default();
        q = q.filter(
            kb_articles::tags
                .like(format!(
                    "%{}%",
                    quoted.replace('%', "\\%").replace('_', "\\_")
                ))
                .escape('\\'),
        );
    }
    if let Some(t) = &f.title {
        q = q.filter(lower(kb_articles::title).like(like_pattern(t)).escape('\\'));
    }
    if let Some(c) = cursor {
        q = q.filter(kb_articles::id.lt(c));
    }
    Ok(Page::from_overfetch(q.load(conn)?, limit, |r| r.id))
}

/// Links an article to a case (again is harmless).
pub fn link(
    conn: &mut AnyConnection,
    case_id: i64,
    article_id: i64,
    by: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let insert = diesel::insert_into(case_articles::table)
        .values((
            case_articles::case_id.eq(case_id),
            case_articles::article_id.eq(article_id),
            case_articles::linked_by_id.eq(by),
            case_articles::created_at.eq(now),
        ))
        .on_conflict_do_nothing();
    match conn {
        AnyConnection::Postgresql(c) => insert.execute(c)?,
        AnyConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(())
}

pub fn unlink(conn: &mut AnyConnection, case_id: i64, article_id: i64) -> Result<(), StoreError> {
    diesel::delete(
        case_articles::table
            .filter(case_articles::case_id.eq(case_id))
            .filter(case_articles::article_id.eq(article_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// The articles linked to a case, in the order they were linked.
pub fn articles_of_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<ArticleRow>, StoreError> {
    Ok(case_articles::table
        .inner_join(kb_articles::table)
        .filter(case_articles::case_id.eq(case_id))
        .order(case_articles::created_at.asc())
        .select(ArticleRow::as_select())
        .load(conn)?)
}

/// The cases an article is linked to.
pub fn cases_of_article(conn: &mut AnyConnection, article_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(case_articles::table
        .filter(case_articles::article_id.eq(article_id))
        .order(case_articles::case_id.asc())
        .select(case_articles::case_id)
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_attachments)]
pub struct KbAttachmentRow {
    pub id: i64,
    pub article_id: i64,
    pub sha256: String,
    pub size: i64,
    pub filename: String,
    pub content_type: String,
    pub uploaded_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = kb_attachments)]
pub struct NewKbAttachment {
    pub article_id: i64,
    pub sha256: String,
    pub size: i64,
    pub filename: String,
    pub content_type: String,
    pub uploaded_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_attachment(
    conn: &mut AnyConnection,
    new: &NewKbAttachment,
) -> Result<KbAttachmentRow, StoreError> {
    Ok(diesel::insert_into(kb_attachments::table)
        .values(new)
        .returning(kb_attachments::all_columns)
        .get_result(conn)?)
}

pub fn attachment(conn: &mut AnyConnection, id: i64) -> Result<KbAttachmentRow, StoreError> {
    Ok(kb_attachments::table
        .find(id)
        .select(KbAttachmentRow::as_select())
        .first(conn)?)
}

/// An article's files, oldest first.
pub fn attachments_of(
    conn: &mut AnyConnection,
    article_id: i64,
) -> Result<Vec<KbAttachmentRow>, StoreError> {
    Ok(kb_attachments::table
        .filter(kb_attachments::article_id.eq(article_id))
        .order(kb_attachments::id.asc())
        .select(KbAttachmentRow::as_select())
        .load(conn)?)
}

pub fn delete_attachment(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    if diesel::delete(kb_attachments::table.find(id)).execute(conn)? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
