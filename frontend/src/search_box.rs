//! The header's search for agents: `/` anywhere focuses it, results come as one types (case
//! numbers, phones, INNs and addresses found exactly, words as typed), grouped by kind; arrows
//! move, Enter opens, Escape closes.

use std::time::Duration;

use helpdesk_api_types::search::{SearchHit, SearchKind, SearchResults};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::agent::{focus, typing};
use crate::api;
use crate::i18n::Lang;
use crate::route::{router, Route};
use crate::tr;
use crate::ui::{lang, list_arrows};

/// How long the box waits for the next key before it asks.
const PAUSE: Duration = Duration::from_millis(150);

/// The order the groups are shown in.
const GROUPS: [SearchKind; 5] = [
    SearchKind::Case,
    SearchKind::Organization,
    SearchKind::Contact,
    SearchKind::Message,
    SearchKind::Article,
];

fn group_name(l: Lang, kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Case => tr!(l, "Cases", "Обращения"),
        SearchKind::Message => tr!(l, "Messages and notes", "Сообщения и заметки"),
        SearchKind::Contact => tr!(l, "Contacts", "Контакты"),
        SearchKind::Organization => tr!(l, "Organizations", "Организации"),
        SearchKind::Article => tr!(l, "Knowledge base", "База знаний"),
    }
}

/// Where a hit leads.
fn target(hit: &SearchHit) -> Route {
    match hit.kind {
        SearchKind::Case | SearchKind::Message => Route::Case(hit.case_id.unwrap_or(hit.id)),
        SearchKind::Contact => Route::Contact(hit.id),
        SearchKind::Organization => Route::Organization(hit.id),
        SearchKind::Article => Route::Article(hit.id),
    }
}

/// The hits in the order they are shown: by group, best first within each.
fn arranged(items: Vec<SearchHit>) -> Vec<SearchHit> {
    let mut out = Vec::with_capacity(items.len());
    for kind in GROUPS {
        out.extend(items.iter().filter(|h| h.kind == kind).cloned());
    }
    out
}

/// Whether the text is worth asking about: a number of any length, otherwise two characters.
fn worth_asking(text: &str) -> bool {
    let text = text.trim().trim_start_matches(['#', '№']);
    !text.is_empty() && (text.chars().all(|c| c.is_ascii_digit()) || text.chars().count() >= 2)
}

#[derive(Clone, PartialEq)]
enum Found {
    Nothing,
    Asking,
    Hits(Vec<SearchHit>),
    Failed(String),
}

#[component]
pub fn GlobalSearch() -> impl IntoView {
    let l = lang();
    let r = router();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(Found::Nothing);
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    // Only the answer to the latest text is shown.
    let asked = StoredValue::new(0u64);

    let ask = move |now: String| {
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if !worth_asking(&now) {
            found.set(Found::Nothing);
            return;
        }
        set_timeout(
            move || {
                if asked.try_get_value() != Some(n) {
                    return;
                }
                found.set(Found::Asking);
                spawn_local(async move {
                    let path = format!("/api/v1/search?limit=20&q={}", api::enc(now.trim()));
                    let answer = api::get::<SearchResults>(&path).await;
                    if asked.try_get_value() != Some(n) {
                        return;
                    }
                    active.set(0);
                    found.set(match answer {
                        Ok(res) => Found::Hits(arranged(res.items)),
                        Err(e) => Found::Failed(e.message()),
                    });
                });
            },
            PAUSE,
        );
    };
    let hits = move || match found.get() {
        Found::Hits(h) => h,
        _ => Vec::new(),
    };
    let go = move |hit: &SearchHit| {
        open.set(false);
        text.set(String::new());
        found.set(Found::Nothing);
        r.go(target(hit));
    };
    let keys = move |ev: web_sys::KeyboardEvent| {
        let n = hits().len();
        if list_arrows(&ev, n, active, open) {
            return;
        }
        match ev.key().as_str() {
            "Enter" => {
                ev.prevent_default();
                if let Some(hit) = hits().get(active.get_untracked()) {
                    go(hit);
                }
            }
            "Escape" => {
                open.set(false);
                if let Some(el) = ev
                    .target()
                    .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
                {
                    let _ = el.blur();
                }
            }
            _ => {}
        }
    };
    let slash = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "/" && !typing(&ev) {
            ev.prevent_default();
            focus("#global-search");
        }
    });
    on_cleanup(move || slash.remove());

    view! {
        <div class="global-search" role="search">
            <input id="global-search" type="search" data-test="global-search" autocomplete="off"
                role="combobox" aria-controls="global-search-results" aria-autocomplete="list"
                aria-expanded=move || (open.get() && found.get() != Found::Nothing).to_string()
                aria-activedescendant=move || match found.get() {
                    Found::Hits(h) if !h.is_empty() => format!("gs-{}", active.get()),
                    _ => String::new(),
                }
                aria-label=move || tr!(l.get(), "Search everything", "Поиск везде")
                placeholder=move || tr!(l.get(), "Search… ( / )", "Поиск… ( / )")
                prop:value=text
                on:input=move |ev| {
                    let now = event_target_value(&ev);
                    text.set(now.clone());
                    open.set(true);
                    ask(now);
                }
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=keys/>
            <div id="global-search-results" class="search-results" role="listbox" data-test="search-results"
                aria-label=move || tr!(l.get(), "Search results", "Результаты поиска")
                hidden=move || !open.get() || found.get() == Found::Nothing>
                {move || results(l.get(), found.get(), active, go)}
            </div>
        </div>
    }
}

fn results(
    l: Lang,
    found: Found,
    active: RwSignal<usize>,
    go: impl Fn(&SearchHit) + Copy + Send + Sync + 'static,
) -> AnyView {
    let hits = match found {
        Found::Nothing => return ().into_any(),
        Found::Asking => {
            return view! { <p class="hint" role="status">{tr!(l, "Searching…", "Ищем…")}</p> }
                .into_any()
        }
        Found::Failed(why) => return view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Found::Hits(h) if h.is_empty() => {
            return view! {
                <p class="hint" role="status" data-test="search-none">{tr!(l, "Nothing found.", "Ничего не найдено.")}</p>
            }
            .into_any()
        }
        Found::Hits(h) => h,
    };
    let mut shown = Vec::new();
    let mut last = None;
    for (i, hit) in hits.into_iter().enumerate() {
        if last != Some(hit.kind) {
            last = Some(hit.kind);
            shown.push(view! { <h3 role="presentation">{group_name(l, hit.kind)}</h3> }.into_any());
        }
        let number = hit.case_number.map(|n| format!("#{n} "));
        let kind = format!("{:?}", hit.kind).to_lowercase();
        let title = hit.title.clone();
        let snippet = hit.snippet.clone();
        shown.push(
            view! {
                <div id=format!("gs-{i}") role="option" class="hit" data-test="search-hit" data-kind=kind
                    aria-selected=move || (active.get() == i).to_string()
                    class:active=move || active.get() == i
                    // The box keeps the focus while a hit is clicked.
                    on:mousedown=move |ev| ev.prevent_default()
                    on:mouseenter=move |_| active.set(i)
                    on:click=move |_| go(&hit)>
                    <strong>{number}{title}</strong>
                    // Escaped by the server, matches in <mark>.
                    <span class="snippet" inner_html=snippet></span>
                </div>
            }
            .into_any(),
        );
    }
    shown.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_asked_at_once_words_from_two_letters() {
        assert!(worth_asking("7"));
        assert!(worth_asking("#12"));
        assert!(worth_asking("vp"));
        assert!(!worth_asking("v"));
        assert!(!worth_asking(" # "));
    }
}
