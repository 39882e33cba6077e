//! The profile: name and language, password, two-factor sign-in, and where one is signed in
//! (also shown to admins for another user).

use helpdesk_api_types::auth::{Me, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::MeSignal;
use crate::i18n::Lang;
use crate::passwords::ChangePassword;
use crate::tr;
use crate::two_factor::TwoFactorSettings;
use crate::ui::Load;

/// The user's name and language.
#[component]
pub fn Profile() -> impl IntoView {
    let l = crate::ui::lang();
    let me = expect_context::<MeSignal>().0;
    // Right after signing in, the shared user signal may not be filled yet: the session has it.
    let name = RwSignal::new(
        me.get_untracked()
            .or_else(|| api::load_session().map(|s| s.user))
            .map(|m| m.name)
            .unwrap_or_default(),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = serde_json::json!({ "name": name.get_untracked(), "language": l.get_untracked().code() });
        spawn_local(async move {
            match api::patch::<_, Me>("/api/v1/me", &body).await {
                Ok(m) => {
                    if let Some(mut s) = api::load_session() {
                        s.user = m.clone();
                        api::save_session(&s);
                    }
                    me.set(Some(m));
                    crate::ui::toasts().push(
                        tr!(l.get_untracked(), "Saved.", "Сохранено.").to_owned(),
                        None,
                        false,
                    );
                }
                Err(e) => crate::ui::toasts().push(e.message(), None, true),
            }
        });
    };
    view! {
        <form class="card form" data-test="profile" on:submit=save>
            <h1>{move || tr!(l.get(), "Profile", "Профиль")}</h1>
            <p>{move || me.get().map(|m| m.email)}</p>
            <label class="field"><span class="label">{move || tr!(l.get(), "Name", "Имя")}</span>
                <input data-test="profile-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <fieldset>
                <legend>{move || tr!(l.get(), "Language", "Язык")}</legend>
                <label><input type="radio" name="lang" prop:checked=move || l.get() == Lang::En on:change=move |_| l.set(Lang::En)/>" English"</label>
                <label><input type="radio" name="lang" prop:checked=move || l.get() == Lang::Ru on:change=move |_| l.set(Lang::Ru)/>" Русский"</label>
            </fieldset>
            <button type="submit">{move || tr!(l.get(), "Save", "Сохранить")}</button>
        </form>
        <ChangePassword/>
        <TwoFactorSettings/>
        <Sessions/>
    }
}

/// "Chrome on Linux" for a `User-Agent`, as people name their browsers; `None` when empty.
fn browser_name(agent: &str) -> Option<String> {
    if agent.trim().is_empty() {
        return None;
    }
    let has = |s: &str| agent.contains(s);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("OPR/") {
        "Opera"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        return Some(agent.chars().take(40).collect());
    };
    let system = if has("Android") {
        "Android"
    } else if has("iPhone") || has("iPad") {
        "iOS"
    } else if has("Windows") {
        "Windows"
    } else if has("Mac OS X") {
        "macOS"
    } else if has("Linux") {
        "Linux"
    } else {
        return Some(browser.to_owned());
    };
    Some(format!("{browser} · {system}"))
}

/// Where the user is signed in: each browser or device with its address and last use, this one
/// marked; any other can be signed out at once (its open pages lose access on their next
/// request).
#[component]
pub fn Sessions(
    /// Another user's sessions (admins); the caller's own without it.
    #[prop(optional)]
    user: Option<i64>,
) -> impl IntoView {
    let l = crate::ui::lang();
    let base = match user {
        Some(id) => format!("/api/v1/users/{id}/sessions"),
        None => "/api/v1/me/sessions".to_owned(),
    };
    let sessions = crate::ui::Fetch::<Vec<SessionInfo>>::new(base.clone());
    let base = StoredValue::new(base);
    let end = move |ids: Vec<i64>| {
        spawn_local(async move {
            for id in ids {
                if let Err(e) = api::delete(&format!("{}/{id}", base.get_value())).await {
                    crate::ui::toasts().push(e.message(), None, true);
                }
            }
            sessions.reload();
        });
    };
    let end_all = move || {
        spawn_local(async move {
            if let Err(e) = api::delete(&base.get_value()).await {
                crate::ui::toasts().push(e.message(), None, true);
            }
            sessions.reload();
        });
    };
    view! {
        <section class="card" data-test="sessions">
            <h2>{move || match user {
                None => tr!(l.get(), "Where you are signed in", "Где выполнен вход"),
                Some(_) => tr!(l.get(), "Where this user is signed in", "Где выполнен вход этим пользователем"),
            }}</h2>
            {move || match sessions.get() {
                Load::Ready(list) => {
                    let lg = l.get();
                    if list.is_empty() {
                        return view! { <p class="muted" data-test="no-sessions">{tr!(lg, "Signed in nowhere.", "Нигде не выполнен вход.")}</p> }.into_any();
                    }
                    let others: Vec<i64> = list.iter().filter(|s| !s.current).map(|s| s.id).collect();
                    view! {
                        <ul class="sessions">
                            {list.into_iter().map(|s| {
                                let id = s.id;
                                let agent = browser_name(&s.user_agent);
                                view! {
                                    <li data-test="session" data-current=s.current.to_string() title=s.user_agent.clone()>
                                        <strong>{agent.unwrap_or_else(|| tr!(lg, "Unknown browser", "Неизвестный браузер").to_owned())}</strong>
                                        " · " {s.ip.clone()} " · "
                                        {tr!(lg, "last active", "активен")} " " {crate::ui::when(lg, s.last_used_at)} " "
                                        {if s.current {
                                            view! { <span class="badge">{tr!(lg, "this browser", "этот браузер")}</span> }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="link" data-test="end-session"
                                                    on:click=move |_| end(vec![id])>{tr!(lg, "Sign out", "Выйти")}</button>
                                            }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {match user {
                            None => (!others.is_empty()).then(|| view! {
                                <button type="button" data-test="end-other-sessions" on:click=move |_| end(others.clone())>
                                    {tr!(lg, "Sign out everywhere else", "Выйти на всех других устройствах")}
                                </button>
                            }.into_any()),
                            Some(_) => Some(view! {
                                <button type="button" data-test="end-all-sessions" on:click=move |_| end_all()>
                                    {tr!(lg, "Sign out everywhere", "Выйти на всех устройствах")}
                                </button>
                            }.into_any()),
                        }}
                    }.into_any()
                }
                other => crate::ui::pending(&other, move || sessions.reload()),
            }}
        </section>
    }
}
