//! Full-text search for agents (everything) and portal users (their visible cases and those
//! cases' public messages only).

use helpdesk_api_types::search::{SearchHit, SearchKind, SearchQuery, SearchResults};
use helpdesk_store::search::{self as store, Kind, Scope, MARK_END, MARK_START};

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
                if kind == SearchKind::Contact && text.contains('@') {
                    for row in store::contacts_by_email(c, text, limit)? {
                        hits.push((kind, row));
                    }
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
