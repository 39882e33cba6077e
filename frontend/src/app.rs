//! The views: sign-in, the agent's case list and the customer's portal list.

use helpdesk_api_types::auth::Me;
use helpdesk_api_types::notifications::{MarkedRead, NotificationPage, UnreadCount};
use helpdesk_api_types::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin::AdminPage;
use crate::agent::{CasePage, Directory, QueueOrder, QueuePage};
use crate::api::{self, ApiError};
use crate::crm::{Dir, DirectoryPage, NewRecordPage, RecordPage};
use crate::i18n::{self, Lang};
use crate::kb::AgentArticle;
use crate::live::{notify, Live};
use crate::new_case::NewCasePage;
use crate::passwords::ResetPassword;
use crate::portal::{PortalArticle, PortalCasePage, PortalHome, PortalKb, PortalNewCase};
use crate::route::{Link, Route, Router};
use crate::search_box::GlobalSearch;
use crate::sign_in::Login;
use crate::tr;
use crate::ui::{Load, ToastArea};

use crate::profile::Profile;
pub use crate::profile::Sessions;
use crate::sign_in::AcceptInvitation;

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
            .set(session.get().map(|s| s.user));
    });
    Effect::new(move |_| {
        api::set_language(lang.get().code());
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
        let told = api::logout();
        session.set(None);
        spawn_local(told);
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
                        <Link to=Route::PortalKb>{move || tr!(lang.get(), "Knowledge base", "База знаний")}</Link>
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
                        <Link to=Route::Kb>{move || tr!(lang.get(), "Knowledge base", "База знаний")}</Link>
                        {admin.then(|| view! { <Link to=Route::Admin("users".into())>{move || tr!(lang.get(), "Admin", "Администрирование")}</Link> })}
                    </nav>
                }.into_any()
            })}
            <span class="spacer"></span>
            {move || session.get().filter(|s| s.user.role != Role::Portal).map(|_| view! { <GlobalSearch/> })}
            <button class="link" data-test="language" on:click=switch>
                {move || t().switch_language}
            </button>
            {move || session.get().map(|s| view! {
                <Bell lang staff=s.user.role != Role::Portal/>
                // The signed-in user's name opens their profile (the words are for screen readers).
                <Link to=Route::Profile class="who">
                    <span class="sr">{t().signed_in_as} " "</span>
                    <span data-test="who" title={let name = s.user.name.clone(); move || format!("{} {name} — {}", t().signed_in_as, tr!(lang.get(), "profile", "профиль"))}>{s.user.name.clone()}</span>
                </Link>
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
    // A portal address opened by an agent: the same case, or the queues.
    let here = router.get_untracked();
    if here.clone().for_staff() != here {
        router.replace(here.for_staff());
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
        Route::Article(id) => view! { <AgentArticle id/> }.into_any(),
        Route::Kb => view! { <crate::kb_authoring::KbList/> }.into_any(),
        Route::KbNew => view! { <crate::kb_authoring::KbEditor id=None/> }.into_any(),
        Route::KbEdit(id) => view! { <crate::kb_authoring::KbEditor id=Some(id)/> }.into_any(),
        Route::Admin(what) => view! { <AdminPage what/> }.into_any(),
        Route::Profile => view! { <Profile/> }.into_any(),
        _ => view! { <QueuePage key="mine".to_owned()/> }.into_any(),
    }
}

/// The customer side: only portal routes; any other address lands on the portal home.
#[component]
fn PortalShell(router: Router) -> impl IntoView {
    let here = router.get_untracked();
    if here.clone().for_customer() != here {
        router.replace(here.for_customer());
    }
    move || match router.get() {
        Route::PortalCase(id) => view! { <PortalCasePage id/> }.into_any(),
        Route::PortalNewCase => view! { <PortalNewCase/> }.into_any(),
        Route::PortalKb => view! { <PortalKb/> }.into_any(),
        Route::PortalArticle(id) => view! { <PortalArticle id/> }.into_any(),
        Route::Profile => view! { <Profile/> }.into_any(),
        other => {
            if other != Route::PortalHome {
                router.replace(other.for_customer());
            }
            view! { <PortalHome/> }.into_any()
        }
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
                // The bell is gone (signed out meanwhile): nothing to show.
                let Some(before) = unread.try_get_untracked() else {
                    return;
                };
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
        });
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
    let nav = crate::route::router();
    let go_to = move |id: i64, case: i64, was_unread: bool| {
        open.set(false);
        nav.go(if staff {
            Route::Case(case)
        } else {
            Route::PortalCase(case)
        });
        if was_unread {
            unread.update(|u| *u = (*u - 1).max(0));
            spawn_local(async move {
                let _ = api::post_empty::<()>(&format!("/api/v1/notifications/{id}/read")).await;
            });
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
        });
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
                                {p.items.into_iter().map(|n| {
                                    let was_unread = n.read_at.is_none();
                                    let title = n.title.clone();
                                    view! {
                                        <li data-test="notification" class:unread=was_unread>
                                            {match n.case_id {
                                                // Opens the case it is about, and counts as read.
                                                Some(case) => view! {
                                                    <button type="button" class="link" on:click=move |_| go_to(n.id, case, was_unread)>{title.clone()}</button>
                                                }.into_any(),
                                                None => view! { <span>{title.clone()}</span> }.into_any(),
                                            }}
                                        </li>
                                    }
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
