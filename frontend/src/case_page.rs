//! The case page: the case's fields and badges, its actions (with what they ask), SLA clocks,
//! the stream and composer, followers, files, related cases and the audit trail.

use helpdesk_api_types::cases::{Attachment, Case, CasePage, Followers, StreamKind, StreamPage};
use helpdesk_api_types::crm::{Contact, Organization};
use helpdesk_api_types::CaseStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::agent::{directory, focus, typing, QueueOrder};
use crate::api;
use crate::case_details::CaseDetails;
use crate::customer_card::CustomerCard;
use crate::handoff_ask::{Handoff, HandoffAsk};
use crate::i18n::{self, Lang};
use crate::live::live;
use crate::merge_ask::MergeAsk;
use crate::route::{router, Link, Route};
use crate::stream::Stream;
use crate::tr;
use crate::ui::{lang, pending, sla_badge, toasts, when, Fetch, Load};
use crate::upload::{Composer, FileLinks};

pub(crate) fn clock_name(l: Lang, m: helpdesk_domain::sla::Metric) -> &'static str {
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
    let contracts = crate::customer_card::contracts_in_force(case);
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
    // The action in progress that needs input (assign, resolve, reject, merge, escalate; the
    // first two and merge have dialogs of their own).
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
                                    <CustomerFacts org requester=c.requester_id/>
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
                            } })}
                            // Outside the case's own redraw: a live update while choosing keeps the choice.
                            {move || asking.get().map(|a| {
                                let lg = l.get();
                                if a == "merge" {
                                    let done = Callback::new(move |_| { asking.set(None); refresh(); });
                                    let cancel = Callback::new(move |_| asking.set(None));
                                    return view! { <MergeAsk case_id=id org on_done=done on_cancel=cancel/> }.into_any();
                                }
                                if a == "assign" || a == "escalate" {
                                    let what = if a == "assign" { Handoff::Assign } else { Handoff::Escalate };
                                    let done = Callback::new(move |_| { asking.set(None); refresh(); });
                                    let cancel = Callback::new(move |_| asking.set(None));
                                    // Built from the case as it was when asked: a live reload does
                                    // not reset what the agent is choosing.
                                    return match untrack(|| case.value()) {
                                        Some(c) => view! { <HandoffAsk case=c what on_done=done on_cancel=cancel/> }.into_any(),
                                        None => ().into_any(),
                                    };
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
                                    "resolve" => tr!(lg, "Resolution", "Решение"),
                                    "reject" => tr!(lg, "Reason", "Причина"),
                                    _ => "",
                                };
                                view! {
                                    <form class="ask" data-test="ask" on:submit=move |ev| { ev.prevent_default(); confirm(); }>
                                        <label>{prompt}
                                            <input data-test="ask-input" required prop:value=input on:input=move |ev| input.set(event_target_value(&ev))/>
                                        </label>
                                        <button type="submit" data-test="ask-ok">{tr!(lg, "Confirm", "Подтвердить")}</button>
                                        <button type="button" class="link" on:click=move |_| asking.set(None)>{tr!(lg, "Cancel", "Отмена")}</button>
                                    </form>
                                }.into_any()
                            })}
                            <h2>{tr!(lg, "Stream", "Лента")}</h2>
                            <Stream stream files portal=false on_change=Callback::new(move |_| refresh())/>
                            {open.then(|| view! {
                                <Composer case_id=id portal=false mode on_sent=Callback::new(move |_| refresh())/>
                            })}
                        </section>
                        <aside class="case-side">
                            <CustomerCard case contracts/>
                            {open.then(|| view! { <CaseDetails id case contracts/> })}
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
                                {move || show_audit.get().then(|| view! { <crate::audit::Audit id/> })}
                            </section>
                        </aside>
                    </div>
            }
        })}
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
            {move || cases.value().map(|p| {
                let others: Vec<_> = p.items.into_iter().filter(|c| c.id != current).collect();
                let lg = l.get();
                if others.is_empty() {
                    return view! { <p class="hint" data-test="related-none">{tr!(lg, "No other cases.", "Других обращений нет.")}</p> }.into_any();
                }
                view! {
                    <ul data-test="related">
                        {others.into_iter().map(|c| view! {
                            <li><Link to=Route::Case(c.id)>"#" {c.number} " " {c.subject}</Link>
                                " · " {i18n::status(lg, c.status)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

/// Who the customer is: the organization (name, INN/KPP) and the requester (name, title,
/// addresses, phones), each a link to its record.
#[component]
fn CustomerFacts(org: Option<i64>, requester: Option<i64>) -> impl IntoView {
    let l = lang();
    let organization =
        org.map(|o| Fetch::<Organization>::new(format!("/api/v1/organizations/{o}")));
    let contact = requester.map(|r| Fetch::<Contact>::new(format!("/api/v1/contacts/{r}")));
    view! {
        {org.map(|o| view! {
            <dt>{move || tr!(l.get(), "Organization", "Организация")}</dt>
            <dd data-test="organization">
                <Link to=Route::Organization(o)>{move || organization.and_then(super::ui::Fetch::value).map(|x| x.name).unwrap_or_else(|| format!("#{o}"))}</Link>
                {move || organization.and_then(super::ui::Fetch::value).map(|x| {
                    let ids: Vec<String> = [x.inn.map(|v| format!("{} {v}", tr!(l.get(), "INN", "ИНН"))), x.kpp.map(|v| format!("{} {v}", tr!(l.get(), "KPP", "КПП")))]
                        .into_iter().flatten().collect();
                    (!ids.is_empty()).then(|| view! { " " <span class="hint">{ids.join(" · ")}</span> })
                })}
            </dd>
        })}
        {requester.map(|r| view! {
            <dt>{move || tr!(l.get(), "Requester", "Заявитель")}</dt>
            <dd data-test="requester">
                <Link to=Route::Contact(r)>{move || contact.and_then(super::ui::Fetch::value).map(|x| format!("{} {}", x.first_name, x.last_name).trim().to_owned()).unwrap_or_else(|| format!("#{r}"))}</Link>
                {move || contact.and_then(super::ui::Fetch::value).map(|x| {
                    let mut about: Vec<String> = x.title.into_iter().collect();
                    about.extend(x.emails);
                    about.extend(x.phones.iter().map(|p| crate::customer_card::phone_shown(l.get(), p)));
                    (!about.is_empty()).then(|| view! { " " <span class="hint">{about.join(" · ")}</span> })
                })}
            </dd>
        })}
    }
}
