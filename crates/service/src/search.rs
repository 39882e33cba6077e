//! Full-text search for agents (everything) and portal users (their visible cases and those
//! cases' public messages only).

use helpdesk_api_types::search::{SearchHit, SearchKind, SearchQuery, SearchResults};
use helpdesk_domain::search::Lookup;
use helpdesk_store::cases;
use helpdesk_store::search::{self as store, HitRow, Kind, Scope, MARK_END, MARK_START};
use helpdesk_store::AnyConnection;

use crate::{Actor, AppError, Services};

pub const DEFAULT_HITS: i64 = 20;
pub const MAX_HITS: i64 = 50;

/// Escapes the snippet's text for HTML and turns the match markers into `<mark>`.
pub fn snippet_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for ch in raw.chars() {
        match ch {
            MARK_START => out.push_str("<mark>"),
            MARK_END => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A case found by its number: the number marked, then the start of its description.
fn number_snippet(number: i64, description: &str) -> String {
    let words: Vec<&str> = description.split_whitespace().collect();
    let mut start = words.iter().take(24).copied().collect::<Vec<_>>().join(" ");
    if words.len() > 24 {
        start.push_str(" …");
    }
    if start.is_empty() {
        format!("{MARK_START}#{number}{MARK_END}")
    } else {
        format!("{MARK_START}#{number}{MARK_END} — {start}")
    }
}

/// What the text names exactly, of one kind: the case with that number (if the caller may see
/// it), contacts by address or phone, organizations by INN or phone.
fn exact_hits(
    c: &mut AnyConnection,
    kind: Kind,
    exact: &Lookup,
    scope: Scope,
    limit: i64,
) -> Result<Vec<HitRow>, AppError> {
    let staff = matches!(scope, Scope::Staff);
    let mut hits = Vec::new();
    match kind {
        Kind::Cases => {
            let Some(number) = exact.case_number else {
                return Ok(hits);
            };
            let Some(row) = cases::case_by_number(c, number)? else {
                return Ok(hits);
            };
            let visible = match scope {
                Scope::Staff => true,
                Scope::Portal(p) => crate::portal::portal_sees(c, p, &row)?,
            };
            if visible {
                hits.push(HitRow {
                    id: row.id,
                    case_id: Some(row.id),
                    case_number: Some(row.number),
                    title: row.subject,
                    score: store::EXACT_SCORE,
                    snippet: number_snippet(row.number, &row.description),
                    created_at: row.created_at,
                });
            }
        }
        Kind::Contacts if staff => {
            if let Some(email) = &exact.email {
                hits.extend(store::contacts_by_email(c, email, limit)?);
            }
            if let Some(digits) = &exact.phone_digits {
                hits.extend(store::by_phone(c, kind, digits, limit)?);
            }
        }
        Kind::Organizations if staff => {
            if let Some(inn) = &exact.inn {
                hits.extend(store::organizations_by_inn(c, inn, limit)?);
            }
            if let Some(digits) = &exact.phone_digits {
                hits.extend(store::by_phone(c, kind, digits, limit)?);
            }
        }
        _ => {}
    }
    Ok(hits)
}

fn parse_kinds(kinds: Option<&str>, allowed: &[SearchKind]) -> Result<Vec<SearchKind>, AppError> {
    let Some(list) = kinds.filter(|k| !k.trim().is_empty()) else {
        return Ok(allowed.to_vec());
    };
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        let kind = match name {
            "case" => SearchKind::Case,
            "message" => SearchKind::Message,
            "contact" => SearchKind::Contact,
            "organization" => SearchKind::Organization,
            "article" => SearchKind::Article,
            _ => {
                return Err(AppError::field(
                    "kinds",
                    format!(
                        "`{name}` is not one of: case, message, contact, organization, article"
                    ),
                ))
            }
        };
        if !allowed.contains(&kind) {
            return Err(AppError::field(
                "kinds",
                format!("`{name}` cannot be searched here"),
            ));
        }
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}

impl Services {
    fn run_search(
        &self,
        q: &SearchQuery,
        scope: Scope,
        allowed: &[SearchKind],
    ) -> Result<SearchResults, AppError> {
        let text = q.q.trim();
        if text.is_empty() || text.chars().count() > 200 {
            return Err(AppError::field("q", "must be 1 to 200 characters"));
        }
        let limit = q.limit.unwrap_or(DEFAULT_HITS);
        if !(1..=MAX_HITS).contains(&limit) {
            return Err(AppError::field(
                "limit",
                format!("must be between 1 and {MAX_HITS}"),
            ));
        }
        let kinds = parse_kinds(q.kinds.as_deref(), allowed)?;
        let exact = Lookup::read(text);
        let rows = self.db.read(|c| {
            let mut hits = Vec::new();
            for kind in kinds {
                let store_kind = match kind {
                    SearchKind::Case => Kind::Cases,
                    SearchKind::Message => Kind::Messages,
                    SearchKind::Contact => Kind::Contacts,
                    SearchKind::Organization => Kind::Organizations,
                    SearchKind::Article => Kind::Articles,
                };
                for row in exact_hits(c, store_kind, &exact, scope, limit)? {
                    hits.push((kind, row));
                }
                for row in store::search(c, store_kind, text, scope, limit)? {
                    hits.push((kind, row));
                }
            }
            Ok::<_, AppError>(hits)
        })?;
        let mut items: Vec<SearchHit> = rows
            .into_iter()
            .map(|(kind, r)| SearchHit {
                kind,
                id: r.id,
                case_id: r.case_id,
                case_number: r.case_number,
                title: r.title,
                snippet: snippet_html(&r.snippet),
                score: r.score,
                created_at: r.created_at.and_utc(),
            })
            .collect();
        items.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.created_at.cmp(&a.created_at))
        });
        let mut seen = std::collections::HashSet::new();
        items.retain(|h| seen.insert((h.kind, h.id)));
        items.truncate(limit as usize);
        Ok(SearchResults { items })
    }

    /// Agents and admins: cases, messages and notes, contacts, organizations.
    pub fn search(&self, actor: &Actor, q: &SearchQuery) -> Result<SearchResults, AppError> {
        actor.staff_read()?;
        self.run_search(
            q,
            Scope::Staff,
            &[
                SearchKind::Case,
                SearchKind::Message,
                SearchKind::Contact,
                SearchKind::Organization,
                SearchKind::Article,
            ],
        )
    }

    /// Portal users: the cases they may see, those cases' public messages, and the published
    /// portal articles.
    pub fn portal_search(&self, actor: &Actor, q: &SearchQuery) -> Result<SearchResults, AppError> {
        actor.any_read()?;
        let scope = self.db.read(|c| self.portal_scope(c, actor))?;
        self.run_search(
            q,
            Scope::Portal(scope),
            &[SearchKind::Case, SearchKind::Message, SearchKind::Article],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_and_marked() {
        let raw = format!("<b>x</b> {MARK_START}printer{MARK_END} & \"co\"");
        assert_eq!(
            snippet_html(&raw),
            "&lt;b&gt;x&lt;/b&gt; <mark>printer</mark> &amp; &quot;co&quot;"
        );
    }

    #[test]
    fn a_number_found_shows_the_start_of_the_description() {
        assert_eq!(number_snippet(7, ""), format!("{MARK_START}#7{MARK_END}"));
        let long = "word ".repeat(30);
        let shown = number_snippet(7, &long);
        assert!(shown.starts_with(&format!("{MARK_START}#7{MARK_END} — word word")));
        assert!(shown.ends_with(" …"), "{shown}");
    }

    #[test]
    fn kinds_are_checked() {
        let all = [SearchKind::Case, SearchKind::Message];
        assert_eq!(parse_kinds(None, &all).unwrap(), all);
        assert_eq!(
            parse_kinds(Some("message, case,case"), &all).unwrap(),
            [SearchKind::Message, SearchKind::Case]
        );
        assert!(parse_kinds(Some("contact"), &all).is_err());
        assert!(parse_kinds(Some("lead"), &all).is_err());
    }
}
