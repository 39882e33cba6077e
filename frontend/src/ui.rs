//! Pieces every screen uses: the language in the context, fetching into a signal with a retry,
//! toasts, dates in the user's locale and time zone, badges.

use chrono::{DateTime, Utc};
use helpdesk_api_types::sla::{CaseSla, ClockState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

use crate::api::{self, ApiError};
use crate::i18n::Lang;
use crate::route::{Link, Route};

/// A string in both languages, chosen by the current one: `tr!(l, "Reply", "Ответить")`.
/// Both are required, so a missing translation does not compile.
#[macro_export]
macro_rules! tr {
    ($l:expr, $en:expr, $ru:expr) => {
        match $l {
            $crate::i18n::Lang::En => $en,
            $crate::i18n::Lang::Ru => $ru,
        }
    };
}

/// The language signal, shared through the context.
pub fn lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// The state of something being fetched.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// How many fetches are failing for want of the server (network down, 5xx): the app shows a
/// quiet "offline — retrying" banner while any is.
#[derive(Clone, Copy)]
pub struct Offline(pub RwSignal<u32>);

/// Whether an error is the network's or the server's (worth retrying by itself), not an answer
/// about the request (403, 404, 422...).
pub fn transient(e: &ApiError) -> bool {
    e.status().is_none_or(|s| s >= 500 || s == 429)
}

/// A GET whose answer lands in a signal; `reload` fetches again (after a change, a live event
/// or the retry button). When a reload fails for want of the network or the server, the last
/// good answer stays on screen (and whatever is being typed beside it), and the fetch is
/// retried with growing pauses until it succeeds.
pub struct Fetch<T: 'static + Send + Sync> {
    pub state: RwSignal<Load<T>>,
    path: RwSignal<String>,
    /// Set while this fetch is failing and being retried.
    retrying: RwSignal<bool>,
    offline: Option<Offline>,
}

impl<T: 'static + Send + Sync> Clone for Fetch<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: 'static + Send + Sync> Copy for Fetch<T> {}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Fetch<T> {
    pub fn new(path: impl Into<String>) -> Self {
        let f = Fetch {
            state: RwSignal::new(Load::Loading),
            path: RwSignal::new(path.into()),
            retrying: RwSignal::new(false),
            offline: use_context::<Offline>(),
        };
        f.reload();
        f
    }

    /// Fetches again; the old value stays on screen until the new one arrives, and stays when
    /// the network or the server fails (then the fetch retries by itself, 1 s, 2 s, 4 s... up
    /// to 30 s apart).
    pub fn reload(self) {
        spawn_local(async move {
            // A screen already left has no signals to read: nothing to retry for.
            if self.attempt().await || self.retrying.try_get_untracked().unwrap_or(true) {
                return;
            }
            self.set_retrying(true);
            let mut pause = 1000;
            loop {
                crate::live::sleep_ms(pause).await;
                // The screen was left: its signals are gone, and so is the need.
                if self.state.try_get_untracked().is_none() {
                    if let Some(Offline(n)) = self.offline {
                        let _ = n.try_update(|n| *n = n.saturating_sub(1));
                    }
                    return;
                }
                if self.attempt().await {
                    self.set_retrying(false);
                    return;
                }
                pause = (pause * 2).min(30_000);
            }
        });
    }

    /// One GET; true when it settled the state (an answer, or an error retrying cannot mend).
    async fn attempt(self) -> bool {
        let Some(path) = self.path.try_get_untracked() else {
            return true;
        };
        let result: Result<T, ApiError> = api::get(&path).await;
        match result {
            Ok(v) => {
                let _ = self.state.try_set(Load::Ready(v));
                true
            }
            Err(e) if transient(&e) => {
                // Keep the last good answer; a first load shows the error (with Retry) meanwhile.
                let keep = self
                    .state
                    .try_with_untracked(|s| matches!(s, Load::Ready(_)))
                    .unwrap_or(true);
                if !keep {
                    let _ = self.state.try_set(Load::Failed(e.message()));
                }
                false
            }
            Err(e) => {
                let _ = self.state.try_set(Load::Failed(e.message()));
                true
            }
        }
    }

    fn set_retrying(self, on: bool) {
        if self.retrying.try_get_untracked() == Some(on) {
            return;
        }
        let _ = self.retrying.try_set(on);
        if let Some(Offline(n)) = self.offline {
            let _ = n.try_update(|n| *n = if on { *n + 1 } else { n.saturating_sub(1) });
        }
    }

    pub fn get(self) -> Load<T> {
        self.state.get()
    }

    /// Fetches another path from now on (a filter changed); shows the old answer until then.
    pub fn set_path(self, path: impl Into<String>) {
        self.path.set(path.into());
        self.reload();
    }

    pub fn value(self) -> Option<T> {
        self.state.get().ready().cloned()
    }
}

/// What a screen shows while loading or after a failure: a message with a retry button, never a
/// blank page.
pub fn pending<T>(state: &Load<T>, retry: impl Fn() + Send + Sync + 'static) -> AnyView {
    let l = lang().get();
    match state {
        Load::Loading => {
            view! { <p class="muted" data-test="loading">{tr!(l, "Loading…", "Загрузка…")}</p> }
                .into_any()
        }
        Load::Failed(e) => {
            let e = e.clone();
            view! {
                <div class="problem" role="alert" data-test="load-error">
                    <p>{tr!(l, "Could not load: ", "Не удалось загрузить: ")} {e}</p>
                    <button on:click=move |_| retry() data-test="retry">{tr!(l, "Retry", "Повторить")}</button>
                </div>
            }
            .into_any()
        }
        Load::Ready(_) => ().into_any(),
    }
}

