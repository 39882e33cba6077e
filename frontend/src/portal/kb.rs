//! The knowledge base as customers read it: published portal articles by category, a full-text
//! search, and an article with its files.

use helpdesk_api_types::kb::{Article, ArticlePage, KbAttachment, KbCategory};
use helpdesk_api_types::search::{SearchHit, SearchResults};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::Lang;
use crate::route::{Link, Route};
use crate::tr;
use crate::ui::{lang, pending, size, when, Fetch, Load};
use crate::upload::download;

fn articles_path(category: Option<i64>) -> String {
    match category {
        Some(id) => format!("/api/v1/portal/kb/articles?category_id={id}&limit=200"),
        None => "/api/v1/portal/kb/articles?limit=200".to_owned(),
    }
}

/// The categories in tree order, each with its depth.
pub(crate) fn tree(all: &[KbCategory]) -> Vec<(KbCategory, usize)> {
    fn walk(
        all: &[KbCategory],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(KbCategory, usize)>,
    ) {
        let mut here: Vec<&KbCategory> = all.iter().filter(|c| c.parent_id == parent).collect();
        here.sort_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)));
        for c in here {
            out.push((c.clone(), depth));
            // The tree has no loops (the server refuses them); the depth bound is a guard.
            if depth < 16 {
                walk(all, Some(c.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(all, None, 0, &mut out);
    out
}

/// The first words of an article, as plain text.
fn teaser(md: &str) -> String {
    let plain: String = md
        .chars()
        .filter(|c| !matches!(c, '#' | '*' | '_' | '`' | '>' | '[' | ']'))
        .collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut text = words.iter().take(30).copied().collect::<Vec<_>>().join(" ");
    if words.len() > 30 {
        text.push('…');
    }
    text
}

#[component]
pub fn PortalKb() -> impl IntoView {
    let l = lang();
    let categories = Fetch::<Vec<KbCategory>>::new("/api/v1/kb/categories");
    let category = RwSignal::new(None::<i64>);
    let articles = Fetch::<ArticlePage>::new(articles_path(None));
    let q = RwSignal::new(String::new());
    // Search results replace the list while there are any words to look for.
    let hits = RwSignal::new(None::<Load<Vec<SearchHit>>>);
    let pick = move |id: Option<i64>| {
        category.set(id);
        hits.set(None);
        articles.set_path(articles_path(id));
    };
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = q.get_untracked();
        if text.trim().is_empty() {
            hits.set(None);
            return;
        }
        hits.set(Some(Load::Loading));
        spawn_local(async move {
            let path = format!(
                "/api/v1/portal/search?kinds=article&limit=20&q={}",
                js_sys::encode_uri_component(text.trim())
            );
            hits.set(Some(match api::get::<SearchResults>(&path).await {
                Ok(r) => Load::Ready(r.items),
                Err(e) => Load::Failed(e.message()),
            }));
        });
    };
    view! {
        <section class="card kb" data-test="portal-kb">
            <h1>{move || tr!(l.get(), "Knowledge base", "База знаний")}</h1>
            <form class="row" role="search" on:submit=search>
                <input type="search" data-test="kb-query" prop:value=q
                    aria-label=move || tr!(l.get(), "Search the knowledge base", "Поиск по базе знаний")
                    placeholder=move || tr!(l.get(), "Describe your question…", "Опишите ваш вопрос…")
                    on:input=move |ev| q.set(event_target_value(&ev))/>
                <button type="submit" data-test="kb-search">{move || tr!(l.get(), "Search", "Найти")}</button>
            </form>
            <div class="kb-body">
                <nav class="kb-categories" aria-label=move || tr!(l.get(), "Categories", "Разделы")>
                    <ul>
                        <li><button type="button" class="link" class:current=move || category.get().is_none()
                            on:click=move |_| pick(None)>{move || tr!(l.get(), "All articles", "Все статьи")}</button></li>
                        {move || categories.value().map(|all| tree(&all).into_iter().map(|(c, depth)| {
                            let id = c.id;
                            view! {
                                <li style=format!("padding-left: {}em", depth)>
                                    <button type="button" class="link" data-test="kb-category" class:current=move || category.get() == Some(id)
                                        on:click=move |_| pick(Some(id))>{c.name}</button>
                                </li>
                            }
                        }).collect_view())}
                    </ul>
                </nav>
                <div class="kb-list">
                    {move || match hits.get() {
                        Some(found) => found_view(l.get(), found),
                        None => match articles.get() {
                            Load::Ready(page) if page.items.is_empty() => view! {
                                <p data-test="empty">{tr!(l.get(), "No articles here yet.", "Здесь пока нет статей.")}</p>
                            }.into_any(),
                            Load::Ready(page) => {
                                let lg = l.get();
                                view! {
                                    <ul class="articles">
                                        {page.items.into_iter().map(|a| view! {
                                            <li data-test="kb-article">
                                                <Link to=Route::PortalArticle(a.id)>{a.title.clone()}</Link>
                                                <p class="hint">{teaser(&a.body_md)}</p>
                                                <small>{when(lg, a.updated_at)}</small>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                            other => pending(&other, move || articles.reload()),
                        },
                    }}
                </div>
            </div>
            <p>{move || tr!(l.get(), "Did not find an answer?", "Не нашли ответа?")} " "
                <Link to=Route::PortalNewCase>{move || tr!(l.get(), "Open a case", "Создайте обращение")}</Link></p>
        </section>
    }
}

fn found_view(lg: Lang, found: Load<Vec<SearchHit>>) -> AnyView {
    match found {
        Load::Ready(items) if items.is_empty() => view! {
            <p data-test="kb-nothing">{tr!(lg, "Nothing found. Try other words.", "Ничего не найдено. Попробуйте другие слова.")}</p>
        }
        .into_any(),
        Load::Ready(items) => view! {
            <ul class="articles" data-test="kb-hits">
                {items.into_iter().map(|h| view! {
                    <li data-test="kb-hit">
                        <Link to=Route::PortalArticle(h.id)>{h.title.clone()}</Link>
                        // Escaped by the server, with the matches in <mark>; Markdown's
                        // emphasis marks are dropped (they are not HTML, so this is safe).
                        <p class="hint" inner_html=h.snippet.replace("**", "").replace("__", "").replace('`', "")></p>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
        other => pending(&other, || ()),
    }
}

#[component]
pub fn PortalArticle(id: i64) -> impl IntoView {
    let l = lang();
    let article = Fetch::<Article>::new(format!("/api/v1/portal/kb/articles/{id}"));
    let files =
        Fetch::<Vec<KbAttachment>>::new(format!("/api/v1/portal/kb/articles/{id}/attachments"));
    view! {
        <p><Link to=Route::PortalKb>{move || tr!(l.get(), "← Knowledge base", "← База знаний")}</Link></p>
        {move || match article.get() {
            Load::Ready(a) => {
                let lg = l.get();
                view! {
                    <article class="card kb-article" data-test="kb-article-page" lang=a.language.clone()>
                        <h1>{a.title.clone()}</h1>
                        <p class="hint">{tr!(lg, "Updated", "Обновлено")} " " {when(lg, a.updated_at)}</p>
                        // Rendered from Markdown and sanitized by the server.
                        <div class="body" data-test="kb-body" inner_html=a.body_html.clone()></div>
                        {move || files.value().filter(|f| !f.is_empty()).map(|f| view! {
                            <h2>{tr!(l.get(), "Files", "Файлы")}</h2>
                            <ul class="files" data-test="kb-files">
                                {f.into_iter().map(|x| {
                                    let path = format!("/api/v1/portal/kb/attachments/{}/content", x.id);
                                    let name = x.filename.clone();
                                    view! {
                                        <li><button type="button" class="link" data-test="kb-file"
                                            on:click=move |_| download(path.clone(), name.clone())>
                                            {format!("{} ({})", x.filename, size(x.size))}</button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                    </article>
                }.into_any()
            }
            other => pending(&other, move || article.reload()),
        }}
        <p>{move || tr!(l.get(), "Still need help?", "Остались вопросы?")} " "
            <Link to=Route::PortalNewCase>{move || tr!(l.get(), "Open a case", "Создайте обращение")}</Link></p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: i64, parent_id: Option<i64>, name: &str, position: i32) -> KbCategory {
        KbCategory {
            id,
            parent_id,
            name: name.into(),
            position,
        }
    }

    #[test]
    fn categories_are_listed_as_a_tree_in_their_order() {
        let all = [
            cat(1, None, "Printers", 2),
            cat(2, Some(1), "Laser", 0),
            cat(3, None, "Accounts", 1),
            cat(4, Some(1), "Inkjet", 0),
        ];
        let shown: Vec<(String, usize)> =
            tree(&all).into_iter().map(|(c, d)| (c.name, d)).collect();
        let want = [
            ("Accounts", 0),
            ("Printers", 0),
            ("Inkjet", 1),
            ("Laser", 1),
        ];
        assert_eq!(shown, want.map(|(n, d)| (n.to_owned(), d)));
    }

    #[test]
    fn a_teaser_is_the_first_words_without_markdown() {
        assert_eq!(
            teaser("# Jam\n\nTurn the **roller**."),
            "Jam Turn the roller."
        );
        let long = "word ".repeat(40);
        assert_eq!(teaser(&long).split_whitespace().count(), 30);
        assert!(teaser(&long).ends_with('…'));
    }
}
