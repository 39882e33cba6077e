//! Full-text search: PostgreSQL `tsvector` (Russian and English stemming, GIN) or SQLite FTS5
//! (see the `search` migration). Every query returns ranked hits with a snippet whose matches
//! are wrapped in [`MARK_START`] / [`MARK_END`] (the caller escapes the text and turns those
//! into markup).
//!
//! On PostgreSQL the newest 500 matches of a kind are ranked: a word found in a large share of
//! a million rows then costs a short backward index scan instead of ranking every match.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp};

use crate::cases::PortalScope;
use crate::db::AnyConnection;
use crate::StoreError;

pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// How many of the newest matches are ranked (PostgreSQL). The match condition is written out
/// in each query (not taken from the CTE) so the planner sees the words and estimates how many
/// rows they match: a rare word goes through the GIN index, a common one walks ids backwards.
/// On SQLite a message's score is
/// scaled down like PostgreSQL's weights do: a case's own subject outranks a passing mention.
const CANDIDATES: i64 = 100;

#[derive(Debug, Clone, QueryableByName)]
pub struct HitRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub case_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub case_number: Option<i64>,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Double)]
    pub score: f64,
    #[diesel(sql_type = Text)]
    pub snippet: String,
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
}

/// What can be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cases,
    Messages,
    Contacts,
    Organizations,
    /// Knowledge-base articles (portal users: published portal articles only).
    Articles,
}

/// Who searches: staff see everything; a portal user their visible cases' public messages.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Staff,
    Portal(PortalScope),
}

/// The PostgreSQL `tsquery` text for words being typed: every word must match, the last one
/// also as the beginning of a longer word (`'printer' & 'ja':*`). `None` when the text uses
/// web-search syntax (`"phrase"`, `-without`, `or`), which is then read as such.
pub fn pg_prefix_query(text: &str) -> Option<String> {
    let syntax = text.contains('"')
        || text
            .split_whitespace()
            .any(|w| w.starts_with('-') || w.eq_ignore_ascii_case("or"));
    if syntax {
        return None;
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .collect();
    let (last, rest) = words.split_last()?;
    let mut parts: Vec<String> = rest.iter().map(|w| format!("'{w}'")).collect();
    parts.push(format!("'{last}':*"));
    Some(parts.join(" & "))
}

/// The FTS5 query for free text: every word must match, as a word or a prefix.
pub fn fts5_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn headline_config(text: &str) -> &'static str {
    if text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)) {
        "russian"
    } else {
        "english"
    }
}

/// The portal's visibility of a case `c0` (`$4`: the contact, `$5`: the organization or NULL;
/// `$4 = 0` is staff).
const PG_CASE_SCOPE: &str = "($4 = 0 OR (c0.status <> 'merged' AND (c0.requester_id = $4 \
     OR c0.organization_id = $5 \
     OR EXISTS (SELECT 1 FROM case_contacts cc WHERE cc.case_id = c0.id AND cc.contact_id = $4))))";
const SQLITE_CASE_SCOPE: &str = "(?5 = 0 OR (c0.status <> 'merged' AND (c0.requester_id = ?5 \
     OR c0.organization_id = ?6 \
     OR EXISTS (SELECT 1 FROM case_contacts cc WHERE cc.case_id = c0.id AND cc.contact_id = ?5))))";

