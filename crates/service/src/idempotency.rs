//! `Idempotency-Key` on creating requests: the first answer to a key is kept for 24 hours and
//! given again for the same request; the same key with another request is refused. The API's
//! middleware asks [`Services::idempotency_begin`] before running a request and hands the
//! answer to [`Services::idempotency_finish`], all in one unit of work
//! ([`helpdesk_store::Unit`]): the claim, the change and the answer commit together.

use chrono::Duration;
use helpdesk_store::idempotency::{self as store, KeyRow as KeyRowAnswer};

use crate::{AppError, Services};

/// How long a key is remembered.
pub const KEY_TTL: Duration = Duration::hours(24);

/// A request with the key that has not finished after this long is taken as lost (its process
/// died) and may run again.
pub const IN_FLIGHT_TIMEOUT: Duration = Duration::minutes(5);

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time: run it, then call `idempotency_finish` in the same unit of work (or roll
    /// the unit back).
    Run,
    /// Seen before with the same request: answer this.
    Replay {
        status: u16,
        content_type: Option<String>,
        body: String,
    },
    /// Seen before with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Whether a header value is usable as a key: 1–255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

impl Services {
    /// Looks the key up for `principal` (who is asking); `fingerprint` identifies the request
    /// (method, path, body).
    pub fn idempotency_begin(
        &self,
        principal: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<Begin, AppError> {
        let now = self.now();
        self.db.write(|c| {
            if let Some(row) = store::find(c, principal, key)? {
                let expired = row.created_at < now - KEY_TTL;
                let lost = row.status_code.is_none() && row.created_at < now - IN_FLIGHT_TIMEOUT;
                if !expired && !lost {
                    if row.fingerprint != fingerprint {
                        return Ok(Begin::Mismatch);
                    }
                    return Ok(match (row.status_code, row.response_body) {
                        (Some(status), Some(body)) => Begin::Replay {
                            status: u16::try_from(status).unwrap_or(500),
                            content_type: row.content_type,
                            body,
                        },
                        _ => Begin::InFlight,
                    });
                }
                store::delete(c, principal, key)?;
            }
            if store::claim(c, principal, key, fingerprint, now)? {
                return Ok(Begin::Run);
            }
            // Taken meanwhile: within a unit of work the claim waited for the other request's
            // transaction, which committed its answer with it.
            Ok::<_, AppError>(match store::find(c, principal, key)? {
                Some(row) if row.fingerprint != fingerprint => Begin::Mismatch,
                Some(KeyRowAnswer {
                    status_code: Some(status),
                    response_body: Some(body),
                    content_type,
                    ..
                }) => Begin::Replay {
                    status: u16::try_from(status).unwrap_or(500),
                    content_type,
                    body,
                },
                _ => Begin::InFlight,
            })
        })
    }

    /// Keeps the answer to replay.
    pub fn idempotency_finish(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        content_type: Option<&str>,
        body: &str,
    ) -> Result<(), AppError> {
        self.db
            .write(|c| store::complete(c, principal, key, i32::from(status), content_type, body))?;
        Ok(())
    }

    /// Forgets keys older than a day; returns how many.
    pub fn purge_idempotency_keys(&self) -> Result<usize, AppError> {
        let cutoff = self.now() - KEY_TTL;
        Ok(self.db.write(|c| store::purge(c, cutoff))?)
    }
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("8e03978e-40d5-43e8-bc93-6894a57f9324"));
        assert!(!valid_key(""));
        assert!(!valid_key("with space"));
        assert!(!valid_key("ключ"));
        assert!(!valid_key(&"k".repeat(256)));
    }
}
