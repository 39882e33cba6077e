//! The agent workspace: queues (saved views with counts, filters, sorting, keyset paging,
//! keyboard moves) and the case detail (stream, composer, actions, SLA, followers, audit,
//! related cases).

use helpdesk_api_types::cases::{Case, CasePage, Queues};
use helpdesk_api_types::kb::{ArticlePage, ArticleVisibility};
use helpdesk_api_types::users::{User, UserPage};
use helpdesk_api_types::{CaseStatus, Priority};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, enc};
use crate::i18n::{self, Lang};
use crate::live::live;
use crate::route::{router, Link, Route};
use crate::tr;
use crate::ui::{lang, pending, sla_badge, toasts, when, Fetch, Load};

pub use crate::case_page::CasePage;
pub use crate::stream::{file_label, Stream};

/// Users by id, for names in lists and pickers.
#[derive(Clone, Copy)]
pub struct Directory {
    pub users: Fetch<UserPage>,
}

impl Directory {
    pub fn install() -> Directory {
        let d = Directory {
            users: Fetch::new("/api/v1/users?limit=200"),
        };
        provide_context(d);
        d
    }

    pub fn user_name(self, id: Option<i64>) -> String {
        let Some(id) = id else {
            return "—".to_owned();
        };
        self.users
            .value()
            .and_then(|p| p.items.into_iter().find(|u| u.id == id).map(|u| u.name))
            .unwrap_or_else(|| format!("#{id}"))
    }

    /// Whether `id` is a colleague (an agent or admin), not a portal user.
    pub fn is_staff(self, id: i64) -> bool {
        self.users.value().is_some_and(|p| {
            p.items
                .iter()
                .any(|u| u.id == id && u.role != helpdesk_api_types::Role::Portal)
        })
    }

