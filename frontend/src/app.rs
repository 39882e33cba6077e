//! The views: sign-in, the agent's case list and the customer's portal list.

use helpdesk_api_types::auth::{Me, SessionInfo};
use helpdesk_api_types::notifications::{MarkedRead, NotificationPage, UnreadCount};
use helpdesk_api_types::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin::AdminPage;
use crate::agent::{CasePage, Directory, QueueOrder, QueuePage};
use crate::api::{self, ApiError, Session};
use crate::crm::{Dir, DirectoryPage, NewRecordPage, RecordPage};
use crate::i18n::{self, Lang};
use crate::live::{notify, Live};
use crate::new_case::NewCasePage;
use crate::passwords::{ChangePassword, ResetPassword};
use crate::portal::{PortalCasePage, PortalHome, PortalNewCase};
use crate::route::{Link, Route, Router};
use crate::sign_in::Login;
use crate::tr;
use crate::two_factor::TwoFactorSettings;
use crate::ui::{Field, Load, ToastArea};

/// The signed-in user, shared through the context.
#[derive(Clone, Copy)]
pub struct MeSignal(pub RwSignal<Option<Me>>);

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(api::load_session());
    let initial = session
        .get_untracked()
        .map(|s| s.user.language)
        .or_else(api::browser_language)
        .unwrap_or_default();
    let lang = RwSignal::new(Lang::from_code(&initial));
    provide_context(lang);
    provide_context(MeSignal(RwSignal::new(
        session.get_untracked().map(|s| s.user),
    )));
    provide_context(QueueOrder(RwSignal::new(Vec::new())));
    let router = Router::install();
    // The pages of links from mails, shown whether or not someone is signed in here.
    let link_page = Memo::new(move |_| match router.get() {
        r @ (Route::Invite(_) | Route::Reset(_) | Route::Sso) => Some(r),
        _ => None,
    });
    provide_context(Live(RwSignal::new(None)));
    let offline = crate::ui::Offline(RwSignal::new(0));
    provide_context(offline);
    // The session ended for good (a refresh was refused): the sign-in page. What was typed
    // stays in the drafts' storage for after the sign-in.
    api::on_signed_out(move || session.set(None));
    // Another tab signed in or out (a refresh there changes nothing here: the tokens are read
    // from storage on every request).
    let _other_tabs = window_event_listener(leptos::ev::storage, move |_| {
        let now = api::load_session();
        if now.as_ref().map(|s| s.user.id) != session.get_untracked().map(|s| s.user.id) {
            session.set(now);
        }
    });
    Effect::new(move |_| {
        expect_context::<MeSignal>()
            .0
            .set(session.get().map(|s| s.user))
    });
    Effect::new(move |_| {
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            if let Some(html) = d.document_element() {
                let _ = html.set_attribute("lang", lang.get().code());
            }
        }
    });
    let t = move || i18n::text(lang.get());
    let sign_out = move |_| {
        // Drafts outlive a sign-out forced by an expired session, not one asked for.
        crate::drafts::forget_all();
        spawn_local(async move {
            api::logout().await;
            session.set(None);
        });
    };
    // The language is remembered on the account.
    let switch = move |_| {
        let next = lang.get_untracked().other();
        lang.set(next);
        if session.get_untracked().is_some() {
            spawn_local(async move {
                if let Ok(me) = api::patch::<_, Me>(
                    "/api/v1/me",
                    &serde_json::json!({ "language": next.code() }),
                )
                .await
                {
                    if let Some(mut s) = api::load_session() {
                        s.user = me;
                        api::save_session(&s);
                    }
                }
            });
        }
    };
    view! {
        {move || (offline.0.get() > 0).then(|| view! {
            <div class="offline" role="status" data-test="offline">
                {move || tr!(lang.get(), "Offline — retrying…", "Нет связи — пробуем снова…")}
            </div>
        })}
        <a class="skip" href="#main">{move || tr!(lang.get(), "Skip to content", "К содержимому")}</a>
        <header class="bar">
            <strong class="brand">
                {move || match session.get() {
                    Some(s) if s.user.role == Role::Portal => t().portal_title,
                    _ => t().app_title,
                }}
            </strong>
            {move || session.get().map(|s| if s.user.role == Role::Portal {
                view! {
                    <nav class="nav">
                        <Link to=Route::PortalHome>{move || tr!(lang.get(), "My cases", "Мои обращения")}</Link>
                        <Link to=Route::PortalNewCase>{move || tr!(lang.get(), "New case", "Новое обращение")}</Link>
                        <Link to=Route::Profile>{move || tr!(lang.get(), "Profile", "Профиль")}</Link>
                    </nav>
                }.into_any()
            } else {
                let admin = s.user.role == Role::Admin;
                view! {
                    <nav class="nav">
                        <Link to=Route::Queue("mine".into())>{move || tr!(lang.get(), "Queues", "Очереди")}</Link>
                        <Link to=Route::NewCase>{move || tr!(lang.get(), "New case", "Новое обращение")}</Link>
                        <Link to=Route::Organizations>{move || tr!(lang.get(), "Organizations", "Организации")}</Link>
                        <Link to=Route::Contacts>{move || tr!(lang.get(), "Contacts", "Контакты")}</Link>
                        <Link to=Route::Products>{move || tr!(lang.get(), "Products", "Продукты")}</Link>
                        <Link to=Route::Contracts>{move || tr!(lang.get(), "Contracts", "Договоры")}</Link>
                        {admin.then(|| view! { <Link to=Route::Admin("users".into())>{move || tr!(lang.get(), "Admin", "Администрирование")}</Link> })}
                        <Link to=Route::Profile>{move || tr!(lang.get(), "Profile", "Профиль")}</Link>
                    </nav>
                }.into_any()
            })}
            <span class="spacer"></span>
            <button class="link" data-test="language" on:click=switch>
                {move || t().switch_language}
            </button>
            {move || session.get().map(|s| view! {
                <Bell lang staff=s.user.role != Role::Portal/>
                <span class="who" data-test="who">{t().signed_in_as} " " {s.user.name.clone()}</span>
                <button class="link" data-test="sign-out" on:click=sign_out>{t().sign_out}</button>
            })}
        </header>
        <main id="main">
            // The shell depends on the route only for a link from a mail, so that moving between
            // screens does not rebuild it.
            {move || match (session.get(), link_page.get()) {
                (_, Some(Route::Invite(token))) => view! { <AcceptInvitation token session lang router/> }.into_any(),
                (_, Some(Route::Reset(token))) => view! { <ResetPassword token session lang router/> }.into_any(),
                (_, Some(Route::Sso)) => view! { <crate::sign_in::SsoLanding session lang router/> }.into_any(),
                (None, _) => view! { <Login session lang/> }.into_any(),
                (Some(s), _) if s.user.role == Role::Portal => view! { <PortalShell router/> }.into_any(),
                (Some(_), _) => view! { <AgentShell router/> }.into_any(),
            }}
        </main>

        <ToastArea/>
    }
}