fn pg_sql(kind: Kind, cfg: &str, prefix: bool) -> String {
    let tsq = if prefix {
        "to_tsquery('russian', $1) || to_tsquery('english', $1)"
    } else {
        "websearch_to_tsquery('russian', $1) || websearch_to_tsquery('english', $1)"
    };
    let q = format!("WITH q AS (SELECT {tsq} AS q)");
    match kind {
        Kind::Articles => format!(
            "{q}, top AS (SELECT a.id, a.title, a.body_md, a.created_at, \
               ts_rank(a.search_vector, q.q)::float8 AS score \
             FROM (SELECT a0.id FROM kb_articles a0 WHERE a0.search_vector @@ ({tsq}) \
                   AND ($4 = 0 OR (a0.status = 'published' AND a0.visibility = 'portal')) AND ($5::bigint IS NULL OR TRUE) \
                   ORDER BY a0.id DESC LIMIT {CANDIDATES}) ids JOIN kb_articles a ON a.id = ids.id, q \
             ORDER BY score DESC, a.id DESC LIMIT $2) \
             SELECT top.id, NULL::bigint AS case_id, NULL::bigint AS case_number, top.title, top.score, \
               ts_headline('{cfg}', left(top.body_md, 20000), q.q, $3) AS snippet, top.created_at \
             FROM top, q ORDER BY top.score DESC, top.id DESC"
        ),
        Kind::Cases => format!(
            "{q}, top AS (SELECT c.id, c.number, c.subject, c.description, c.created_at, \
               ts_rank(c.search_vector, q.q)::float8 AS score \
             FROM (SELECT c0.id FROM cases c0 WHERE c0.search_vector @@ ({tsq}) AND {PG_CASE_SCOPE} \
                   ORDER BY c0.id DESC LIMIT {CANDIDATES}) ids JOIN cases c ON c.id = ids.id, q \
             ORDER BY score DESC, c.id DESC LIMIT $2) \
             SELECT top.id, top.id AS case_id, top.number AS case_number, top.subject AS title, top.score, \
               ts_headline('{cfg}', top.subject || E'\\n' || left(top.description, 20000), q.q, $3) AS snippet, \
               top.created_at \
             FROM top, q ORDER BY top.score DESC, top.id DESC"
        ),
        Kind::Messages => format!(
            "{q}, top AS (SELECT s.id, s.case_id, s.body, s.created_at, \
               ts_rank(s.search_vector, q.q)::float8 AS score \
             FROM (SELECT s0.id FROM stream_entries s0 WHERE s0.search_vector @@ ({tsq}) AND s0.kind <> 'system' \
                   AND ($4 = 0 OR (s0.kind = 'public' AND s0.case_id IN \
                        (SELECT c0.id FROM cases c0 WHERE {PG_CASE_SCOPE}))) \
                   ORDER BY s0.id DESC LIMIT {CANDIDATES}) ids JOIN stream_entries s ON s.id = ids.id, q \
             ORDER BY score DESC, s.id DESC LIMIT $2) \
             SELECT top.id, top.case_id, c.number AS case_number, c.subject AS title, top.score, \
               ts_headline('{cfg}', left(top.body, 20000), q.q, $3) AS snippet, top.created_at \
             FROM top JOIN cases c ON c.id = top.case_id, q ORDER BY top.score DESC, top.id DESC"
        ),
        Kind::Contacts => format!(
            "{q}, top AS (SELECT c.*, ts_rank(c.search_vector, q.q)::float8 AS score \
             FROM (SELECT c0.id, c0.first_name, c0.last_name, c0.title, c0.department, c0.created_at, c0.search_vector \
                   FROM contacts c0 WHERE c0.merged_into_id IS NULL AND c0.search_vector @@ ({tsq}) AND $4 = 0 AND $5 IS NULL \
                   ORDER BY c0.id DESC LIMIT {CANDIDATES}) c, q \
             ORDER BY score DESC, c.id DESC LIMIT $2) \
             SELECT top.id, NULL::bigint AS case_id, NULL::bigint AS case_number, \
               top.first_name || ' ' || top.last_name AS title, top.score, \
               ts_headline('{cfg}', top.first_name || ' ' || top.last_name || ' ' || coalesce(top.title, '') || ' ' || coalesce(top.department, ''), q.q, $3) AS snippet, \
               top.created_at \
             FROM top, q ORDER BY top.score DESC, top.id DESC"
        ),
        Kind::Organizations => format!(
            "{q}, top AS (SELECT o.*, ts_rank(o.search_vector, q.q)::float8 AS score \
             FROM (SELECT o0.id, o0.name, o0.short_name, o0.inn, o0.description, o0.created_at, o0.search_vector \
                   FROM organizations o0 WHERE o0.merged_into_id IS NULL AND o0.search_vector @@ ({tsq}) AND $4 = 0 AND $5 IS NULL \
                   ORDER BY o0.id DESC LIMIT {CANDIDATES}) o, q \
             ORDER BY score DESC, o.id DESC LIMIT $2) \
             SELECT top.id, NULL::bigint AS case_id, NULL::bigint AS case_number, top.name AS title, top.score, \
               ts_headline('{cfg}', top.name || ' ' || coalesce(top.short_name, '') || ' ' || coalesce(top.inn, '') || ' ' || coalesce(top.description, ''), q.q, $3) AS snippet, \
               top.created_at \
             FROM top, q ORDER BY top.score DESC, top.id DESC"
        ),
    }
}

