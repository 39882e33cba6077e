//! The agent workspace: queues (saved views with counts, filters, sorting, keyset paging,
//! keyboard moves) and the case detail (stream, composer, actions, SLA, followers, audit,
//! related cases).

use helpdesk_api_types::cases::{
    Attachment, AuditPage, Case, CasePage, Followers, Queues, StreamEntry, StreamKind, StreamPage,
};
use helpdesk_api_types::crm::{Contact, Organization};
use helpdesk_api_types::kb::ArticlePage;
use helpdesk_api_types::users::{User, UserPage};
use helpdesk_api_types::{CaseStatus, Priority};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api::{self, enc};
use crate::i18n::{self, Lang};
use crate::live::live;
use crate::route::{router, Link, Route};
use crate::tr;
use crate::ui::{lang, pending, size, sla_badge, toasts, when, Fetch, Load};
use crate::upload::{Composer, FileLinks};

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
                    order
                        .0
                        .set(rows.get_untracked().iter().map(|c| c.id).collect());
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
            "j" | "ArrowDown" if n > 0 => selected.update(|s| *s = (*s + 1).min(n - 1)),
            "k" | "ArrowUp" => selected.update(|s| *s = s.saturating_sub(1)),
            "Enter" | "o" => open_selected(),
            "t" => take_selected(),
            "/" => {
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
                    "Keys: j/k move, Enter open, t take, / search",
                    "Клавиши: j/k — выбор, Enter — открыть, t — взять, / — поиск")}</p>
            </nav>
            <section class="card list">
                <h1 data-test="queue-title">{move || view_name(l.get(), &key.get_value())}</h1>
                <form class="filters" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                    <label class="sr">{move || tr!(l.get(), "Search in subject", "Поиск по теме")}</label>
                    <input id="queue-search" type="search" placeholder=move || tr!(l.get(), "Search in subject", "Поиск по теме")
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

fn clock_name(l: Lang, m: helpdesk_domain::sla::Metric) -> &'static str {
    use helpdesk_domain::sla::Metric::*;
    match m {
        FirstResponse => tr!(l, "First response", "Первый ответ"),
        NextResponse => tr!(l, "Next response", "Следующий ответ"),
        Resolution => tr!(l, "Resolution", "Решение"),
    }
}

fn clock_state(l: Lang, s: helpdesk_domain::sla::ClockState) -> &'static str {
    use helpdesk_domain::sla::ClockState::*;
    match s {
        Running => tr!(l, "running", "идёт"),
        Paused => tr!(l, "paused", "на паузе"),
        Met => tr!(l, "met", "выполнен"),
        Breached => tr!(l, "breached", "нарушен"),
    }
}

/// The moves a case's status allows, as (action path, label); the server checks them again.
fn actions(l: Lang, c: &Case) -> Vec<(&'static str, &'static str)> {
    let s = c.status;
    let mut out = Vec::new();
    if s.is_active() {
        out.push(("take", tr!(l, "Take", "Взять себе")));
        out.push(("assign", tr!(l, "Assign…", "Назначить…")));
    }
    if s.is_active() {
        out.push((
            "request-info",
            tr!(l, "Request information", "Запросить информацию"),
        ));
    }
    if s.is_active() && c.support_line < 3 {
        out.push(("escalate", tr!(l, "Escalate", "Эскалировать")));
    }
    if s.can_become(CaseStatus::OnHold) {
        out.push(("hold", tr!(l, "Hold", "Отложить")));
    }
    if s.can_become(CaseStatus::Resolved) {
        out.push(("resolve", tr!(l, "Resolve…", "Решить…")));
    }
    if s.can_become(CaseStatus::Closed) {
        out.push(("close", tr!(l, "Close", "Закрыть")));
    }
    if s.can_become(CaseStatus::Open) && !s.is_active() {
        out.push(("reopen", tr!(l, "Reopen", "Переоткрыть")));
    }
    if s.can_become(CaseStatus::Rejected) {
        out.push(("reject", tr!(l, "Reject…", "Отклонить…")));
    }
    if s.can_become(CaseStatus::Merged) {
        out.push(("merge", tr!(l, "Merge into…", "Объединить с…")));
    }
    out
}