/// The agent side: the directory of users and the live feed, then the route's screen.
#[component]
fn AgentShell(router: Router) -> impl IntoView {
    Directory::install();
    let feed = expect_context::<Live>();
    let alive = RwSignal::new(true);
    on_cleanup(move || {
        alive.set(false);
        crate::live::stop();
    });
    feed.start(move || alive.try_get_untracked().unwrap_or(false) && api::load_session().is_some());
    // A portal address typed by an agent: the queues.
    if router.get_untracked().is_portal() && router.get_untracked() != Route::Profile {
        router.replace(Route::Queue("mine".into()));
    }
    move || match router.get() {
        Route::Queue(key) => view! { <QueuePage key/> }.into_any(),
        Route::Case(id) => view! { <CasePage id/> }.into_any(),
        Route::NewCase => view! { <NewCasePage/> }.into_any(),
        Route::Organizations => view! { <DirectoryPage dir=Dir::Organizations/> }.into_any(),
        Route::Organization(id) => view! { <RecordPage dir=Dir::Organizations id/> }.into_any(),
        Route::NewOrganization => view! { <NewRecordPage dir=Dir::Organizations/> }.into_any(),
        Route::Contacts => view! { <DirectoryPage dir=Dir::Contacts/> }.into_any(),
        Route::Contact(id) => view! { <RecordPage dir=Dir::Contacts id/> }.into_any(),
        Route::NewContact => view! { <NewRecordPage dir=Dir::Contacts/> }.into_any(),
        Route::Products => view! { <DirectoryPage dir=Dir::Products/> }.into_any(),
        Route::Product(id) => view! { <RecordPage dir=Dir::Products id/> }.into_any(),
        Route::Contracts => view! { <DirectoryPage dir=Dir::Contracts/> }.into_any(),
        Route::Contract(id) => view! { <RecordPage dir=Dir::Contracts id/> }.into_any(),
        Route::Admin(what) => view! { <AdminPage what/> }.into_any(),
        Route::Profile => view! { <Profile/> }.into_any(),
        _ => view! { <QueuePage key="mine".to_owned()/> }.into_any(),
    }
}