fn sqlite_sql(kind: Kind) -> String {
    match kind {
        Kind::Articles => "SELECT a0.id AS id, NULL AS case_id, NULL AS case_number, a0.title AS title, \
               -bm25(kb_articles_fts, 10.0, 2.0) AS score, snippet(kb_articles_fts, -1, ?3, ?4, '…', 24) AS snippet, \
               a0.created_at AS created_at \
             FROM kb_articles_fts JOIN kb_articles a0 ON a0.id = kb_articles_fts.rowid \
             WHERE kb_articles_fts MATCH ?1 AND (?5 = 0 OR (a0.status = 'published' AND a0.visibility = 'portal')) \
             AND (?6 IS NULL OR 1) \
             ORDER BY score DESC, a0.id DESC LIMIT ?2"
            .to_owned(),
        Kind::Cases => format!(
            "SELECT c0.id AS id, c0.id AS case_id, c0.number AS case_number, c0.subject AS title, \
               -bm25(cases_fts, 10.0, 3.0) AS score, snippet(cases_fts, -1, ?3, ?4, '…', 24) AS snippet, \
               c0.created_at AS created_at \
             FROM cases_fts JOIN cases c0 ON c0.id = cases_fts.rowid \
             WHERE cases_fts MATCH ?1 AND {SQLITE_CASE_SCOPE} \
             ORDER BY score DESC, c0.id DESC LIMIT ?2"
        ),
        // Only the newest 100 matches are ranked (as on PostgreSQL): the oldest of them bounds
        // the rowids, which FTS5 reads from the end of each word's list.
        Kind::Messages => format!(
            "SELECT s0.id AS id, s0.case_id AS case_id, c.number AS case_number, c.subject AS title, \
               -bm25(stream_entries_fts) * 0.3 AS score, snippet(stream_entries_fts, 0, ?3, ?4, '…', 24) AS snippet, \
               s0.created_at AS created_at \
             FROM stream_entries_fts JOIN stream_entries s0 ON s0.id = stream_entries_fts.rowid \
             JOIN cases c ON c.id = s0.case_id \
             WHERE stream_entries_fts MATCH ?1 AND s0.kind <> 'system' \
             AND (?5 = 0 OR (s0.kind = 'public' AND s0.case_id IN (SELECT c0.id FROM cases c0 WHERE {SQLITE_CASE_SCOPE}))) \
             AND stream_entries_fts.rowid >= coalesce((SELECT min(r) FROM ( \
                 SELECT f.rowid AS r FROM stream_entries_fts f JOIN stream_entries s1 ON s1.id = f.rowid \
                 WHERE f.stream_entries_fts MATCH ?1 AND s1.kind <> 'system' \
                 AND (?5 = 0 OR (s1.kind = 'public' AND s1.case_id IN (SELECT c0.id FROM cases c0 WHERE {SQLITE_CASE_SCOPE}))) \
                 ORDER BY f.rowid DESC LIMIT {CANDIDATES})), 0) \
             ORDER BY score DESC, s0.id DESC LIMIT ?2"
        ),
        Kind::Contacts => "SELECT c0.id AS id, NULL AS case_id, NULL AS case_number, \
               c0.first_name || ' ' || c0.last_name AS title, -bm25(contacts_fts, 10.0, 10.0, 2.0, 2.0) AS score, \
               snippet(contacts_fts, -1, ?3, ?4, '…', 16) AS snippet, c0.created_at AS created_at \
             FROM contacts_fts JOIN contacts c0 ON c0.id = contacts_fts.rowid \
             WHERE contacts_fts MATCH ?1 AND c0.merged_into_id IS NULL AND ?5 = 0 AND ?6 IS NULL \
             ORDER BY score DESC, c0.id DESC LIMIT ?2"
            .to_owned(),
        Kind::Organizations => "SELECT o0.id AS id, NULL AS case_id, NULL AS case_number, o0.name AS title, \
               -bm25(organizations_fts, 10.0, 8.0, 10.0, 5.0, 1.0) AS score, \
               snippet(organizations_fts, -1, ?3, ?4, '…', 16) AS snippet, o0.created_at AS created_at \
             FROM organizations_fts JOIN organizations o0 ON o0.id = organizations_fts.rowid \
             WHERE organizations_fts MATCH ?1 AND o0.merged_into_id IS NULL AND ?5 = 0 AND ?6 IS NULL \
             ORDER BY score DESC, o0.id DESC LIMIT ?2"
            .to_owned(),
    }
}

