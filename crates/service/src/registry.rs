//! Company data by INN from a registry provider: an HTTP API compatible with the common Russian
//! company-data services' "find party by id" call (`POST {url}/findById/party`,
//! `{"query": "<INN>"}`, `Authorization: Token <key>`). The INN's check digits are verified
//! before any call; answers are kept for a week.

use std::time::Duration;

use chrono::NaiveDateTime;
use helpdesk_api_types::registry::RegistryParty;
use helpdesk_domain::Inn;
use helpdesk_store::registry as store;
use serde_json::Value;

use crate::{Actor, AppError, Services};

/// How long an answer is kept.
pub const CACHE_DAYS: i64 = 7;

/// Where the registry is.
#[derive(Clone)]
pub struct RegistrySettings {
    /// Base URL, e.g. `https://suggestions.dadata.ru/suggestions/api/4_1/rs`.
    pub url: String,
    pub token: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for RegistrySettings {
    // The token never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrySettings")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .finish()
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The party of the provider's answer, if it has one.
fn party(answer: &Value, inn: &str, fetched_at: NaiveDateTime) -> Option<RegistryParty> {
    let first = answer["suggestions"].as_array()?.first()?;
    let d = &first["data"];
    Some(RegistryParty {
        inn: text(&d["inn"]).unwrap_or_else(|| inn.to_owned()),
        kpp: text(&d["kpp"]),
        ogrn: text(&d["ogrn"]),
        name: text(&d["name"]["full_with_opf"]).or_else(|| text(&first["value"]))?,
        short_name: text(&d["name"]["short_with_opf"]),
        legal_address: text(&d["address"]["unrestricted_value"])
            .or_else(|| text(&d["address"]["value"])),
        status: text(&d["state"]["status"]),
        fetched_at: fetched_at.and_utc(),
    })
}

impl Services {
    /// Looks an organization up in the registry by INN (agents and admins).
    pub fn registry_lookup(&self, actor: &Actor, inn: &str) -> Result<RegistryParty, AppError> {
        actor.staff_read()?;
        let inn = Inn::parse(inn)
            .map_err(|e| AppError::field("inn", e.to_string()))?
            .as_str()
            .to_owned();
        let now = self.now();
        if let Some((payload, at)) = self.db.read(|c| store::cached(c, &inn))? {
            if at > now - chrono::Duration::days(CACHE_DAYS) {
                if let Ok(answer) = serde_json::from_str::<Value>(&payload) {
                    return party(&answer, &inn, at).ok_or(AppError::NotFound(
                        "organization with this INN in the registry",
                    ));
                }
            }
        }
        let Some(settings) = &self.registry else {
            return Err(AppError::Unavailable(
                "no company registry is configured (set HELPDESK_REGISTRY_URL and \
                 HELPDESK_REGISTRY_TOKEN)"
                    .into(),
            ));
        };
        let answer = ask(settings, &inn)?;
        self.db
            .write(|c| store::store(c, &inn, &answer.to_string(), now))?;
        party(&answer, &inn, now).ok_or(AppError::NotFound(
            "organization with this INN in the registry",
        ))
    }
}

fn ask(settings: &RegistrySettings, inn: &str) -> Result<Value, AppError> {
    let client = reqwest::blocking::Client::builder()
        .timeout(settings.timeout)
        .build()
        .map_err(|e| AppError::failed("registry client", e))?;
    let url = format!("{}/findById/party", settings.url.trim_end_matches('/'));
    let resp = client
        .post(&url)
        .header("Authorization", format!("Token {}", settings.token))
        .header("Accept", "application/json")
        .json(&serde_json::json!({ "query": inn, "count": 1 }))
        .send()
        .map_err(|e| {
            let timeout = e.is_timeout();
            tracing::warn!(error = %e.without_url(), "registry request failed");
            if timeout {
                AppError::Upstream(format!(
                    "the company registry did not answer within {} s",
                    settings.timeout.as_secs()
                ))
            } else {
                AppError::Upstream("the company registry could not be reached".into())
            }
        })?;
    let status = resp.status();
    if !status.is_success() {
        tracing::warn!(status = status.as_u16(), "registry refused the request");
        return Err(AppError::Upstream(format!(
            "the company registry answered {status}"
        )));
    }
    resp.json::<Value>().map_err(|_| {
        AppError::Upstream("the company registry answered something unreadable".into())
    })
}
