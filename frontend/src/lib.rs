//! The helpdesk's single-page app: Leptos, client-side rendered, compiled to wasm32 and served
//! by the API process at `/`. It talks to the public API over HTTP like any integrator (no server
//! functions). Agents and admins get the agent workspace; portal users get the portal view and
//! never load agent screens' data.
//!
//! `api` does all HTTP (tokens, refresh, problem documents); `route` maps paths to screens;
//! `i18n` and the `tr!` macro hold every string in English and Russian; `app` is the shell;
//! `agent`, `new_case`, `crm`, `admin` and `portal` are the screens; `live` reads the event
//! stream; `upload` sends files with progress.

pub mod admin;
pub mod admin_forms;
pub mod agent;
pub mod api;
pub mod app;
pub mod audit;
pub mod case_details;
pub mod case_page;
pub mod chosen_files;
pub mod crm;
pub mod customer_card;
pub mod drafts;
pub mod handoff_ask;
pub mod i18n;
pub mod kb;
pub mod kb_authoring;
pub mod live;
pub mod merge_ask;
pub mod new_case;
pub mod outgoing_mail;
pub mod passwords;
pub mod picker;
pub mod portal;
pub mod profile;
pub mod received_mail;
pub mod route;
pub mod search_box;
pub mod security_log;
pub mod sign_in;
pub mod stream;
pub mod system_events;
pub mod two_factor;
pub mod ui;
pub mod upload;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        // The last resort of the error handling: never a blank or frozen page.
        let text = info.to_string();
        web_sys::console::error_1(&text.clone().into());
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
            // A link to this page, not an inline handler: the page's policy runs no inline script.
            body.set_inner_html(&format!(
                "<main><div class=\"card problem\" role=\"alert\" data-test=\"crashed\">\
                 <p>The app stopped because of an error. / Приложение остановилось из-за ошибки.</p>\
                 <pre>{escaped}</pre><a class=\"button\" href=\"\">Reload / Перезагрузить</a>\
                 </div></main>"
            ));
        }
    }));
    leptos::mount::mount_to_body(app::App);
}
