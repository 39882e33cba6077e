//! Polling group mailboxes over IMAP.
//!
//! For each active mailbox with an IMAP server: select its folder, fetch every message above the
//! checkpoint (UIDVALIDITY + last UID, never the \Seen flag), hand the raw bytes to
//! [`Services::receive_email`] (which stores them before processing and ignores a Message-ID it
//! has), and only after that has committed mark the message \Seen or move it to the processed
//! folder, then move the checkpoint. A crash anywhere repeats at most the last message, which is
//! then a duplicate: nothing is lost and nothing is created twice.

use std::time::Duration;

use async_imap::Client;
use futures_util::TryStreamExt;
use helpdesk_service::email::Source;
use helpdesk_service::{AppError, Services};
use helpdesk_store::email::{self as store, MailboxRow};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::Outcome;

/// Messages fetched per mailbox and step.
const BATCH: usize = 50;

/// What one poll of one mailbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Polled {
    pub fetched: usize,
    pub created: usize,
    pub threaded: usize,
    pub duplicates: usize,
    /// The session waited in IDLE (and ended after a quiet period).
    pub idled: bool,
}

/// How long a watching session stays in IDLE without news before it reconnects (servers drop
/// idle connections after 30 minutes; settings changes are picked up on reconnect).
pub const QUIET: Duration = Duration::from_secs(300);

pub struct ImapPoller {
    services: Services,
    tls: tokio_rustls::TlsConnector,
}

impl ImapPoller {
    /// A poller that trusts the public web PKI roots.
    pub fn new(services: Services) -> Self {
        ImapPoller {
            services,
            tls: connector(web_roots()),
        }
    }

    /// A poller that also trusts the CA certificates in `extra_ca_pem` (an internal CA).
    pub fn with_roots(services: Services, extra_ca_pem: &[u8]) -> Result<Self, String> {
        let mut roots = web_roots();
        add_pem_roots(&mut roots, extra_ca_pem)?;
        Ok(ImapPoller {
            services,
            tls: connector(roots),
        })
    }

    /// Polls every IMAP mailbox once; a mailbox that fails is logged and does not stop the rest.
    pub async fn run_next(&self) -> Result<Outcome, AppError> {
        let svc = self.services.clone();
        let boxes = tokio::task::spawn_blocking(move || svc.db.read(store::imap_mailboxes))
            .await
            .map_err(|e| AppError::failed("listing the IMAP mailboxes", e))??;
        let mut fetched = 0;
        for mailbox in boxes {
            match self.poll(&mailbox).await {
                Ok(p) => fetched += p.fetched,
                Err(e) => {
                    tracing::warn!(mailbox_id = mailbox.id, error = %e, "IMAP poll failed");
                    self.record_error(&mailbox, &e).await;
                }
            }
        }
        Ok(if fetched == 0 {
            Outcome::Idle
        } else {
            Outcome::Processed(fetched)
        })
    }

