//! The views: sign-in, the agent's case list and the customer's portal list.

use helpdesk_api_types::cases::{CasePage, PortalCasePage};
use helpdesk_api_types::notifications::{MarkedRead, NotificationPage, UnreadCount};
use helpdesk_api_types::sla::{CaseSla, ClockState};
use helpdesk_api_types::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError, Session};
use crate::i18n::{self, Lang};

/// The state of a list being fetched.
#[derive(Debug, Clone, PartialEq)]
enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(api::load_session());
    let initial = session
        .get_untracked()
        .map(|s| s.user.language)
        .or_else(api::browser_language)
        .unwrap_or_default();
    let lang = RwSignal::new(Lang::from_code(&initial));
    let t = move || i18n::text(lang.get());
    let sign_out = move |_| {
        spawn_local(async move {
            api::logout().await;
            session.set(None);
        });
    };
    view! {
        <header class="bar">
            <strong class="brand">
                {move || match session.get() {
                    Some(s) if s.user.role == Role::Portal => t().portal_title,
                    _ => t().app_title,
                }}
            </strong>
            <span class="spacer"></span>
            <button class="link" on:click=move |_| lang.update(|l| *l = l.other())>
                {move || t().switch_language}
            </button>
            {move || session.get().map(|s| view! {
                <Bell lang/>
                <span class="who" data-test="who">{t().signed_in_as} " " {s.user.name.clone()}</span>
                <button class="link" data-test="sign-out" on:click=sign_out>{t().sign_out}</button>
            })}
        </header>
        <main>
            {move || match session.get() {
                None => view! { <Login session lang/> }.into_any(),
                Some(s) if s.user.role == Role::Portal => view! { <PortalCases lang/> }.into_any(),
                Some(_) => view! { <AgentCases lang/> }.into_any(),
            }}
        </main>
    }
}

/// The unread count in the header; a click opens the latest notifications.
#[component]
fn Bell(lang: RwSignal<Lang>) -> impl IntoView {
    let t = move || i18n::text(lang.get());
    let unread = RwSignal::new(0i64);
    let open = RwSignal::new(false);
    let list = RwSignal::new(Load::<NotificationPage>::Loading);
    let count = move || {
        spawn_local(async move {
            if let Ok(c) = api::get::<UnreadCount>("/api/v1/notifications/unread-count").await {
                unread.set(c.unread);
            }
        })
    };
    count();
    let toggle = move |_| {
        let now_open = !open.get_untracked();
        open.set(now_open);
        if now_open {
            list.set(Load::Loading);
            fetch_into("/api/v1/notifications?limit=20", list);
        }
    };
    let read_all = move |_| {
        spawn_local(async move {
            if api::post_empty::<MarkedRead>("/api/v1/notifications/read-all")
                .await
                .is_ok()
            {
                unread.set(0);
                fetch_into("/api/v1/notifications?limit=20", list);
            }
        })
    };
    view! {
        <span class="bell">
            <button class="link" data-test="bell" on:click=toggle>
                {move || t().notifications} " "
                <span class="count" data-test="unread">{move || unread.get()}</span>
            </button>
            {move || open.get().then(|| view! {
                <div class="card panel" data-test="notifications">
                    {move || match list.get() {
                        Load::Loading => view! { <p>{t().loading}</p> }.into_any(),
                        Load::Failed(e) => view! { <p class="error">{e}</p> }.into_any(),
                        Load::Ready(p) if p.items.is_empty() => view! { <p>{t().no_notifications}</p> }.into_any(),
                        Load::Ready(p) => view! {
                            <ul>
                                {p.items.into_iter().map(|n| view! {
                                    <li data-test="notification" class:unread=n.read_at.is_none()>
                                        {n.title}
                                    </li>
                                }).collect_view()}
                            </ul>
                            <button class="link" data-test="read-all" on:click=read_all>{t().mark_all_read}</button>
                        }.into_any(),
                    }}
                </div>
            })}
        </span>
    }
}