/// A notice in the corner, optionally with a link (the new case's number).
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub text: String,
    pub link: Option<(String, Route)>,
    pub error: bool,
}

#[derive(Clone, Copy)]
pub struct Toasts(pub RwSignal<Vec<Toast>>);

impl Toasts {
    pub fn push(self, text: String, link: Option<(String, Route)>, error: bool) {
        // Unique even for two notices raised in the same millisecond (they are keyed by id).
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.update(|v| {
            v.push(Toast {
                id,
                text,
                link,
                error,
            });
        });
        let list = self.0;
        set_timeout(
            move || list.update(|v| v.retain(|t| t.id != id)),
            std::time::Duration::from_secs(8),
        );
    }
}

thread_local! {
    static TOASTS: std::cell::OnceCell<Toasts> = const { std::cell::OnceCell::new() };
}

/// The app's toasts. Not through the context: they are raised from async tasks, which run
/// outside the reactive owner.
pub fn toasts() -> Toasts {
    TOASTS.with(|t| *t.get_or_init(|| Toasts(RwSignal::new(Vec::new()))))
}

#[component]
pub fn ToastArea() -> impl IntoView {
    let t = toasts();
    view! {
        <div class="toasts" aria-live="polite">
            <For each=move || t.0.get() key=|x| x.id let:x>
                <div class="toast" class:toast-error=x.error data-test="toast">
                    <span>{x.text.clone()}</span>
                    {x.link.clone().map(|(text, to)| view! { " " <Link to=to>{text}</Link> })}
                </div>
            </For>
        </div>
    }
}

fn locale(l: Lang) -> &'static str {
    match l {
        Lang::En => "en-GB",
        Lang::Ru => "ru-RU",
    }
}

/// A moment in the browser's time zone and the language's format.
pub fn when(l: Lang, t: DateTime<Utc>) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    d.to_locale_string(locale(l), &opts).into()
}

/// A number with the language's grouping.
pub fn number(l: Lang, n: i64) -> String {
    js_sys::Number::from(n as f64)
        .to_locale_string(locale(l))
        .into()
}

/// A file size in KB/MB.
pub fn size(n: i64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

/// Time left (or past) until a deadline: "2 h 05 min", "-15 min".
pub fn left(l: Lang, due: DateTime<Utc>) -> String {
    let now_ms = js_sys::Date::now() as i64;
    let mins = (due.timestamp_millis() - now_ms).div_euclid(60_000);
    let (sign, m) = if mins < 0 { ("-", -mins) } else { ("", mins) };
    let (h, mm) = (m / 60, m % 60);
    let (hu, mu) = tr!(l, ("h", "min"), ("ч", "мин"));
    if h > 0 {
        format!("{sign}{h} {hu} {mm:02} {mu}")
    } else {
        format!("{sign}{mm} {mu}")
    }
}

/// The SLA of a case as a badge: breached, time left to the next deadline, paused or met.
pub fn sla_badge(l: Lang, sla: Option<&CaseSla>) -> impl IntoView {
    let (state, text) = match sla {
        None => ("none", "—".to_owned()),
        Some(s) if s.breached => ("breached", tr!(l, "Breached", "Нарушен").to_owned()),
        Some(CaseSla {
            due_at: Some(due), ..
        }) => (
            "due",
            format!("{} {}", tr!(l, "due in", "осталось"), left(l, *due)),
        ),
        Some(s) if s.clocks.iter().any(|k| k.state == ClockState::Paused) => {
            ("paused", tr!(l, "Paused", "На паузе").to_owned())
        }
        Some(_) => ("met", tr!(l, "Met", "Выполнен").to_owned()),
    };
    view! { <span data-test="sla" data-state=state class=format!("badge sla sla-{state}")>{text}</span> }
}

/// A labelled form field with its error from the API (`errors.{name}`) under it.
#[component]
pub fn Field(
    label: Signal<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <label class="field" class:has-error=move || error.get().is_some()>
            <span class="label">{move || label.get()} {required.then_some(view! { <abbr class="req" title="required">"*"</abbr> })}</span>
            {children()}
            {move || error.get().map(|e| view! { <span class="field-error" role="alert" data-test="field-error">{e}</span> })}
        </label>
    }
}

/// The arrows in a text box with a list of offers under it: Down opens the list and moves to the
/// next of its `n` offers, Up to the previous one. True when the key was one of them.
pub fn list_arrows(
    ev: &web_sys::KeyboardEvent,
    n: usize,
    active: RwSignal<usize>,
    open: RwSignal<bool>,
) -> bool {
    match ev.key().as_str() {
        "ArrowDown" if n > 0 => {
            open.set(true);
            active.update(|a| *a = (*a + 1).min(n - 1));
        }
        "ArrowUp" if n > 0 => active.update(|a| *a = a.saturating_sub(1)),
        _ => return false,
    }
    ev.prevent_default();
    true
}
