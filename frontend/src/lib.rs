//! The helpdesk's single-page app: Leptos, client-side rendered, compiled to wasm32 and served
//! by the API process at `/`. It talks to the public API over HTTP like any integrator (no server
//! functions). Agents and admins get the agent workspace; portal users get the portal view and
//! never load agent screens' data.
//!
//! `api` does all HTTP (tokens, refresh, problem documents); `i18n` holds every string in English
//! and Russian; `app` has the views.

pub mod api;
pub mod app;
pub mod i18n;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