#[component]
fn Login(session: RwSignal<Option<Session>>, lang: RwSignal<Lang>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let t = move || i18n::text(lang.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let (e, p) = (email.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match api::login(e, p).await {
                Ok(s) => {
                    lang.set(Lang::from_code(&s.user.language));
                    session.set(Some(s));
                }
                Err(err) => error.set(Some(err.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card login" on:submit=submit>
            <h1>{move || t().sign_in}</h1>
            <label>{move || t().email}
                <input type="email" name="email" required autocomplete="username"
                    prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
            </label>
            <label>{move || t().password}
                <input type="password" name="password" required autocomplete="current-password"
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-test="login-error">{e}</p> })}
            <button type="submit" data-test="sign-in" disabled=move || busy.get()>
                {move || if busy.get() { t().signing_in } else { t().sign_in }}
            </button>
        </form>
    }
}

fn fetch_into<T: serde::de::DeserializeOwned + Send + Sync + 'static>(
    path: &'static str,
    state: RwSignal<Load<T>>,
) {
    spawn_local(async move {
        let result: Result<T, ApiError> = api::get(path).await;
        state.set(match result {
            Ok(v) => Load::Ready(v),
            Err(e) => Load::Failed(e.message()),
        });
    });
}

/// The SLA of a case in the list: breached, the next deadline, paused or met.
fn sla_cell(l: Lang, sla: Option<&CaseSla>) -> impl IntoView {
    let t = i18n::text(l);
    let (state, text) = match sla {
        None => ("none", "—".to_owned()),
        Some(s) if s.breached => ("breached", t.sla_breached.to_owned()),
        Some(CaseSla {
            due_at: Some(due), ..
        }) => (
            "due",
            format!("{} {}", t.sla_due, due.format("%Y-%m-%d %H:%M")),
        ),
        Some(s) if s.clocks.iter().any(|k| k.state == ClockState::Paused) => {
            ("paused", t.sla_paused.to_owned())
        }
        Some(_) => ("met", t.sla_met.to_owned()),
    };
    view! { <td data-test="sla" data-state=state class=format!("sla sla-{state}")>{text}</td> }
}

#[component]
fn AgentCases(lang: RwSignal<Lang>) -> impl IntoView {
    let state = RwSignal::new(Load::<CasePage>::Loading);
    fetch_into("/api/v1/cases?limit=50", state);
    let t = move || i18n::text(lang.get());
    view! {
        <section class="card">
            <h1>{move || t().cases}</h1>
            {move || match state.get() {
                Load::Loading => view! { <p>{t().loading}</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error">{t().failed} ": " {e}</p> }.into_any(),
                Load::Ready(page) if page.items.is_empty() => view! { <p data-test="empty">{t().no_cases}</p> }.into_any(),
                Load::Ready(page) => {
                    let l = lang.get();
                    view! {
                        <table data-test="cases">
                            <thead><tr>
                                <th>{t().number}</th><th>{t().subject}</th><th>{t().status}</th>
                                <th>{t().priority}</th><th>{t().sla}</th><th>{t().updated}</th>
                            </tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|c| view! {
                                    <tr data-test="case-row" data-status=c.status.as_str()>
                                        <td>"#" {c.number}</td>
                                        <td>{c.subject}</td>
                                        <td>{i18n::status(l, c.status)}</td>
                                        <td>{i18n::priority(l, c.priority)}</td>
                                        {sla_cell(l, c.sla.as_ref())}
                                        <td>{c.updated_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn PortalCases(lang: RwSignal<Lang>) -> impl IntoView {
    let state = RwSignal::new(Load::<PortalCasePage>::Loading);
    fetch_into("/api/v1/portal/cases?limit=50", state);
    let t = move || i18n::text(lang.get());
    view! {
        <section class="card">
            <h1>{move || t().my_cases}</h1>
            {move || match state.get() {
                Load::Loading => view! { <p>{t().loading}</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error">{t().failed} ": " {e}</p> }.into_any(),
                Load::Ready(page) if page.items.is_empty() => view! { <p data-test="empty">{t().no_cases}</p> }.into_any(),
                Load::Ready(page) => {
                    let l = lang.get();
                    view! {
                        <table data-test="portal-cases">
                            <thead><tr><th>{t().number}</th><th>{t().subject}</th><th>{t().status}</th><th>{t().updated}</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|c| view! {
                                    <tr data-test="case-row">
                                        <td>"#" {c.number}</td>
                                        <td>{c.subject}</td>
                                        <td>{i18n::status(l, c.status)}</td>
                                        <td>{c.updated_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
