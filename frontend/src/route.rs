//! The app's own routes: real paths (`/cases/12`), pushed with the History API. The server
//! answers every non-API path with `index.html`, so a reload or a shared link lands here too.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The agent's queues; the view key (`mine`, `unassigned`, ...).
    Queue(String),
    Case(i64),
    NewCase,
    Organizations,
    Organization(i64),
    NewOrganization,
    Contacts,
    Contact(i64),
    NewContact,
    Products,
    Product(i64),
    Contracts,
    Contract(i64),
    /// A knowledge-base article as agents read it (any status or visibility).
    Article(i64),
    /// The knowledge base as agents write it: the articles, a new one, one being edited.
    Kb,
    KbNew,
    KbEdit(i64),
    Admin(String),
    /// The customer portal.
    PortalHome,
    PortalCase(i64),
    PortalNewCase,
    /// The knowledge base as customers read it, and one of its articles.
    PortalKb,
    PortalArticle(i64),
    Profile,
    /// The page of an invitation link: the customer chooses a password.
    Invite(String),
    /// The page of a password reset link.
    Reset(String),
    /// Where single sign-on lands (its outcome is in the fragment).
    Sso,
}

impl Route {
    pub fn parse(path: &str) -> Route {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let id = |s: &str| s.parse::<i64>().ok();
        match parts.as_slice() {
            ["queues", key] => Route::Queue((*key).to_owned()),
            ["cases", "new"] => Route::NewCase,
            ["cases", n] if id(n).is_some() => Route::Case(id(n).unwrap_or_default()),
            ["organizations"] => Route::Organizations,
            ["organizations", "new"] => Route::NewOrganization,
            ["organizations", n] if id(n).is_some() => {
                Route::Organization(id(n).unwrap_or_default())
            }
            ["contacts"] => Route::Contacts,
            ["contacts", "new"] => Route::NewContact,
            ["contacts", n] if id(n).is_some() => Route::Contact(id(n).unwrap_or_default()),
            ["products"] => Route::Products,
            ["products", n] if id(n).is_some() => Route::Product(id(n).unwrap_or_default()),
            ["contracts"] => Route::Contracts,
            ["contracts", n] if id(n).is_some() => Route::Contract(id(n).unwrap_or_default()),
            ["kb"] => Route::Kb,
            ["kb", "new"] => Route::KbNew,
            ["kb", n] if id(n).is_some() => Route::Article(id(n).unwrap_or_default()),
            ["kb", n, "edit"] if id(n).is_some() => Route::KbEdit(id(n).unwrap_or_default()),
            ["admin"] => Route::Admin("users".to_owned()),
            ["admin", what] => Route::Admin((*what).to_owned()),
            ["portal", "cases", "new"] => Route::PortalNewCase,
            ["portal", "cases", n] if id(n).is_some() => {
                Route::PortalCase(id(n).unwrap_or_default())
            }
            ["portal", "kb"] => Route::PortalKb,
            ["portal", "kb", n] if id(n).is_some() => {
                Route::PortalArticle(id(n).unwrap_or_default())
            }
            ["portal", ..] => Route::PortalHome,
            ["profile"] => Route::Profile,
            ["invite", token] => Route::Invite((*token).to_owned()),
            ["reset", token] => Route::Reset((*token).to_owned()),
            ["sso"] => Route::Sso,
            _ => Route::Queue("mine".to_owned()),
        }
    }

    pub fn path(&self) -> String {
        match self {
            Route::Queue(k) => format!("/queues/{k}"),
            Route::Case(id) => format!("/cases/{id}"),
            Route::NewCase => "/cases/new".to_owned(),
            Route::Organizations => "/organizations".to_owned(),
            Route::Organization(id) => format!("/organizations/{id}"),
            Route::NewOrganization => "/organizations/new".to_owned(),
            Route::Contacts => "/contacts".to_owned(),
            Route::Contact(id) => format!("/contacts/{id}"),
            Route::NewContact => "/contacts/new".to_owned(),
            Route::Products => "/products".to_owned(),
            Route::Product(id) => format!("/products/{id}"),
            Route::Contracts => "/contracts".to_owned(),
            Route::Contract(id) => format!("/contracts/{id}"),
            Route::Article(id) => format!("/kb/{id}"),
            Route::Kb => "/kb".to_owned(),
            Route::KbNew => "/kb/new".to_owned(),
            Route::KbEdit(id) => format!("/kb/{id}/edit"),
            Route::Admin(what) => format!("/admin/{what}"),
            Route::PortalHome => "/portal".to_owned(),
            Route::PortalCase(id) => format!("/portal/cases/{id}"),
            Route::PortalNewCase => "/portal/cases/new".to_owned(),
            Route::PortalKb => "/portal/kb".to_owned(),
            Route::PortalArticle(id) => format!("/portal/kb/{id}"),
            Route::Profile => "/profile".to_owned(),
            Route::Invite(token) => format!("/invite/{token}"),
            Route::Reset(token) => format!("/reset/{token}"),
            Route::Sso => "/sso".to_owned(),
        }
    }