    pub fn agents(self) -> Vec<User> {
        self.users
            .value()
            .map(|p| {
                p.items
                    .into_iter()
                    .filter(|u| u.active && u.role != helpdesk_api_types::Role::Portal)
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn directory() -> Directory {
    expect_context::<Directory>()
}

/// The cases of the queue on screen, in order: the case view's "next case" walks them.
#[derive(Clone, Copy)]
pub struct QueueOrder(pub RwSignal<Vec<i64>>);

fn view_name(l: Lang, key: &str) -> &'static str {
    match key {
        "mine" => tr!(l, "My cases", "Мои обращения"),
        "unassigned" => tr!(l, "Unassigned", "Не назначены"),
        "team" => tr!(l, "My team", "Моя группа"),
        "awaiting_customer" => tr!(l, "Awaiting customer", "Ждут клиента"),
        "breaching_sla" => tr!(l, "Breaching SLA", "Нарушают SLA"),
        "all_open" => tr!(l, "All open", "Все открытые"),
        _ => tr!(l, "Cases", "Обращения"),
    }
}

/// `key=value&...` with the non-empty `overrides` replacing the view's values.
fn merge_query(base: &str, overrides: &[(&str, String)]) -> String {
    let mut pairs: Vec<(String, String)> = base
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    // An empty filter keeps the view's own condition.
    for (k, v) in overrides.iter().filter(|(_, v)| !v.is_empty()) {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push(((*k).to_owned(), enc(v)));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
pub fn QueuePage(key: String) -> impl IntoView {
    let l = lang();
    let queues = Fetch::<Queues>::new("/api/v1/queues");
    let order = expect_context::<QueueOrder>();
    let status = RwSignal::new(String::new());
    let priority = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Case>::new());
    let next = RwSignal::new(None::<String>);
    let state = RwSignal::new(Load::<()>::Loading);
    let selected = RwSignal::new(0usize);
    let key = StoredValue::new(key);

    let query = move || {
        // Untracked: the effects that fetch must not re-run when the counts reload.
        let base = queues
            .state
            .get_untracked()
            .ready()
            .cloned()
            .and_then(|q| q.views.into_iter().find(|v| v.key == key.get_value()))
            .map(|v| v.query)
            .unwrap_or_else(|| {
                "status=new,open,awaiting_customer,information_requested,on_hold".to_owned()
            });
        merge_query(
            &base,
            &[
                ("status", status.get_untracked()),
                ("priority", priority.get_untracked()),
                ("q", text.get_untracked()),
                ("sort", sort.get_untracked()),
            ],
        )
    };
    let fetch = move |more: bool| {
        let mut path = format!("/api/v1/cases?{}&limit=50", query());
        if more {
            match next.get_untracked() {
                Some(c) => path.push_str(&format!("&cursor={}", enc(&c))),
                None => return,
            }
        }
        spawn_local(async move {
            match api::get::<CasePage>(&path).await {
                Ok(page) => {
                    if more {
                        rows.update(|r| r.extend(page.items));
                    } else {
                        rows.set(page.items);
                        selected.set(0);
                    }
                    next.set(page.next_cursor);
                    // The queue may be gone by now (signed out, another screen).
                    if let Some(ids) = rows.try_with_untracked(|r| r.iter().map(|c| c.id).collect())
                    {
                        order.0.set(ids);
                    }
                    state.set(Load::Ready(()));
                }
                Err(e) => state.set(Load::Failed(e.message())),
            }
        });
    };
    // The list once the views (and so the view's query) are known, and again on each filter.
    Effect::new(move |_| {
        if queues.get() != Load::Loading {
            untrack(|| fetch(false));
        }
    });
    // Effects run after the view has updated: the list is on screen.
    Effect::new(move |_| {
        if state.get() == Load::Ready(()) {
            mark_once("queue-rendered");
        }
    });
    // Live: a change anywhere refreshes the counts and the page on screen.
    let feed = live();
    Effect::new(move |_| {
        if feed.0.get().is_some() {
            untrack(|| {
                queues.reload();
                fetch(false);
            });
        }
    });
    let apply = move || {
        state.set(Load::Loading);
        fetch(false);
    };
    let r = router();
    let open_selected = move || {
        if let Some(c) = rows.get_untracked().get(selected.get_untracked()) {
            r.go(Route::Case(c.id));
        }
    };
    let take_selected = move || {
        if let Some(c) = rows.get_untracked().get(selected.get_untracked()) {
            let id = c.id;
            spawn_local(async move {
                match api::post_empty::<Case>(&format!("/api/v1/cases/{id}/actions/take")).await {
                    Ok(c) => toasts().push(
                        format!(
                            "{} #{}",
                            tr!(l.get_untracked(), "Taken:", "Взято:"),
                            c.number
                        ),
                        None,
                        false,
                    ),
                    Err(e) => toasts().push(e.message(), None, true),
                }
            });
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if typing(&ev) {
            return;
        }
        let n = rows.get_untracked().len();
        match ev.key().as_str() {
            "j" | "ArrowDown" if n > 0 => {
                ev.prevent_default();
                selected.update(|s| *s = (*s + 1).min(n - 1));
                reveal_row(selected.get_untracked());
            }
            "k" | "ArrowUp" => {
                ev.prevent_default();
                selected.update(|s| *s = s.saturating_sub(1));
                reveal_row(selected.get_untracked());
            }
            "Enter" | "o" => open_selected(),
            "t" => take_selected(),
            "f" => {
                ev.prevent_default();
                focus("#queue-search");
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let statuses = [
        CaseStatus::New,
        CaseStatus::Open,
        CaseStatus::AwaitingCustomer,
        CaseStatus::InformationRequested,
        CaseStatus::OnHold,
        CaseStatus::Resolved,
        CaseStatus::Closed,
        CaseStatus::Rejected,
    ];
    let priorities = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    let dir = directory();
    view! {
        <div class="workspace">
            <nav class="views card" aria-label=move || tr!(l.get(), "Queues", "Очереди")>
                <h2>{move || tr!(l.get(), "Queues", "Очереди")}</h2>
                {move || match queues.get() {
                    Load::Ready(q) => q.views.into_iter().map(|v| {
                        let active = v.key == key.get_value();
                        let name = view_name(l.get(), &v.key);
                        let k = v.key.clone();
                        view! {
                            <Link to=Route::Queue(v.key.clone()) class=if active { "view active" } else { "view" }>
                                <span data-test=format!("view-{k}")>{name}</span>
                                <span class="count" data-test=format!("count-{}", v.key)>{crate::ui::number(l.get(), v.count)}</span>
                            </Link>
                        }
                    }).collect_view().into_any(),
                    other => pending(&other, move || queues.reload()),
                }}
                <p class="hint">{move || tr!(l.get(),
                    "Keys: j/k move, Enter open, t take, f filter, / search everything",
                    "Клавиши: j/k — выбор, Enter — открыть, t — взять, f — фильтр, / — поиск везде")}</p>
            </nav>
            <section class="card list">
                <h1 data-test="queue-title">{move || view_name(l.get(), &key.get_value())}</h1>
                <form class="filters" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                    <label class="sr">{move || tr!(l.get(), "Search in subject", "Поиск по теме")}</label>
                    <input id="queue-search" type="search" placeholder=move || tr!(l.get(), "Filter by subject ( f )", "Фильтр по теме ( f )")
                        prop:value=text on:input=move |ev| text.set(event_target_value(&ev))/>
                    <select aria-label=move || tr!(l.get(), "Status", "Статус") on:change=move |ev| { status.set(event_target_value(&ev)); apply(); }>
                        <option value="">{move || tr!(l.get(), "Any status (view's)", "Статус очереди")}</option>
                        {statuses.into_iter().map(|s| view! { <option value=s.as_str()>{move || i18n::status(l.get(), s)}</option> }).collect_view()}
                    </select>
                    <select aria-label=move || tr!(l.get(), "Priority", "Приоритет") on:change=move |ev| { priority.set(event_target_value(&ev)); apply(); }>
                        <option value="">{move || tr!(l.get(), "Any priority", "Любой приоритет")}</option>
                        {priorities.into_iter().map(|p| view! { <option value=p.as_str()>{move || i18n::priority(l.get(), p)}</option> }).collect_view()}
                    </select>
                    <select aria-label=move || tr!(l.get(), "Sort", "Сортировка") data-test="sort" on:change=move |ev| { sort.set(event_target_value(&ev)); apply(); }>
                        <option value="">{move || tr!(l.get(), "Newest first", "Сначала новые")}</option>
                        <option value="created_at">{move || tr!(l.get(), "Oldest first", "Сначала старые")}</option>
                        <option value="sla_due">{move || tr!(l.get(), "SLA deadline", "По сроку SLA")}</option>
                    </select>
                    <button type="submit">{move || tr!(l.get(), "Filter", "Найти")}</button>
                </form>
                {move || match state.get() {
                    Load::Ready(()) if rows.with(Vec::is_empty) => view! {
                        <p class="muted" data-test="empty">{tr!(l.get(), "No cases here.", "Здесь нет обращений.")}</p>
                    }.into_any(),
                    Load::Ready(()) => view! {
                        <table data-test="cases" class="cases">
                            <thead><tr>
                                <th>"#"</th><th>{tr!(l.get(), "Subject", "Тема")}</th><th>{tr!(l.get(), "Status", "Статус")}</th>
                                <th>{tr!(l.get(), "Priority", "Приоритет")}</th><th>{tr!(l.get(), "Assignee", "Исполнитель")}</th>
                                <th>"SLA"</th><th>{tr!(l.get(), "Updated", "Изменено")}</th>
                            </tr></thead>
                            <tbody>
                                {move || rows.get().into_iter().enumerate().map(|(i, c)| {
                                    let lg = l.get();
                                    view! {
                                        <tr data-test="case-row" data-status=c.status.as_str() data-id=c.id
                                            class:selected=move || selected.get() == i
                                            class=format!("prio-{}", c.priority.as_str())>
                                            <td><Link to=Route::Case(c.id)>"#" {c.number}</Link></td>
                                            <td><Link to=Route::Case(c.id)>{c.subject.clone()}</Link></td>
                                            <td><span class=format!("badge st-{}", c.status.as_str())>{i18n::status(lg, c.status)}</span></td>
                                            <td>{i18n::priority(lg, c.priority)}</td>
                                            <td>{dir.user_name(c.assignee_id)}</td>
                                            <td>{sla_badge(lg, c.sla.as_ref())}</td>
                                            <td class="nowrap">{when(lg, c.updated_at)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {move || next.get().is_some().then(|| view! {
                            <button class="more" data-test="more" on:click=move |_| fetch(true)>{tr!(l.get(), "Load more", "Показать ещё")}</button>
                        })}
                    }.into_any(),
                    other => pending(&other, apply),
                }}
            </section>
        </div>
    }
}

/// Marks a moment on the page's performance timeline, once (the first render of the queue,
/// read by the browser test).
fn mark_once(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        if p.get_entries_by_name(name).length() == 0 {
            let _ = p.mark(name);
        }
    }
}

/// Whether a key press belongs to a text field (shortcuts stay out of the way).
pub fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return true;
    }
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
        .unwrap_or(false)
}

/// Scrolls the queue just enough to show row `i` (the keyboard's selection never leaves the
/// screen).
fn reveal_row(i: usize) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let css = format!("[data-test=cases] tbody tr:nth-child({})", i + 1);
    if let Ok(Some(row)) = doc.query_selector(&css) {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
        row.scroll_into_view_with_scroll_into_view_options(&opts);
    }
}

pub fn focus(selector: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Knowledge-base articles matching a word, to insert into a reply.
#[component]
pub fn KbPicker(on_pick: Callback<String>, public: Signal<bool>) -> impl IntoView {
    let l = lang();
    let q = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<(String, String, bool)>::new());
    let search = move || {
        let text = q.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        // A reply the customer reads takes only articles customers may read; a note any.
        let only = if public.get_untracked() {
            "&visibility=portal"
        } else {
            ""
        };
        spawn_local(async move {
            if let Ok(p) = api::get::<ArticlePage>(&format!(
                "/api/v1/kb/articles?q={}&status=published&limit=5{only}",
                enc(&text)
            ))
            .await
            {
                found.set(
                    p.items
                        .into_iter()
                        .map(|a| {
                            (
                                a.title,
                                a.body_md,
                                a.visibility == ArticleVisibility::Internal,
                            )
                        })
                        .collect(),
                );
            }
        });
    };
    // Switching between reply and note asks again with the other rule.
    Effect::new(move |_| {
        public.track();
        found.set(Vec::new());
        search();
    });
    view! {
        <div class="kb-picker">
            <input type="search" data-test="kb-search" aria-label=move || tr!(l.get(), "Knowledge base", "База знаний")
                placeholder=move || if public.get() {
                    tr!(l.get(), "Find an article for the customer…", "Найти статью для клиента…")
                } else {
                    tr!(l.get(), "Find an article…", "Найти статью…")
                }
                prop:value=q on:input=move |ev| q.set(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    // The picker sits in the composer's form: Enter searches, it never sends.
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        search();
                    }
                }/>
            <button type="button" data-test="kb-find" on:click=move |_| search()>{move || tr!(l.get(), "Search", "Найти")}</button>
            <ul>
                {move || found.get().into_iter().map(|(title, body, internal)| {
                    let text = format!("{title}\n\n{body}");
                    view! { <li>
                        <button type="button" class="link" data-test="kb-article" on:click=move |_| on_pick.run(text.clone())>{title.clone()}</button>
                        {internal.then(|| view! { " " <span class="badge" data-test="kb-internal">{tr!(l.get(), "internal", "внутренняя")}</span> })}
                    </li> }
                }).collect_view()}
            </ul>
        </div>
    }
}
