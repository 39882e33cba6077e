//! The live feed: `GET /api/v1/live` (server-sent events) read through `fetch`, because
//! `EventSource` cannot send the bearer token. Each event bumps a signal that the queue and the
//! open case watch; a dropped stream reconnects after a second from the last event id.

use helpdesk_api_types::cases::LiveEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api;

/// The latest event seen; screens react to it.
#[derive(Clone, Copy)]
pub struct Live(pub RwSignal<Option<LiveEvent>>);

pub fn live() -> Live {
    expect_context::<Live>()
}

thread_local! {
    /// Aborts the open feed request.
    static OPEN: std::cell::RefCell<Option<web_sys::AbortController>> = const { std::cell::RefCell::new(None) };
}

/// Ends the open feed request when the page is left. The browser does not always drop a
/// streaming response on navigation, and each one left open holds one of the six connections
/// it allows per server: after a few reloads every request would wait.
fn abort_on_leave() {
    use wasm_bindgen::closure::Closure;
    thread_local! {
        static ONCE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if ONCE.with(|o| o.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let abort = Closure::<dyn Fn()>::new(stop);
    let _ = w.add_event_listener_with_callback("pagehide", abort.as_ref().unchecked_ref());
    abort.forget();
}

/// Closes the open feed request (leaving the page, signing out).
pub fn stop() {
    OPEN.with(|o| {
        if let Some(c) = o.borrow_mut().take() {
            c.abort();
        }
    });
}

impl Live {
    /// Starts reading the feed for as long as `running` holds (the agent stays signed in).
    pub fn start(self, running: impl Fn() -> bool + 'static) {
        abort_on_leave();
        spawn_local(async move {
            let mut last: Option<i64> = None;
            while running() {
                if let Err(e) = self.read(&mut last).await {
                    web_sys::console::warn_1(&format!("live feed: {e}").into());
                }
                sleep_ms(1000).await;
            }
        });
    }

    async fn read(self, last: &mut Option<i64>) -> Result<(), String> {
        let token = api::access_token().ok_or("not signed in")?;
        // The first connection starts from now; a reconnection resumes after the last event.
        let path = match last {
            Some(id) => format!("/api/v1/live?after={id}&wait_seconds=120"),
            None => "/api/v1/live?wait_seconds=120".to_owned(),
        };
        let init = web_sys::RequestInit::new();
        let headers = web_sys::Headers::new().map_err(js)?;
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js)?;
        headers.set("Accept", "text/event-stream").map_err(js)?;
        init.set_headers(&headers);
        let controller = web_sys::AbortController::new().map_err(js)?;
        init.set_signal(Some(&controller.signal()));
        if let Some(old) = OPEN.with(|o| o.borrow_mut().replace(controller)) {
            old.abort();
        }
        let window = web_sys::window().ok_or("no window")?;
        let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&path, &init))
            .await
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        if resp.status() == 401 {
            api::refreshed_token(&token)
                .await
                .map_err(|e| e.message())?;
            return Ok(());
        }
        if !resp.ok() {
            return Err(format!("HTTP {}", resp.status()));
        }
        let body = resp.body().ok_or("no body")?;
        let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut buf = String::new();
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(js)?;
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .map_err(js)?
                .as_bool()
                .unwrap_or(true);
            if done {
                return Ok(());
            }
            let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(js)?;
            let bytes = js_sys::Uint8Array::new(&value).to_vec();
            buf.push_str(&String::from_utf8_lossy(&bytes));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                if let Some(event) = parse_frame(&frame) {
                    *last = Some(event.id);
                    self.0.set(Some(event));
                }
            }
        }
    }
}

/// One SSE frame's `data:` line as a [`LiveEvent`]; comments and `retry:` give nothing.
fn parse_frame(frame: &str) -> Option<LiveEvent> {
    let data: String = frame
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n");
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data).ok()
}

fn js(e: wasm_bindgen::JsValue) -> String {
    format!("{e:?}")
}

pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Shows a browser notification when the user allowed them (the permission is asked once, at
/// sign-in; see `app::ask_permission_once`).
pub fn notify(title: &str, body: &str) {
    use web_sys::{Notification, NotificationOptions, NotificationPermission};
    if Notification::permission() == NotificationPermission::Granted {
        let opts = NotificationOptions::new();
        opts.set_body(body);
        let _ = Notification::new_with_options(title, &opts);
    }
}