/// The customer side: only portal routes; any other address lands on the portal home.
#[component]
fn PortalShell(router: Router) -> impl IntoView {
    if !router.get_untracked().is_portal() {
        router.replace(Route::PortalHome);
    }
    move || match router.get() {
        Route::PortalCase(id) => view! { <PortalCasePage id/> }.into_any(),
        Route::PortalNewCase => view! { <PortalNewCase/> }.into_any(),
        Route::Profile => view! { <Profile/> }.into_any(),
        other => {
            if other != Route::PortalHome {
                router.replace(Route::PortalHome);
            }
            view! { <PortalHome/> }.into_any()
        }
    }
}

/// The user's name and language.
#[component]
fn Profile() -> impl IntoView {
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

/// The unread count in the header; a click opens the latest notifications.
#[component]
fn Bell(lang: RwSignal<Lang>, staff: bool) -> impl IntoView {
    let t = move || i18n::text(lang.get());
    let unread = RwSignal::new(-1i64);
    let open = RwSignal::new(false);
    let list = RwSignal::new(Load::<NotificationPage>::Loading);
    // A rise in the count brings the newest notification up as a browser notification.
    let count = move || {
        spawn_local(async move {
            if let Ok(c) = api::get::<UnreadCount>("/api/v1/notifications/unread-count").await {
                let before = unread.get_untracked();
                unread.set(c.unread);
                if before >= 0 && c.unread > before {
                    if let Ok(p) =
                        api::get::<NotificationPage>("/api/v1/notifications?unread=true&limit=1")
                            .await
                    {
                        if let Some(n) = p.items.into_iter().next() {
                            notify(t().app_title, &n.title);
                        }
                    }
                }
            }
        })
    };
    count();
    // Agents: every live event may have brought a notification; customers: every 30 seconds.
    let feed = expect_context::<Live>();
    Effect::new(move |_| {
        if feed.0.get().is_some() {
            count();
        }
    });
    if !staff {
        if let Ok(h) = set_interval_with_handle(count, std::time::Duration::from_secs(30)) {
            on_cleanup(move || h.clear());
        }
    }
    // Ask once whether the browser may show notifications.
    if staff {
        ask_permission_once();
    }
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
                <span class="count" data-test="unread">{move || unread.get().max(0)}</span>
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

/// The page an invitation link opens: the customer chooses a password and is signed in.
#[component]
fn AcceptInvitation(
    token: String,
    session: RwSignal<Option<Session>>,
    lang: RwSignal<Lang>,
    router: Router,
) -> impl IntoView {
    let info = RwSignal::new(Load::<helpdesk_api_types::auth::InvitationInfo>::Loading);
    let token = StoredValue::new(token);
    // An unknown, used or expired link is `Failed("")`.
    let load = move || {
        info.set(Load::Loading);
        spawn_local(async move {
            info.set(match api::invitation(&token.get_value()).await {
                Ok(i) => Load::Ready(i),
                Err(e) if e.status() == Some(404) => Load::Failed(String::new()),
                Err(e) => Load::Failed(e.message()),
            });
        });
    };
    load();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        let (p, a) = (password.get_untracked(), again.get_untracked());
        let mut local = std::collections::BTreeMap::new();
        if p.chars().count() < 10 {
            local.insert(
                "password".to_owned(),
                tr!(l, "At least 10 characters", "Не короче 10 символов").to_owned(),
            );
        } else if p != a {
            local.insert(
                "again".to_owned(),
                tr!(l, "The passwords differ", "Пароли не совпадают").to_owned(),
            );
        }
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::accept_invitation(token.get_value(), p).await {
                Ok(s) => {
                    lang.set(Lang::from_code(&s.user.language));
                    router.replace(Route::PortalHome);
                    session.set(Some(s));
                }
                Err(e) if e.status() == Some(404) => info.set(Load::Failed(String::new())),
                Err(e) => {
                    let map = e.field_errors();
                    if map.is_empty() {
                        errors.set([("password".to_owned(), e.message())].into());
                    } else {
                        errors.set(map);
                    }
                }
            }
            busy.set(false);
        });
    };
    let field = move |k: &'static str| Signal::derive(move || errors.with(|e| e.get(k).cloned()));
    move || {
        match info.get() {
        Load::Ready(i) => view! {
            <form class="card login" data-test="invite-form" on:submit=submit novalidate>
                <h1>{move || tr!(lang.get(), "Welcome", "Добро пожаловать")} ", " {i.name.clone()}</h1>
                <p>{move || tr!(lang.get(), "Choose a password for the support portal. You will sign in with", "Задайте пароль для портала поддержки. Для входа используйте адрес")} " " <strong>{i.email.clone()}</strong>"."</p>
                <Field label=Signal::derive(move || tr!(lang.get(), "New password", "Новый пароль")) required=true error=field("password")>
                    <input type="password" name="password" autocomplete="new-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </Field>
                <Field label=Signal::derive(move || tr!(lang.get(), "Repeat the password", "Повторите пароль")) required=true error=field("again")>
                    <input type="password" name="again" autocomplete="new-password" required
                        prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
                </Field>
                <button type="submit" data-test="accept-invitation" disabled=move || busy.get()>
                    {move || tr!(lang.get(), "Set password and sign in", "Задать пароль и войти")}
                </button>
            </form>
        }.into_any(),
        Load::Failed(why) if why.is_empty() => view! {
            <section class="card login" data-test="invite-invalid" role="alert">
                <h1>{move || tr!(lang.get(), "This link no longer works", "Ссылка больше не действует")}</h1>
                <p>{move || tr!(lang.get(),
                    "It was used already, replaced by a newer invitation, or has expired. Ask your support contact to send a new one.",
                    "Ею уже воспользовались, её заменило новое приглашение или истёк срок. Попросите поддержку прислать новое.")}</p>
                <button on:click=move |_| router.go(Route::PortalHome)>{move || tr!(lang.get(), "Sign in", "Войти")}</button>
            </section>
        }.into_any(),
        other => crate::ui::pending(&other, load),
    }
    }
}

fn ask_permission_once() {
    const KEY: &str = "helpdesk.notifications-asked";
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    if storage.get_item(KEY).ok().flatten().is_none() {
        let _ = storage.set_item(KEY, "1");
        let _ = web_sys::Notification::request_permission();
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
