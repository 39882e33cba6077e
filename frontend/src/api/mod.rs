//! All HTTP of the SPA: the session in local storage, bearer tokens, one transparent refresh on
//! 401, and problem documents decoded into [`ApiError`].
//!
//! Refreshing is single-flight: a refresh token works once, so every request of every tab that
//! meets an expired access token waits for the one refresh under way (shared within the tab,
//! and across tabs through the Web Locks API) and is then replayed with the new token. Only an
//! answer of 401 from the refresh itself ends the session; a network error keeps it.

use std::cell::RefCell;

use gloo_net::http::{Request, Response};
use helpdesk_api_types::auth::{
    AcceptInvitation, InvitationInfo, LoginRequest, Me, PasswordResetConfirm, PasswordResetInfo,
    PasswordResetRequest, RefreshRequest, TokenPair,
};
use helpdesk_api_types::Problem;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

mod sign_in;
pub use sign_in::*;

const SESSION_KEY: &str = "helpdesk.session";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub user: Me,
}

impl From<TokenPair> for Session {
    fn from(p: TokenPair) -> Self {
        Session {
            access_token: p.access_token,
            refresh_token: p.refresh_token,
            user: p.user,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered with a problem document.
    Problem(Problem),
    /// No usable answer (network down, unexpected body).
    Network(String),
}

/// What a sign-in answered: the session, and the recovery codes of a two-factor enrolment it
/// completed (shown once).
pub struct SignedIn {
    pub session: Session,
    pub recovery_codes: Option<Vec<String>>,
}

impl ApiError {
    /// The problem's `type` without its `/problems/` prefix (`second-factor-required`).
    pub fn problem_type(&self) -> Option<&str> {
        match self {
            ApiError::Problem(p) => p.problem_type.strip_prefix("/problems/"),
            ApiError::Network(_) => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem(p) => Some(p.status),
            ApiError::Network(_) => None,
        }
    }

    /// Every field of a validation problem with its messages joined (`errors`); empty for
    /// other errors.
    pub fn field_errors(&self) -> std::collections::BTreeMap<String, String> {
        match self {
            ApiError::Problem(p) => p
                .errors
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.join("; ")))
                .collect(),
            ApiError::Network(_) => Default::default(),
        }
    }

    /// [`field_errors`](Self::field_errors) gathered at the form's inputs: `emails[0]` at
    /// `emails`, a nested name at its first part; with nothing to place, the problem's own line
    /// under `""`, so that an error is never invisible.
    pub fn errors_by_input(&self) -> std::collections::BTreeMap<String, String> {
        let mut map = std::collections::BTreeMap::<String, String>::new();
        for (k, v) in self.field_errors() {
            let base = k.split(['[', '.']).next().unwrap_or(&k).to_owned();
            map.entry(base)
                .and_modify(|m| {
                    m.push_str("; ");
                    m.push_str(&v);
                })
                .or_insert(v);
        }
        if map.is_empty() {
            map.insert(String::new(), self.message());
        }
        map
    }