    /// Watches one mailbox until it is deactivated or deleted: fetches new mail, waits in IDLE
    /// where the server offers it, otherwise polls every [`crate::IMAP_INTERVAL`]; after an error
    /// it records it on the mailbox and retries in 30 seconds.
    pub async fn keep_watching(&self, mailbox_id: i64) {
        loop {
            let svc = self.services.clone();
            let current =
                tokio::task::spawn_blocking(move || svc.db.read(|c| store::mailbox(c, mailbox_id)))
                    .await;
            let mailbox = match current {
                Ok(Ok(m)) if m.active && m.imap_host.is_some() => m,
                Ok(Ok(_)) | Ok(Err(helpdesk_store::StoreError::NotFound)) => return,
                _ => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    continue;
                }
            };
            match self.watch(&mailbox, QUIET).await {
                Ok(p) if p.idled => {}
                Ok(_) => tokio::time::sleep(crate::IMAP_INTERVAL).await,
                Err(e) => {
                    tracing::warn!(mailbox_id, error = %e, "IMAP session failed; retrying in 30 s");
                    self.record_error(&mailbox, &e).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
        }
    }

    async fn record_error(&self, mailbox: &MailboxRow, error: &str) {
        let svc = self.services.clone();
        let (id, error) = (mailbox.id, error.to_owned());
        let _ = tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            svc.db.write(|c| {
                let (validity, last) = store::imap_state(c, id)?.unwrap_or((0, 0));
                store::set_imap_state(c, id, validity, last, Some(&error), now)
            })
        })
        .await;
    }

    /// Polls one mailbox.
    pub async fn poll(&self, mailbox: &MailboxRow) -> Result<Polled, String> {
        self.connect(mailbox, None).await
    }

    /// Fetches new mail, then stays connected in IDLE (where the server offers it) and fetches
    /// whenever the server announces new mail, until `quiet` passes without any. Returns at
    /// once after fetching when the server has no IDLE.
    pub async fn watch(&self, mailbox: &MailboxRow, quiet: Duration) -> Result<Polled, String> {
        self.connect(mailbox, Some(quiet)).await
    }

    async fn connect(
        &self,
        mailbox: &MailboxRow,
        idle: Option<Duration>,
    ) -> Result<Polled, String> {
        let host = mailbox.imap_host.clone().ok_or("no IMAP host")?;
        let port = mailbox
            .imap_port
            .unwrap_or(match mailbox.imap_tls.as_str() {
                "tls" => 993,
                _ => 143,
            }) as u16;
        let tcp = tokio::time::timeout(
            Duration::from_secs(20),
            TcpStream::connect((host.as_str(), port)),
        )
        .await
        .map_err(|_| format!("connecting to {host}:{port} timed out"))?
        .map_err(|e| format!("connecting to {host}:{port}: {e}"))?;
        let name = rustls_pki_types::ServerName::try_from(host.clone())
            .map_err(|e| format!("bad IMAP host name: {e}"))?;
        match mailbox.imap_tls.as_str() {
            "none" => {
                let client = greeted(Client::new(tcp)).await?;
                self.session(mailbox, client, idle).await
            }
            "tls" => {
                let tls = self
                    .tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS with {host}: {e}"))?;
                let client = greeted(Client::new(tls)).await?;
                self.session(mailbox, client, idle).await
            }
            "starttls" => {
                let mut plain = greeted(Client::new(tcp)).await?;
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| format!("STARTTLS refused by {host}: {e}"))?;
                let tls = self
                    .tls
                    .connect(name, plain.into_inner())
                    .await
                    .map_err(|e| format!("TLS with {host}: {e}"))?;
                // No second greeting after STARTTLS (RFC 3501 6.2.1).
                self.session(mailbox, Client::new(tls), idle).await
            }
            other => Err(format!("unknown IMAP TLS mode `{other}`")),
        }
    }

    async fn session<T>(
        &self,
        mailbox: &MailboxRow,
        client: Client<T>,
        idle: Option<Duration>,
    ) -> Result<Polled, String>
    where
        T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
    {
        let user = mailbox
            .imap_user
            .clone()
            .unwrap_or_else(|| mailbox.address.clone());
        let password = self.services.imap_password(mailbox).unwrap_or_default();
        let mut session = client
            .login(&user, &password)
            .await
            // Never the password: only that the login failed.
            .map_err(|(e, _)| format!("IMAP login as {user} failed: {e}"))?;
        let folder = session
            .select(&mailbox.imap_folder)
            .await
            .map_err(|e| format!("selecting {}: {e}", mailbox.imap_folder))?;
        let validity = i64::from(folder.uid_validity.unwrap_or(0));
        let capabilities = session.capabilities().await.ok();
        let can_move = capabilities.as_ref().is_some_and(|c| c.has_str("MOVE"));
        let can_idle = capabilities.as_ref().is_some_and(|c| c.has_str("IDLE"));
        let id = mailbox.id;
        let mut polled = Polled::default();
        loop {
            let svc = self.services.clone();
            let state =
                tokio::task::spawn_blocking(move || svc.db.read(|c| store::imap_state(c, id)))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
            // A new UIDVALIDITY means the UIDs start over: fetch from the beginning (duplicates
            // are recognised by Message-ID).
            let last = match state {
                Some((v, last)) if v == validity => last,
                _ => 0,
            };
            let mut uids: Vec<u32> = session
                .uid_search(format!("UID {}:*", last + 1))
                .await
                .map_err(|e| format!("searching: {e}"))?
                .into_iter()
                .filter(|u| i64::from(*u) > last)
                .collect();
            uids.sort_unstable();
            let more = uids.len() > BATCH;
            uids.truncate(BATCH);
            if let (Some(target), false) = (mailbox.processed_folder.as_deref(), uids.is_empty()) {
                // The folder for processed mail may not exist yet; when it does, CREATE says
                // so and nothing changes.
                if let Err(e) = session.create(target).await {
                    tracing::debug!(mailbox_id = id, folder = target, error = %e, "CREATE");
                }
            }
            for uid in uids {
                let raw = {
                    let fetches: Vec<_> = session
                        .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                        .await
                        .map_err(|e| format!("fetching UID {uid}: {e}"))?
                        .try_collect()
                        .await
                        .map_err(|e| format!("fetching UID {uid}: {e}"))?;
                    fetches
                        .iter()
                        .find_map(|f| f.body().map(<[u8]>::to_vec))
                        .unwrap_or_default()
                };
                polled.fetched += 1;
                if !raw.is_empty() {
                    let svc = self.services.clone();
                    let result = tokio::task::spawn_blocking(move || {
                        svc.receive_email(id, &raw, Source::Imap)
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                    match result {
                        Ok(r) => match r.status.as_str() {
                            "created" => polled.created += 1,
                            "threaded" => polled.threaded += 1,
                            "duplicate" => polled.duplicates += 1,
                            _ => {}
                        },
                        // Too large or otherwise refused: recorded in the log, not retried forever.
                        Err(e @ AppError::TooLarge(_)) => {
                            tracing::warn!(mailbox_id = id, uid, error = %e, "message refused");
                        }
                        // The database is down or similar: stop here, the checkpoint stays.
                        Err(e) => return Err(format!("storing UID {uid}: {e}")),
                    }
                }
                // Only now that the message is stored: mark or move it, then the checkpoint.
                match mailbox.processed_folder.as_deref() {
                    Some(target) if can_move => session
                        .uid_mv(uid.to_string(), target)
                        .await
                        .map_err(|e| format!("moving UID {uid}: {e}"))?,
                    Some(target) => {
                        session
                            .uid_copy(uid.to_string(), target)
                            .await
                            .map_err(|e| format!("copying UID {uid}: {e}"))?;
                        let _: Vec<_> = session
                            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen \\Deleted)")
                            .await
                            .map_err(|e| format!("flagging UID {uid}: {e}"))?
                            .try_collect()
                            .await
                            .map_err(|e| format!("flagging UID {uid}: {e}"))?;
                    }
                    None => {
                        let _: Vec<_> = session
                            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                            .await
                            .map_err(|e| format!("flagging UID {uid}: {e}"))?
                            .try_collect()
                            .await
                            .map_err(|e| format!("flagging UID {uid}: {e}"))?;
                    }
                }
                let svc = self.services.clone();
                tokio::task::spawn_blocking(move || {
                    let now = svc.clock.now();
                    svc.db.write(|c| {
                        store::set_imap_state(c, id, validity, i64::from(uid), None, now)
                    })
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            }
            if more {
                // A full batch: there is more to fetch before waiting.
                continue;
            }
            // Watching: wait for the server to announce new mail, then fetch again; a quiet
            // period of `idle` ends the session (the caller reconnects with fresh settings).
            let Some(wait) = idle.filter(|_| can_idle) else {
                break;
            };
            let mut handle = session.idle();
            handle
                .init()
                .await
                .map_err(|e| format!("starting IDLE: {e}"))?;
            let response = {
                let (wait_for_news, stop) = handle.wait_with_timeout(wait);
                let response = wait_for_news.await;
                drop(stop);
                response.map_err(|e| format!("waiting in IDLE: {e}"))?
            };
            session = handle
                .done()
                .await
                .map_err(|e| format!("ending IDLE: {e}"))?;
            polled.idled = true;
            if matches!(
                response,
                async_imap::extensions::idle::IdleResponse::Timeout
            ) {
                break;
            }
        }
        let _ = session.logout().await;
        Ok(polled)
    }
}

/// Reads the server's greeting.
async fn greeted<T>(mut client: Client<T>) -> Result<Client<T>, String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    client
        .read_response()
        .await
        .map_err(|e| format!("reading the IMAP greeting: {e}"))?
        .ok_or("the IMAP server closed the connection")?;
    Ok(client)
}

fn web_roots() -> rustls::RootCertStore {
    rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())
}

/// Adds the CA certificates of a PEM file's contents.
fn add_pem_roots(roots: &mut rustls::RootCertStore, pem: &[u8]) -> Result<(), String> {
    use rustls_pki_types::pem::PemObject;
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("reading the extra CA certificates: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("an extra CA certificate is not usable: {e}"))?;
    }
    Ok(())
}

/// TLS with the ring provider named explicitly: the process-wide default is ambiguous when
/// another crate in the build enables a second provider.
fn connector(roots: rustls::RootCertStore) -> tokio_rustls::TlsConnector {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder,
        // ring supports the default versions; this arm only keeps the code panic-free.
        Err(_) => rustls::ClientConfig::builder_with_protocol_versions(rustls::DEFAULT_VERSIONS),
    }
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}