/// The best `limit` hits of one kind for `text`, as `scope` may see them.
pub fn search(
    conn: &mut AnyConnection,
    kind: Kind,
    text: &str,
    scope: Scope,
    limit: i64,
) -> Result<Vec<HitRow>, StoreError> {
    let (contact, org) = match scope {
        Scope::Staff => (0, None),
        Scope::Portal(p) => (p.contact_id, p.organization_id),
    };
    if contact != 0 && matches!(kind, Kind::Contacts | Kind::Organizations) {
        return Ok(Vec::new());
    }
    match conn {
        AnyConnection::Postgresql(c) => {
            let options = format!(
                "StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, \
                 MaxFragments=2, FragmentDelimiter=\" … \""
            );
            let prefix = pg_prefix_query(text);
            let sql = pg_sql(kind, headline_config(text), prefix.is_some());
            Ok(diesel::sql_query(sql)
                .bind::<Text, _>(prefix.as_deref().unwrap_or(text))
                .bind::<BigInt, _>(limit)
                .bind::<Text, _>(options)
                .bind::<BigInt, _>(contact)
                .bind::<Nullable<BigInt>, _>(org)
                .load(c)?)
        }
        AnyConnection::Sqlite(c) => {
            let Some(query) = fts5_query(text) else {
                return Ok(Vec::new());
            };
            Ok(diesel::sql_query(sqlite_sql(kind))
                .bind::<Text, _>(query)
                .bind::<BigInt, _>(limit)
                .bind::<Text, _>(MARK_START.to_string())
                .bind::<Text, _>(MARK_END.to_string())
                .bind::<BigInt, _>(contact)
                .bind::<Nullable<BigInt>, _>(org)
                .load(c)?)
        }
    }
}

/// `text` with LIKE's wildcards escaped (by `\\`).
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// How exact lookups rank: above any word match.
pub const EXACT_SCORE: f64 = 1000.0;

/// Contacts with an e-mail address beginning with `email` (the whole address typed, or the
/// start of it as it is being typed), an exact address first.
pub fn contacts_by_email(
    conn: &mut AnyConnection,
    email: &str,
    limit: i64,
) -> Result<Vec<HitRow>, StoreError> {
    use crate::schema::{contact_emails, contacts};
    let email = email.trim().to_lowercase();
    let rows: Vec<(i64, String, String, NaiveDateTime, String)> = contacts::table
        .inner_join(contact_emails::table.on(contact_emails::contact_id.eq(contacts::id)))
        .filter(
            contact_emails::email
                .like(format!("{}%", like_escaped(&email)))
                .escape('\\'),
        )
        .filter(contacts::merged_into_id.is_null())
        .select((
            contacts::id,
            contacts::first_name,
            contacts::last_name,
            contacts::created_at,
            contact_emails::email,
        ))
        .order(contact_emails::email.asc())
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, first, last, created_at, found)| HitRow {
            id,
            case_id: None,
            case_number: None,
            title: format!("{first} {last}"),
            score: if found == email {
                EXACT_SCORE
            } else {
                EXACT_SCORE / 2.0
            },
            snippet: format!("{MARK_START}{found}{MARK_END}"),
            created_at,
        })
        .collect())
}