    /// The messages for one field of a validation problem (`errors.{field}`).
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            ApiError::Problem(p) => p.errors.as_ref()?.get(name).map(|m| m.join("; ")),
            ApiError::Network(_) => None,
        }
    }

    /// A line for the user: the problem's detail, or its title.
    pub fn message(&self) -> String {
        match self {
            ApiError::Problem(p) => p.detail.clone().unwrap_or_else(|| p.title.clone()),
            ApiError::Network(e) => e.clone(),
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load_session() -> Option<Session> {
    let text = storage()?.get_item(SESSION_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn save_session(s: &Session) {
    if let (Some(st), Ok(text)) = (storage(), serde_json::to_string(s)) {
        let _ = st.set_item(SESSION_KEY, &text);
    }
}

pub fn clear_session() {
    if let Some(st) = storage() {
        let _ = st.remove_item(SESSION_KEY);
    }
}

pub fn browser_language() -> Option<String> {
    web_sys::window()?.navigator().language()
}

async fn decode<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    if resp.ok() {
        let text = resp.text().await.map_err(network)?;
        let text = if text.is_empty() { "null" } else { &text };
        return serde_json::from_str(text).map_err(|e| ApiError::Network(e.to_string()));
    }
    let status = resp.status();
    match resp.json::<Problem>().await {
        Ok(p) => Err(ApiError::Problem(p)),
        Err(_) => Err(ApiError::Network(format!("HTTP {status}"))),
    }
}

fn network(e: gloo_net::Error) -> ApiError {
    ApiError::Network(e.to_string())
}

/// Signs out here at once, whatever the network does, and gives back the call that tells the
/// server (ending the session there), for the caller to spawn. A session that single sign-on
/// started is then ended at the identity provider too: the browser goes to its sign-out page,
/// which sends it back to the app.
pub fn logout() -> impl std::future::Future<Output = ()> {
    let ended = load_session();
    clear_session();
    async move {
        let Some(s) = ended else {
            return;
        };
        let body = RefreshRequest {
            refresh_token: s.refresh_token,
        };
        let Ok(req) = Request::post("/api/v1/auth/logout").json(&body) else {
            return;
        };
        let Ok(resp) = req.send().await else {
            return;
        };
        if resp.status() == 200 {
            if let Ok(out) = resp.json::<helpdesk_api_types::auth::SignedOut>().await {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_href(&out.end_session_url);
                }
            }
        }
    }
}

async fn refresh(session: &Session) -> Result<Session, ApiError> {
    let body = RefreshRequest {
        refresh_token: session.refresh_token.clone(),
    };
    let resp = Request::post("/api/v1/auth/refresh")
        .json(&body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    let fresh: Session = decode::<TokenPair>(resp).await?.into();
    // Signed out (or in as someone else) while the answer travelled: the new pair must not
    // bring the ended session back.
    match load_session() {
        Some(now) if now.refresh_token == session.refresh_token => {
            save_session(&fresh);
            Ok(fresh)
        }
        _ => Err(ApiError::Network("signed out meanwhile".into())),
    }
}

thread_local! {
    /// The refresh under way in this tab, which every request refused meanwhile awaits.
    static REFRESHING: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
    /// Told when the session has ended for good (the refresh itself was refused).
    static ON_SIGNED_OUT: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Calls `f` when the session ends for good: the server refused the refresh token (signed out
/// elsewhere, revoked, expired). The app shows the sign-in page then; drafts stay stored.
pub fn on_signed_out(f: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|o| *o.borrow_mut() = Some(Box::new(f)));
}

/// How a shared refresh failed, carried through the promise every waiting request awaits.
#[derive(Serialize, Deserialize)]
enum Failure {
    Problem(Problem),
    Network(String),
}

/// After a 401 for `stale` (the access token that was refused): an access token to replay the
/// request with. Waits for a refresh under way rather than starting a second one, and does not
/// refresh at all when another request or tab has already replaced `stale`.
pub async fn refreshed_token(stale: &str) -> Result<String, ApiError> {
    let shared = REFRESHING.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(|| {
                let stale = stale.to_owned();
                wasm_bindgen_futures::future_to_promise(async move {
                    let outcome = with_lock("helpdesk.refresh", refresh_unless_done(stale)).await;
                    REFRESHING.with(|r| r.borrow_mut().take());
                    outcome
                })
            })
            .clone()
    });
    match JsFuture::from(shared).await {
        Ok(token) => token
            .as_string()
            .ok_or_else(|| ApiError::Network("refresh gave no token".into())),
        Err(failure) => Err(
            match failure
                .as_string()
                .and_then(|t| serde_json::from_str::<Failure>(&t).ok())
            {
                Some(Failure::Problem(p)) => ApiError::Problem(p),
                Some(Failure::Network(e)) => ApiError::Network(e),
                None => ApiError::Network(format!("{failure:?}")),
            },
        ),
    }
}

/// The refresh itself, run by one request at a time across every tab.
async fn refresh_unless_done(stale: String) -> Result<JsValue, JsValue> {
    let outcome = async {
        let session = load_session().ok_or_else(|| ApiError::Network("not signed in".into()))?;
        if session.access_token != stale {
            // Another request, or another tab, refreshed while this one waited.
            return Ok(session.access_token);
        }
        match refresh(&session).await {
            Ok(fresh) => Ok(fresh.access_token),
            Err(e) if e.status() == Some(401) => match load_session() {
                Some(now) if now.refresh_token != session.refresh_token => Ok(now.access_token),
                _ => {
                    clear_session();
                    ON_SIGNED_OUT.with(|o| {
                        if let Some(f) = o.borrow().as_ref() {
                            f();
                        }
                    });
                    Err(e)
                }
            },
            Err(e) => Err(e),
        }
    }
    .await;
    outcome.map(|t| JsValue::from_str(&t)).map_err(|e| {
        let failure = match e {
            ApiError::Problem(p) => Failure::Problem(p),
            ApiError::Network(e) => Failure::Network(e),
        };
        JsValue::from_str(&serde_json::to_string(&failure).unwrap_or_default())
    })
}

/// Runs `work` holding the browser-wide lock `name` (the Web Locks API: one holder among all
/// tabs of this origin), or just runs it where the API is missing (an insecure context); the
/// server then answers a second refresh within seconds with the same pair.
async fn with_lock(
    name: &str,
    work: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
) -> Result<JsValue, JsValue> {
    let locks = web_sys::window()
        .map(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()))
        .and_then(Result::ok)
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        return work.await;
    };
    let held = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(work)
    });
    let promise: js_sys::Promise = request
        .call2(&locks, &JsValue::from_str(name), &held)?
        .dyn_into()?;
    JsFuture::from(promise).await
}