    /// Whether a portal user may be here.
    pub fn is_portal(&self) -> bool {
        matches!(
            self,
            Route::PortalHome
                | Route::PortalCase(_)
                | Route::PortalNewCase
                | Route::PortalKb
                | Route::PortalArticle(_)
                | Route::Profile
        )
    }

    /// Where a customer goes for this address: a case link from a mail (`/cases/12`, the
    /// same for agents and customers) opens that case in the portal; any other agent page
    /// the portal home.
    pub fn for_customer(self) -> Route {
        match self {
            Route::Case(id) => Route::PortalCase(id),
            Route::NewCase => Route::PortalNewCase,
            Route::Article(id) => Route::PortalArticle(id),
            r if r.is_portal() => r,
            _ => Route::PortalHome,
        }
    }

    /// Where an agent goes for this address: a portal case link opens the case, any other
    /// portal page the queues.
    pub fn for_staff(self) -> Route {
        match self {
            Route::PortalCase(id) => Route::Case(id),
            Route::PortalNewCase => Route::NewCase,
            Route::PortalArticle(id) => Route::Article(id),
            Route::Profile => Route::Profile,
            r if r.is_portal() => Route::Queue("mine".to_owned()),
            r => r,
        }
    }
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned())
}

/// The current route, shared through the context; follows back/forward.
#[derive(Clone, Copy)]
pub struct Router(pub RwSignal<Route>);

impl Router {
    pub fn install() -> Router {
        let route = RwSignal::new(Route::parse(&current_path()));
        if let Some(w) = web_sys::window() {
            let on_pop = Closure::<dyn Fn()>::new(move || route.set(Route::parse(&current_path())));
            let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
            on_pop.forget();
        }
        let r = Router(route);
        provide_context(r);
        r
    }

    pub fn get(self) -> Route {
        self.0.get()
    }

    pub fn get_untracked(self) -> Route {
        self.0.get_untracked()
    }

    /// Goes to a route, adding it to the history.
    pub fn go(self, to: Route) {
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to.path()));
        }
        self.0.set(to);
    }

    /// Replaces the current route (a redirect: no history entry).
    pub fn replace(self, to: Route) {
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to.path()));
        }
        self.0.set(to);
    }
}

pub fn router() -> Router {
    expect_context::<Router>()
}

/// An `<a>` that navigates inside the app (a middle click still opens a new tab).
#[component]
pub fn Link(to: Route, #[prop(optional)] class: &'static str, children: Children) -> impl IntoView {
    let href = to.path();
    let r = router();
    let click = move |ev: leptos::ev::MouseEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        r.go(to.clone());
    };
    view! { <a href=href class=class on:click=click>{children()}</a> }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn a_case_link_from_a_mail_opens_the_case_for_customers_and_agents() {
        let link = Route::parse("/cases/12");
        assert_eq!(link.clone().for_customer(), Route::PortalCase(12));
        assert_eq!(link.for_staff(), Route::Case(12));
        let portal = Route::parse("/portal/cases/12");
        assert_eq!(portal.clone().for_staff(), Route::Case(12));
        assert_eq!(portal.for_customer(), Route::PortalCase(12));
    }

    #[test]
    fn an_article_link_opens_the_article_on_either_side() {
        let link = Route::parse("/kb/7");
        assert_eq!(link.path(), "/kb/7");
        assert_eq!(link.clone().for_staff(), Route::Article(7));
        assert_eq!(link.for_customer(), Route::PortalArticle(7));
        assert_eq!(Route::parse("/portal/kb/7").for_staff(), Route::Article(7));
    }

    #[test]
    fn each_side_stays_on_its_own_pages() {
        assert_eq!(
            Route::parse("/queues/all_open").for_customer(),
            Route::PortalHome
        );
        assert_eq!(
            Route::parse("/admin/users").for_customer(),
            Route::PortalHome
        );
        assert_eq!(
            Route::parse("/cases/new").for_customer(),
            Route::PortalNewCase
        );
        assert_eq!(
            Route::parse("/portal/kb/3").for_customer(),
            Route::PortalArticle(3)
        );
        assert_eq!(
            Route::parse("/portal/kb").for_staff(),
            Route::Queue("mine".into())
        );
        assert_eq!(Route::parse("/profile").for_staff(), Route::Profile);
        assert_eq!(Route::parse("/profile").for_customer(), Route::Profile);
        for path in [
            "/portal/kb",
            "/portal/kb/3",
            "/portal/cases/new",
            "/cases/12",
        ] {
            assert_eq!(Route::parse(path).path(), path);
        }
    }
}
