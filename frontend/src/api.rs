//! All HTTP of the SPA: the session in local storage, bearer tokens, one transparent refresh on
//! 401, and problem documents decoded into [`ApiError`].

use gloo_net::http::{Request, Response};
use helpdesk_api_types::auth::{LoginRequest, Me, RefreshRequest, TokenPair};
use helpdesk_api_types::Problem;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem(p) => Some(p.status),
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
        return resp
            .json::<T>()
            .await
            .map_err(|e| ApiError::Network(e.to_string()));
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

pub async fn login(email: String, password: String) -> Result<Session, ApiError> {
    let body = LoginRequest { email, password };
    let resp = Request::post("/api/v1/auth/login")
        .json(&body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    let session: Session = decode::<TokenPair>(resp).await?.into();
    save_session(&session);
    Ok(session)
}

pub async fn logout() {
    if let Some(s) = load_session() {
        let body = RefreshRequest {
            refresh_token: s.refresh_token,
        };
        if let Ok(req) = Request::post("/api/v1/auth/logout").json(&body) {
            let _ = req.send().await;
        }
    }
    clear_session();
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
    save_session(&fresh);
    Ok(fresh)
}

/// GET with the session's token; on 401 refreshes once and retries.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    authorized(false, path).await
}

/// POST without a body (an action), with the same token handling as [`get`].
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    authorized(true, path).await
}

async fn authorized<T: DeserializeOwned>(post: bool, path: &str) -> Result<T, ApiError> {
    let session = load_session().ok_or_else(|| ApiError::Network("not signed in".into()))?;
    let send = |token: String| {
        let req = if post {
            Request::post(path)
        } else {
            Request::get(path)
        };
        req.header("Authorization", &format!("Bearer {token}"))
            .send()
    };
    let resp = send(session.access_token.clone()).await.map_err(network)?;
    if resp.status() != 401 {
        return decode(resp).await;
    }
    let fresh = match refresh(&session).await {
        Ok(f) => f,
        Err(e) => {
            clear_session();
            return Err(e);
        }
    };
    decode(send(fresh.access_token).await.map_err(network)?).await
}