/// GET with the session's token; on 401 refreshes once and retries.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    send(Method::Get, path, None).await
}

/// POST without a body (an action), with the same token handling as [`get`].
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    send(Method::Post, path, None).await
}

/// POST a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    send(Method::Post, path, Some(to_json(body)?)).await
}

/// PUT a JSON body.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    send(Method::Put, path, Some(to_json(body)?)).await
}

/// PATCH a JSON body.
pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    send(Method::Patch, path, Some(to_json(body)?)).await
}

/// DELETE; the answer's body (if any) is ignored.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    send::<serde_json::Value>(Method::Delete, path, None)
        .await
        .map(|_| ())
}

fn to_json<B: Serialize>(body: &B) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|e| ApiError::Network(e.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

thread_local! {
    /// The language the app shows, sent as `Accept-Language` so that the API's problems (field
    /// errors, refusals) come in it too.
    static LANGUAGE: std::cell::Cell<&'static str> = const { std::cell::Cell::new("en") };
}

/// Sets the language the API is asked to answer problems in (the app's own).
pub fn set_language(code: &'static str) {
    LANGUAGE.with(|l| l.set(code));
}

/// The language requests ask for.
pub fn language() -> &'static str {
    LANGUAGE.with(std::cell::Cell::get)
}

/// The current access token, for requests the typed helpers cannot make (uploads with
/// progress, the live stream, downloads).
pub fn access_token() -> Option<String> {
    load_session().map(|s| s.access_token)
}

async fn send<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let session = load_session().ok_or_else(|| ApiError::Network("not signed in".into()))?;
    // Every creating request carries a key, the same for its replay after a refresh: the
    // server runs it once and answers a repeat with the first answer.
    let key = (method == Method::Post).then(new_key);
    let attempt = |token: String| {
        let builder = match method {
            Method::Get => Request::get(path),
            Method::Post => Request::post(path),
            Method::Put => Request::put(path),
            Method::Patch => Request::patch(path),
            Method::Delete => Request::delete(path),
        }
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept-Language", language());
        let builder = match &key {
            Some(k) => builder.header("Idempotency-Key", k),
            None => builder,
        };
        let body = body.clone();
        async move {
            let req = match body {
                Some(b) => builder
                    .header("Content-Type", "application/json")
                    .body(b)
                    .map_err(network)?,
                None => builder.build().map_err(network)?,
            };
            req.send().await.map_err(network)
        }
    };
    let resp = attempt(session.access_token.clone()).await?;
    if resp.status() != 401 {
        return decode(resp).await;
    }
    let fresh = refreshed_token(&session.access_token).await?;
    decode(attempt(fresh).await?).await
}

/// A fresh Idempotency-Key: a random UUID from the browser.
fn new_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{}-{}", js_sys::Date::now(), js_sys::Math::random()))
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