/// The stored number (of a JSON list of E.164 numbers) holding `digits`, marked.
fn phone_snippet(phones: &str, digits: &str) -> String {
    let list: Vec<String> = serde_json::from_str(phones).unwrap_or_default();
    list.into_iter().find(|p| p.contains(digits)).map_or_else(
        || digits.to_owned(),
        |p| format!("{MARK_START}{p}{MARK_END}"),
    )
}

/// Contacts and organizations with a phone number holding `digits` (as written, wherever they
/// stand: the number without its country code finds it too).
pub fn by_phone(
    conn: &mut AnyConnection,
    kind: Kind,
    digits: &str,
    limit: i64,
) -> Result<Vec<HitRow>, StoreError> {
    use crate::schema::{contacts, organizations};
    // The stored lists hold numbers in E.164 form, digits only after the `+`.
    let pattern = format!("%{}%", like_escaped(digits));
    let rows: Vec<(i64, String, String, NaiveDateTime)> = match kind {
        Kind::Contacts => contacts::table
            .filter(contacts::phones.like(&pattern).escape('\\'))
            .filter(contacts::merged_into_id.is_null())
            .select((
                contacts::id,
                contacts::first_name.concat(" ").concat(contacts::last_name),
                contacts::phones,
                contacts::created_at,
            ))
            .order(contacts::id.desc())
            .limit(limit)
            .load(conn)?,
        Kind::Organizations => organizations::table
            .filter(organizations::phones.like(&pattern).escape('\\'))
            .filter(organizations::merged_into_id.is_null())
            .select((
                organizations::id,
                organizations::name,
                organizations::phones,
                organizations::created_at,
            ))
            .order(organizations::id.desc())
            .limit(limit)
            .load(conn)?,
        Kind::Cases | Kind::Messages | Kind::Articles => Vec::new(),
    };
    Ok(rows
        .into_iter()
        .map(|(id, title, phones, created_at)| HitRow {
            id,
            case_id: None,
            case_number: None,
            title,
            score: EXACT_SCORE,
            snippet: phone_snippet(&phones, digits),
            created_at,
        })
        .collect())
}

/// Organizations with this INN.
pub fn organizations_by_inn(
    conn: &mut AnyConnection,
    inn: &str,
    limit: i64,
) -> Result<Vec<HitRow>, StoreError> {
    use crate::schema::organizations;
    let rows: Vec<(i64, String, NaiveDateTime)> = organizations::table
        .filter(organizations::inn.eq(inn))
        .filter(organizations::merged_into_id.is_null())
        .select((
            organizations::id,
            organizations::name,
            organizations::created_at,
        ))
        .order(organizations::id.desc())
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, created_at)| HitRow {
            id,
            case_id: None,
            case_number: None,
            title,
            score: EXACT_SCORE,
            snippet: format!("{MARK_START}{inn}{MARK_END}"),
            created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_being_typed_become_a_prefix_tsquery() {
        assert_eq!(
            pg_prefix_query("printer ja").as_deref(),
            Some("'printer' & 'ja':*")
        );
        assert_eq!(pg_prefix_query("it's").as_deref(), Some("'it' & 's':*"));
        assert_eq!(pg_prefix_query("принт").as_deref(), Some("'принт':*"));
        assert_eq!(pg_prefix_query("\"paper jam\""), None);
        assert_eq!(pg_prefix_query("printer -laser"), None);
        assert_eq!(pg_prefix_query("printer or scanner"), None);
        assert_eq!(pg_prefix_query(" ;; "), None);
    }

    #[test]
    fn free_text_becomes_a_safe_fts5_query() {
        assert_eq!(
            fts5_query("printer jam").as_deref(),
            Some("\"printer\"* \"jam\"*")
        );
        assert_eq!(
            fts5_query("NEAR(\"a\" OR b) -c").as_deref(),
            Some("\"NEAR\"* \"a\"* \"OR\"* \"b\"* \"c\"*")
        );
        assert_eq!(fts5_query("принтер").as_deref(), Some("\"принтер\"*"));
        assert_eq!(fts5_query(" -- ** "), None);
    }
}