#[component]
pub fn CasePage(id: i64) -> impl IntoView {
    let l = lang();
    let case = Fetch::<Case>::new(format!("/api/v1/cases/{id}"));
    let stream = Fetch::<StreamPage>::new(format!("/api/v1/cases/{id}/stream?limit=200"));
    let followers = Fetch::<Followers>::new(format!("/api/v1/cases/{id}/followers"));
    let files = Fetch::<Vec<Attachment>>::new(format!("/api/v1/cases/{id}/attachments"));
    let dir = directory();
    let me = expect_context::<crate::app::MeSignal>().0;
    let refresh = move || {
        case.reload();
        stream.reload();
        followers.reload();
        files.reload();
    };
    let feed = live();
    Effect::new(move |_| {
        if feed.0.get().is_some_and(|e| e.case_id == id) {
            refresh();
        }
    });
    // The action in progress that needs input (assign, resolve, reject, merge, escalate).
    let asking = RwSignal::new(None::<&'static str>);
    // Whom "request information" asks: empty for the customer, else a colleague's id.
    let whom = RwSignal::new(String::new());
    let input = RwSignal::new(String::new());
    let act = move |action: &'static str, body: serde_json::Value| {
        spawn_local(async move {
            let path = format!("/api/v1/cases/{id}/actions/{action}");
            match api::post::<_, Case>(&path, &body).await {
                Ok(_) => {
                    asking.set(None);
                    input.set(String::new());
                    refresh();
                }
                Err(e) => toasts().push(e.message(), None, true),
            }
        });
    };
    let press = move |action: &'static str| match action {
        "take" => act("take", json!({})),
        "hold" | "close" | "reopen" => act(action, json!({})),
        other => {
            input.set(String::new());
            asking.set(Some(other));
        }
    };
    let confirm = move || {
        let v = input.get_untracked();
        match asking.get_untracked() {
            Some("assign") => act("assign", json!({ "assignee_id": v.parse::<i64>().ok() })),
            Some("escalate") => act(
                "escalate",
                if v.trim().is_empty() {
                    json!({})
                } else {
                    json!({ "note": v })
                },
            ),
            Some("resolve") => act("resolve", json!({ "resolution": v })),
            Some("request-info") => act(
                "request-info",
                match whom.get_untracked().parse::<i64>() {
                    Ok(user_id) => json!({ "note": v, "ask": "colleague", "user_id": user_id }),
                    Err(_) => json!({ "note": v }),
                },
            ),
            Some("reject") => act("reject", json!({ "reason": v })),
            _ => {}
        }
    };
    let following = move || {
        followers.value().is_some_and(|f| {
            f.user_ids
                .contains(&me.get_untracked().map(|m| m.id).unwrap_or(0))
        })
    };
    let toggle_follow = move |_| {
        let on = following();
        spawn_local(async move {
            let path = format!("/api/v1/cases/{id}/followers/me");
            let r = if on {
                api::delete(&path).await
            } else {
                api::put::<_, serde_json::Value>(&path, &json!({}))
                    .await
                    .map(|_| ())
            };
            match r {
                Ok(()) => followers.reload(),
                Err(e) => toasts().push(e.message(), None, true),
            }
        });
    };
    // Keys on the case: r reply, n note, a take, j/k next/previous case of the queue.
    let order = expect_context::<QueueOrder>();
    let r = router();
    let mode = RwSignal::new(StreamKind::Public);
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if typing(&ev) {
            return;
        }
        let ids = order.0.get_untracked();
        let pos = ids.iter().position(|x| *x == id);
        match ev.key().as_str() {
            "r" => {
                ev.prevent_default();
                mode.set(StreamKind::Public);
                focus("#composer-text");
            }
            "n" => {
                ev.prevent_default();
                mode.set(StreamKind::Internal);
                focus("#composer-text");
            }
            "a" => act("take", json!({})),
            "j" => {
                if let Some(next) = pos.and_then(|p| ids.get(p + 1)) {
                    r.go(Route::Case(*next));
                }
            }
            "k" => {
                if let Some(prev) = pos.and_then(|p| p.checked_sub(1)).and_then(|p| ids.get(p)) {
                    r.go(Route::Case(*prev));
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    let show_audit = RwSignal::new(false);
    // The page's frame is rebuilt only when these change (or the language), not on every reload
    // after a live event, so that a draft in the composer keeps its text, files and focus.
    let frame = Memo::new(move |_| {
        case.get()
            .ready()
            .map(|c| (!c.status.is_terminal(), c.organization_id))
    });

    view! {
        {move || match case.get() {
            Load::Ready(_) => None,
            other => Some(pending(&other, move || case.reload())),
        }}
        {move || frame.get().map(|(open, org)| {
            let lg = l.get();
            view! {
                    <div class="case-page">
                        <section class="card case-main">
                            {move || case.value().map(|c| { let lg = l.get(); view! {
                            <header class="case-head">
                                <h1 data-test="case-title">"#" {c.number} " " {c.subject.clone()}</h1>
                                <div class="chips">
                                    <span class=format!("badge st-{}", c.status.as_str()) data-test="case-status">{i18n::status(lg, c.status)}</span>
                                    <span class="badge">{i18n::priority(lg, c.priority)}</span>
                                    <span class="badge">{tr!(lg, "Line", "Линия")} " " {c.support_line}</span>
                                    {sla_badge(lg, c.sla.as_ref())}
                                </div>
                                <dl class="facts">
                                    <dt>{tr!(lg, "Assignee", "Исполнитель")}</dt><dd data-test="assignee">{dir.user_name(c.assignee_id)}</dd>
                                    <dt>{tr!(lg, "Type", "Тип")}</dt><dd>{i18n::case_type(lg, c.case_type)}</dd>
                                    <dt>{tr!(lg, "Channel", "Канал")}</dt><dd>{i18n::channel(lg, c.channel)}</dd>
                                    <dt>{tr!(lg, "Registered", "Зарегистрировано")}</dt><dd>{when(lg, c.created_at)}</dd>
                                    {org.map(|o| view! {
                                        <dt>{tr!(lg, "Organization", "Организация")}</dt>
                                        <dd><Link to=Route::Organization(o)>{format!("#{o}")}</Link></dd>
                                    })}
                                    {c.system_info.clone().map(|s| view! { <dt>{tr!(lg, "System", "Система")}</dt><dd><pre>{s}</pre></dd> })}
                                </dl>
                                {c.sla.clone().map(|s| view! {
                                    <ul class="clocks" data-test="sla-clocks">
                                        {s.clocks.into_iter().map(|k| view! {
                                            <li>{clock_name(lg, k.metric)} ": " {clock_state(lg, k.state)}
                                                {k.due_at.map(|d| view! { " · " {crate::ui::left(lg, d)} })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                })}
                            </header>
                            <div class="actions" data-test="actions">
                                {actions(lg, &c).into_iter().map(|(a, label)| view! {
                                    <button data-test=format!("act-{a}") on:click=move |_| press(a)>{label}</button>
                                }).collect_view()}
                            </div>
                            {move || asking.get().map(|a| {
                                let lg = l.get();
                                if a == "merge" {
                                    let done = Callback::new(move |_| { asking.set(None); refresh(); });
                                    let cancel = Callback::new(move |_| asking.set(None));
                                    return view! { <MergeAsk case_id=id org on_done=done on_cancel=cancel/> }.into_any();
                                }
                                if a == "request-info" {
                                    whom.set(String::new());
                                    return view! {
                                        <form class="ask" data-test="ask" on:submit=move |ev| { ev.prevent_default(); confirm(); }>
                                            <label>{tr!(lg, "Ask", "Кого спросить")}
                                                <select data-test="ask-whom" on:change=move |ev| whom.set(event_target_value(&ev))>
                                                    <option value="">{tr!(lg, "The customer, in a public message", "Клиента — публичным сообщением")}</option>
                                                    {dir.agents().into_iter().map(|u| view! {
                                                        <option value=u.id.to_string()>{u.name} " — " {tr!(lg, "internal note", "внутренняя заметка")}</option>
                                                    }).collect_view()}
                                                </select>
                                            </label>
                                            <label>{tr!(lg, "Question", "Вопрос")}
                                                <textarea data-test="ask-input" required prop:value=input on:input=move |ev| input.set(event_target_value(&ev))></textarea>
                                            </label>
                                            <button type="submit" data-test="ask-ok">{tr!(lg, "Ask", "Спросить")}</button>
                                            <button type="button" class="link" on:click=move |_| asking.set(None)>{tr!(lg, "Cancel", "Отмена")}</button>
                                        </form>
                                    }.into_any();
                                }
                                let prompt = match a {
                                    "assign" => tr!(lg, "Assign to", "Назначить"),
                                    "escalate" => tr!(lg, "Note for the next line (optional)", "Комментарий для следующей линии (необязательно)"),
                                    "resolve" => tr!(lg, "Resolution", "Решение"),
                                    "reject" => tr!(lg, "Reason", "Причина"),
                                    _ => "",
                                };
                                view! {
                                    <form class="ask" data-test="ask" on:submit=move |ev| { ev.prevent_default(); confirm(); }>
                                        <label>{prompt}
                                            {if a == "assign" {
                                                view! {
                                                    <select data-test="ask-input" on:change=move |ev| input.set(event_target_value(&ev))>
                                                        <option value="">{tr!(lg, "— nobody —", "— никто —")}</option>
                                                        {dir.agents().into_iter().map(|u| view! { <option value=u.id.to_string()>{u.name}</option> }).collect_view()}
                                                    </select>
                                                }.into_any()
                                            } else {
                                                view! { <input data-test="ask-input" required=a != "escalate" prop:value=input on:input=move |ev| input.set(event_target_value(&ev))/> }.into_any()
                                            }}
                                        </label>
                                        <button type="submit" data-test="ask-ok">{tr!(lg, "Confirm", "Подтвердить")}</button>
                                        <button type="button" class="link" on:click=move |_| asking.set(None)>{tr!(lg, "Cancel", "Отмена")}</button>
                                    </form>
                                }.into_any()
                            })}
                            } })}
                            <h2>{tr!(lg, "Stream", "Лента")}</h2>
                            <Stream stream files portal=false on_change=Callback::new(move |_| refresh())/>
                            {open.then(|| view! {
                                <Composer case_id=id portal=false mode on_sent=Callback::new(move |_| refresh())/>
                            })}
                        </section>
                        <aside class="case-side">
                            <section class="card">
                                <h2>{tr!(lg, "Followers", "Наблюдатели")}</h2>
                                <ul data-test="followers">
                                    {move || followers.value().map(|f| f.user_ids.into_iter().map(|u| view! { <li>{dir.user_name(Some(u))}</li> }).collect_view())}
                                </ul>
                                <button data-test="follow" on:click=toggle_follow>
                                    {move || if following() { tr!(l.get(), "Unfollow", "Не следить") } else { tr!(l.get(), "Follow", "Следить") }}
                                </button>
                            </section>
                            <section class="card">
                                <h2>{tr!(lg, "Files", "Файлы")}</h2>
                                {move || files.value().map(|f| view! { <FileLinks files=f portal=false/> })}
                            </section>
                            {org.map(|o| view! { <Related org=o current=id/> })}
                            <section class="card">
                                <h2>
                                    <button class="link" data-test="audit-toggle" on:click=move |_| show_audit.update(|v| *v = !*v)>
                                        {tr!(lg, "Audit trail", "История изменений")}
                                    </button>
                                </h2>
                                {move || show_audit.get().then(|| view! { <Audit id/> })}
                            </section>
                        </aside>
                    </div>
            }
        })}
    }
}

/// A case's stream: public messages, internal notes (marked and tinted) and system events.
#[component]
pub fn Stream(
    stream: Fetch<StreamPage>,
    files: Fetch<Vec<Attachment>>,
    portal: bool,
    /// Told when an entry changed the case (a suggested follow-up accepted).
    #[prop(optional)]
    on_change: Option<Callback<()>>,
) -> impl IntoView {
    let l = lang();
    let dir = (!portal).then(directory);
    // A suggested follow-up let into the case, or split off into a new one.
    let decide = move |case_id: i64, entry_id: i64, what: &'static str| {
        spawn_local(async move {
            let path = format!("/api/v1/cases/{case_id}/stream/{entry_id}/{what}");
            match api::post_empty::<serde_json::Value>(&path).await {
                Ok(v) if what == "split" => {
                    if let Some(id) = v["id"].as_i64() {
                        router().go(Route::Case(id));
                    }
                }
                Ok(_) => match on_change {
                    Some(f) => f.run(()),
                    None => stream.reload(),
                },
                Err(e) => toasts().push(e.message(), None, true),
            }
        });
    };
    move || match stream.get() {
        Load::Ready(page) => {
            let lg = l.get();
            let all_files = files.value().unwrap_or_default();
            view! {
                <ol class="stream" data-test="stream">
                    {page.items.into_iter().map(|e: StreamEntry| {
                        let mine: Vec<Attachment> = all_files.iter().filter(|a| a.entry_id == Some(e.id)).cloned().collect();
                        let author = match (e.author_user_id, e.author_contact_id, &e.email_from) {
                            (Some(u), _, _) => dir.map(|d| d.user_name(Some(u))).unwrap_or_else(|| tr!(lg, "Support", "Поддержка").to_owned()),
                            (_, _, Some(from)) => from.clone(),
                            (_, Some(_), _) => tr!(lg, "Customer", "Клиент").to_owned(),
                            _ => tr!(lg, "System", "Система").to_owned(),
                        };
                        let kind = match e.kind {
                            StreamKind::Public => tr!(lg, "Message", "Сообщение"),
                            StreamKind::Internal if e.thread_rule.as_deref() == Some("suggested") => tr!(lg, "Suggested follow-up", "Предложенное продолжение"),
                            StreamKind::Internal => tr!(lg, "Internal note", "Внутренняя заметка"),
                            StreamKind::System => tr!(lg, "Event", "Событие"),
                        };
                        view! {
                            <li class=format!("entry entry-{}", e.kind.as_str()) data-test="entry" data-kind=e.kind.as_str()>
                                <div class="entry-head">
                                    <strong>{author}</strong>
                                    <span class="kind">{kind}</span>
                                    <time>{when(lg, e.created_at)}</time>
                                </div>
                                {match e.body_html.clone() {
                                    // Sanitised by the server when the mail was received.
                                    Some(html) => view! { <HtmlBody html lang=lg/> }.into_any(),
                                    None => view! { <div class="body">{e.body.clone()}</div> }.into_any(),
                                }}
                                {(!mine.is_empty()).then(|| view! { <FileLinks files=mine portal/> })}
                                {(!portal && e.thread_rule.as_deref() == Some("suggested")).then(|| {
                                    let (case_id, entry_id) = (e.case_id, e.id);
                                    view! {
                                        <div class="suggested" data-test="suggested">
                                            <p>{tr!(lg,
                                                "This mail answers the case's thread, but its sender is not a participant of the case, so it was not added as a message and the customer does not see it. Add it if the sender belongs here, or make it a case of its own.",
                                                "Это письмо отвечает в переписке обращения, но отправитель не участник обращения: оно не добавлено как сообщение, и клиент его не видит. Добавьте его, если отправитель относится к обращению, или создайте из него новое обращение.")}</p>
                                            <button type="button" data-test="accept-suggested" on:click=move |_| decide(case_id, entry_id, "accept")>
                                                {tr!(lg, "Add to this case", "Добавить в это обращение")}
                                            </button>
                                            <button type="button" data-test="split-suggested" on:click=move |_| decide(case_id, entry_id, "split")>
                                                {tr!(lg, "Make a new case", "Создать новое обращение")}
                                            </button>
                                        </div>
                                    }
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
            .into_any()
        }
        other => pending(&other, move || stream.reload()),
    }
}

/// Other cases of the same organization.
#[component]
fn Related(org: i64, current: i64) -> impl IntoView {
    let l = lang();
    let cases = Fetch::<CasePage>::new(format!("/api/v1/cases?organization_id={org}&limit=10"));
    view! {
        <section class="card">
            <h2>{move || tr!(l.get(), "Same organization", "Той же организации")}</h2>
            <ul data-test="related">
                {move || cases.value().map(|p| p.items.into_iter().filter(|c| c.id != current).map(|c| {
                    let lg = l.get();
                    view! {
                        <li><Link to=Route::Case(c.id)>"#" {c.number} " " {c.subject}</Link>
                            " · " {i18n::status(lg, c.status)}</li>
                    }
                }).collect_view())}
            </ul>
        </section>
    }
}

#[component]
fn Audit(id: i64) -> impl IntoView {
    let l = lang();
    let audit = Fetch::<AuditPage>::new(format!("/api/v1/cases/{id}/audit?limit=100"));
    let dir = directory();
    move || match audit.get() {
        Load::Ready(p) => {
            let lg = l.get();
            view! {
                <table class="audit" data-test="audit">
                    <tbody>
                        {p.items.into_iter().map(|a| view! {
                            <tr>
                                <td class="nowrap">{when(lg, a.created_at)}</td>
                                <td>{dir.user_name(a.actor_user_id)}</td>
                                <td>{a.field}</td>
                                <td>{a.old_value.unwrap_or_default()} " → " {a.new_value.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }
        other => pending(&other, move || audit.reload()),
    }
}

/// Knowledge-base articles matching a word, to insert into a reply.
#[component]
pub fn KbPicker(on_pick: Callback<String>) -> impl IntoView {
    let l = lang();
    let q = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<(String, String)>::new());
    let search = move || {
        let text = q.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        spawn_local(async move {
            if let Ok(p) = api::get::<ArticlePage>(&format!(
                "/api/v1/kb/articles?q={}&status=published&limit=5",
                enc(&text)
            ))
            .await
            {
                found.set(p.items.into_iter().map(|a| (a.title, a.body_md)).collect());
            }
        });
    };
    view! {
        <div class="kb-picker">
            <input type="search" data-test="kb-search" aria-label=move || tr!(l.get(), "Knowledge base", "База знаний")
                placeholder=move || tr!(l.get(), "Find an article…", "Найти статью…")
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
                {move || found.get().into_iter().map(|(title, body)| {
                    let text = format!("{title}\n\n{body}");
                    view! { <li><button type="button" class="link" data-test="kb-article" on:click=move |_| on_pick.run(text.clone())>{title.clone()}</button></li> }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// "Merge into…": the target is named by its number and shown before anything moves (number,
/// subject, organization, requester); another organization's case is said plainly and needs
/// a tick, since the customers of each would read the other's messages.
#[component]
fn MergeAsk(
    case_id: i64,
    org: Option<i64>,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    type Found = Result<(Case, Option<String>, Option<String>), String>;
    let l = lang();
    let number = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Found>);
    let understood = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let parse = |t: &str| t.trim().trim_start_matches('#').trim().parse::<i64>().ok();
    let look = move |text: String| {
        understood.set(false);
        error.set(None);
        let Some(n) = parse(&text) else {
            found.set(None);
            return;
        };
        spawn_local(async move {
            let lg = l.get_untracked();
            let result: Found =
                match api::get::<CasePage>(&format!("/api/v1/cases?number={n}&limit=1")).await {
                    Ok(p) => match p.items.into_iter().next() {
                        Some(c) if c.id == case_id => {
                            Err(tr!(lg, "That is this case.", "Это это же обращение.").to_owned())
                        }
                        Some(c) => {
                            let org_name = match c.organization_id {
                                Some(o) => {
                                    api::get::<Organization>(&format!("/api/v1/organizations/{o}"))
                                        .await
                                        .ok()
                                        .map(|o| o.name)
                                }
                                None => None,
                            };
                            let requester = match c.requester_id {
                                Some(r) => api::get::<Contact>(&format!("/api/v1/contacts/{r}"))
                                    .await
                                    .ok()
                                    .map(|p| {
                                        format!("{} {}", p.first_name, p.last_name)
                                            .trim()
                                            .to_owned()
                                    }),
                                None => None,
                            };
                            Ok((c, org_name, requester))
                        }
                        None => Err(format!(
                            "{} #{n}",
                            tr!(lg, "There is no case", "Нет обращения")
                        )),
                    },
                    Err(e) => Err(e.message()),
                };
            // A later keystroke wins: only what matches the field now is shown.
            if parse(&number.get_untracked()) == Some(n) {
                found.set(Some(result));
            }
        });
    };
    let target = move || match found.get() {
        Some(Ok((c, _, _))) => Some(c),
        _ => None,
    };
    let other_org = move || target().is_some_and(|c| c.organization_id != org);
    let ready = move || target().is_some() && (!other_org() || understood.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(t) = target() else {
            return;
        };
        if !ready() {
            return;
        }
        let body = json!({ "target_number": t.number, "confirm_other_organization": other_org() });
        spawn_local(async move {
            let path = format!("/api/v1/cases/{case_id}/actions/merge");
            match api::post::<_, Case>(&path, &body).await {
                Ok(_) => on_done.run(()),
                Err(e) => error.set(Some(
                    e.field_errors()
                        .into_values()
                        .next()
                        .unwrap_or_else(|| e.message()),
                )),
            }
        });
    };
    view! {
        <form class="ask merge" data-test="ask" on:submit=submit>
            <label>{move || tr!(l.get(), "Number of the case to merge into", "Номер обращения, с которым объединить")}
                <input data-test="merge-number" inputmode="numeric" required prop:value=number
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        number.set(v.clone());
                        look(v);
                    }/>
            </label>
            {move || found.get().map(|r| {
                let lg = l.get();
                match r {
                    Ok((c, org_name, requester)) => view! {
                        <div class="merge-preview" data-test="merge-preview">
                            <strong>"#" {c.number} " " {c.subject.clone()}</strong>
                            <span>{org_name.unwrap_or_else(|| tr!(lg, "no organization", "без организации").to_owned())}</span>
                            <span>{requester.unwrap_or_else(|| tr!(lg, "no requester", "без заявителя").to_owned())}</span>
                            <span>{i18n::status(lg, c.status)}</span>
                            {(c.organization_id != org).then(|| view! {
                                <p class="warn" data-test="merge-other-org">{tr!(lg,
                                    "This case belongs to another organization. After the merge its customers will read this case's messages, and this case's customers its messages.",
                                    "Это обращение другой организации. После объединения её клиенты увидят сообщения этого обращения, а клиенты этого — её сообщения.")}</p>
                                <label class="check"><input type="checkbox" data-test="merge-understood"
                                    prop:checked=understood on:change=move |ev| understood.set(event_target_checked(&ev))/>
                                    {tr!(lg, "Merge anyway", "Всё равно объединить")}</label>
                            })}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="error" data-test="merge-not-found">{e}</p> }.into_any(),
                }
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-test="merge-error">{e}</p> })}
            <button type="submit" data-test="ask-ok" disabled=move || !ready()>{move || tr!(l.get(), "Merge", "Объединить")}</button>
            <button type="button" class="link" on:click=move |_| on_cancel.run(())>{move || tr!(l.get(), "Cancel", "Отмена")}</button>
        </form>
    }
}

/// Used by the file list to label sizes.
pub fn file_label(a: &Attachment) -> String {
    format!("{} ({})", a.filename, size(a.size))
}

/// A message's sanitized HTML. Pictures from elsewhere are not loaded (a tracking pixel tells
/// its sender when and where the mail was read) until the reader asks; then they come through
/// the server's proxy, which sends no cookies and no referrer.
#[component]
fn HtmlBody(html: String, lang: Lang) -> impl IntoView {
    let has_remote = html.contains("data-remote-src=");
    let body = NodeRef::<leptos::html::Div>::new();
    let shown = RwSignal::new(false);
    let show = move |_| {
        let Some(div) = body.get_untracked() else {
            return;
        };
        // Each picture, once given its address, loses the attribute that found it.
        while let Ok(Some(img)) = div.query_selector("img[data-remote-src]") {
            if let Some(src) = img.get_attribute("data-remote-src") {
                let _ = img.set_attribute("src", &src);
            }
            let _ = img.remove_attribute("data-remote-src");
        }
        shown.set(true);
    };
    view! {
        <div class="body" node_ref=body inner_html=html></div>
        {move || (has_remote && !shown.get()).then(|| view! {
            <p class="remote-pictures muted">
                {tr!(lang, "Pictures from elsewhere are not shown.", "Картинки из внешних источников не показаны.")}
                " "
                <button type="button" class="link" data-test="show-remote-pictures" on:click=show>
                    {tr!(lang, "Show them", "Показать")}
                </button>
            </p>
        })}
    }
}
