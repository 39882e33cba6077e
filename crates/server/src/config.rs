use std::path::PathBuf;

use clap::Args;
use helpdesk_api::AppConfig;

/// Every setting, as a flag or an environment variable.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `postgres://user@host/db`, or `sqlite://PATH`; default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the SQLite database and attachments live.
    #[arg(long, env = "HELPDESK_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    #[arg(
        long,
        env = "HELPDESK_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Signing key of access tokens; generated and stored in the database when absent.
    #[arg(
        long,
        env = "HELPDESK_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// A customer message on a case closed at most this many days ago reopens it; after that
    /// it opens a new case linked to the old one.
    #[arg(
        long,
        env = "HELPDESK_REOPEN_DAYS",
        default_value_t = 14,
        global = true
    )]
    pub reopen_days: i64,
    /// A case awaiting the customer with no message for this many days closes (0: never).
    #[arg(
        long,
        env = "HELPDESK_AUTO_CLOSE_AWAITING_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub auto_close_awaiting_days: i64,
    /// A resolved case closes after this many days without a message (0: never).
    #[arg(
        long,
        env = "HELPDESK_AUTO_CLOSE_RESOLVED_DAYS",
        default_value_t = 3,
        global = true
    )]
    pub auto_close_resolved_days: i64,
    /// Largest accepted attachment, bytes (default 50 MB).
    #[arg(long, env = "HELPDESK_MAX_ATTACHMENT_BYTES", default_value_t = helpdesk_service::DEFAULT_MAX_ATTACHMENT_BYTES, global = true)]
    pub max_attachment_bytes: u64,
    /// Where attachments are kept: empty for `files/` in the data folder, or S3-compatible
    /// object storage as `s3://bucket/prefix` (with the `HELPDESK_S3_*` settings), which every
    /// replica then shares.
    #[arg(long, env = "HELPDESK_FILES_URL", global = true)]
    pub files_url: Option<String>,
    /// The object storage server, for anything but AWS S3 (`http://minio:9000`).
    #[arg(long, env = "HELPDESK_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    #[arg(
        long,
        env = "HELPDESK_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,
    #[arg(
        long,
        env = "HELPDESK_S3_ACCESS_KEY_ID",
        global = true,
        hide_env_values = true
    )]
    pub s3_access_key_id: Option<String>,
    #[arg(
        long,
        env = "HELPDESK_S3_SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<String>,
    /// `true`: `endpoint/bucket/key` URLs (the default with an endpoint); `false`:
    /// `bucket.endpoint/key` (the default for AWS).
    #[arg(long, env = "HELPDESK_S3_PATH_STYLE", global = true)]
    pub s3_path_style: Option<bool>,
    /// SMTP server for notification emails: `smtp://host:25`,
    /// `smtp://user:password@host:587?tls=required` or `smtps://user:password@host:465`.
    #[arg(long, env = "HELPDESK_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of notification emails, e.g. `Support <support@example.com>`; without it no
    /// email is sent (in-app notifications only).
    #[arg(long, env = "HELPDESK_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Language of emails to customers without a portal account: `en` or `ru`.
    #[arg(
        long,
        env = "HELPDESK_DEFAULT_LANGUAGE",
        default_value = "en",
        global = true
    )]
    pub default_language: String,
    /// The address people open the helpdesk at, for links in emails (e.g. `https://help.example.com`).
    #[arg(long, env = "HELPDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Passphrase (16+ characters) of the key that encrypts mailbox passwords in the database.
    #[arg(
        long,
        env = "HELPDESK_ENCRYPTION_KEY",
        global = true,
        hide_env_values = true
    )]
    pub encryption_key: Option<String>,
    /// PEM file of extra CA certificates to trust for IMAP over TLS (an internal CA).
    #[arg(long, env = "HELPDESK_EXTRA_CA_FILE", global = true)]
    pub extra_ca_file: Option<PathBuf>,
    /// Base URL of the company registry for lookups by INN (an API compatible with the common
    /// company-data services' `findById/party`), e.g.
    /// `https://suggestions.dadata.ru/suggestions/api/4_1/rs`.
    #[arg(long, env = "HELPDESK_REGISTRY_URL", global = true)]
    pub registry_url: Option<String>,
    /// The registry's API key.
    #[arg(
        long,
        env = "HELPDESK_REGISTRY_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub registry_token: Option<String>,
    /// Let webhooks, and the proxy of pictures from elsewhere in mails, reach loopback,
    /// private, link-local and metadata addresses (off: such targets are refused, which guards
    /// the internal network against forged requests).
    #[arg(
        long,
        env = "HELPDESK_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhook_allow_private: bool,
    /// A webhook subscription whose every delivery fails for this many hours is turned off.
    #[arg(
        long,
        env = "HELPDESK_WEBHOOK_DISABLE_AFTER_HOURS",
        default_value_t = 72,
        global = true
    )]
    pub webhook_disable_after_hours: i64,
    /// Single sign-on for staff: the OpenID provider's issuer URL (its configuration is read
    /// from `/.well-known/openid-configuration`). Needs `HELPDESK_PUBLIC_URL` for the callback,
    /// `{public}/api/v1/auth/sso/callback`, registered at the provider.
    #[arg(long, env = "HELPDESK_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    #[arg(long, env = "HELPDESK_OIDC_CLIENT_ID", global = true)]
    pub oidc_client_id: Option<String>,
    #[arg(
        long,
        env = "HELPDESK_OIDC_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oidc_client_secret: Option<String>,
    /// Scopes asked of the provider.
    #[arg(
        long,
        env = "HELPDESK_OIDC_SCOPES",
        default_value = "openid email profile",
        global = true
    )]
    pub oidc_scopes: String,
    /// The provider's name on the sign-in button ("Sign in with …").
    #[arg(
        long,
        env = "HELPDESK_OIDC_LABEL",
        default_value = "single sign-on",
        global = true
    )]
    pub oidc_label: String,
    /// The claim that lists a user's groups.
    #[arg(
        long,
        env = "HELPDESK_OIDC_GROUPS_CLAIM",
        default_value = "groups",
        global = true
    )]
    pub oidc_groups_claim: String,
    /// Group → role, e.g. `helpdesk-admins=admin,helpdesk-agents=agent`; the highest wins, and a
    /// user with none of these groups is refused.
    #[arg(long, env = "HELPDESK_OIDC_ROLES", default_value = "", global = true)]
    pub oidc_roles: String,
    /// Group → team name, e.g. `support-l1=First line`; memberships of these teams follow the
    /// groups at each sign-in.
    #[arg(long, env = "HELPDESK_OIDC_TEAMS", default_value = "", global = true)]
    pub oidc_teams: String,
    /// Create an account at the first single sign-on of someone who has none.
    #[arg(long, env = "HELPDESK_OIDC_CREATE_USERS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub oidc_create_users: bool,
    /// Roles that sign in only with single sign-on, never with a password (e.g. `agent`).
    #[arg(
        long,
        env = "HELPDESK_OIDC_PASSWORDS_OFF",
        default_value = "",
        global = true
    )]
    pub oidc_passwords_off: String,
    /// The built SPA; default `frontend/dist` when it exists.
    #[arg(long, env = "HELPDESK_STATIC_DIR", global = true)]
    pub static_dir: Option<PathBuf>,
    /// Most database connections per process; at least 4, since an API process on PostgreSQL
    /// keeps up to two of them listening.
    #[arg(
        long,
        env = "HELPDESK_DB_POOL_SIZE",
        default_value_t = 16,
        value_parser = clap::value_parser!(u32).range(4..),
        global = true
    )]
    pub db_pool_size: u32,
    #[arg(
        long,
        env = "HELPDESK_HTTP_WORKERS",
        default_value_t = 2,
        global = true
    )]
    pub http_workers: usize,
    /// Requests a minute one personal API token may make (0: no limit).
    #[arg(
        long,
        env = "HELPDESK_API_TOKEN_RATE_LIMIT",
        default_value_t = 600,
        global = true
    )]
    pub api_token_rate_limit: u32,
    /// Web form submissions a minute from one client address (0: no limit).
    #[arg(
        long,
        env = "HELPDESK_FORM_RATE_LIMIT",
        default_value_t = 10,
        global = true
    )]
    pub form_rate_limit: u32,
    /// The bearer token Prometheus scrapes `/metrics` with; `/metrics` is off without one.
    #[arg(
        long,
        env = "HELPDESK_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Proxies (CIDRs or addresses, comma-separated, e.g. `10.0.0.0/8,127.0.0.1`) whose
    /// `Forwarded`/`X-Forwarded-For` headers name the client. Without it the socket peer is the
    /// client, for sign-in throttling, the web form limit, sessions and the security log.
    #[arg(
        long,
        env = "HELPDESK_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,
    /// Largest accepted JSON body in bytes.
    #[arg(long, env = "HELPDESK_JSON_LIMIT", default_value_t = 1 << 20, global = true)]
    pub json_limit: usize,
    /// `text` or `json`.
    #[arg(
        long,
        env = "HELPDESK_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: String,
}

impl Config {
    /// Applies the settings that live in the services; refuses unusable file storage settings.
    pub fn configure(&self, services: &mut helpdesk_service::Services) -> anyhow::Result<()> {
        services.reopen_days = self.reopen_days;
        services.auto_close = helpdesk_service::autoclose::AutoClose {
            awaiting_days: self.auto_close_awaiting_days,
            resolved_days: self.auto_close_resolved_days,
        };
        services.webhooks = helpdesk_service::webhooks::WebhookSettings {
            allow_private_targets: self.webhook_allow_private,
            disable_after: chrono::Duration::hours(self.webhook_disable_after_hours.max(1)),
        };
        services.files = self.file_store()?;
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        services.registry = match (nonempty(&self.registry_url), nonempty(&self.registry_token)) {
            (Some(url), Some(token)) => Some(helpdesk_service::registry::RegistrySettings {
                url,
                token,
                timeout: std::time::Duration::from_secs(5),
            }),
            _ => None,
        };
        services.secrets = nonempty(&self.encryption_key)
            .as_deref()
            .and_then(helpdesk_service::secrets::SecretBox::from_passphrase);
        if nonempty(&self.encryption_key).is_some() && services.secrets.is_none() {
            tracing::warn!("HELPDESK_ENCRYPTION_KEY is shorter than 16 characters; ignored");
        }
        services.sso = self.sso();
        services.notify = helpdesk_service::NotifySettings {
            default_language: self.default_language.clone(),
            // Emails are queued only when they can be sent.
            mail_from: nonempty(&self.mail_from).filter(|_| nonempty(&self.smtp_url).is_some()),
            public_url: nonempty(&self.public_url),
        };
        Ok(())
    }

    /// The attachments' store: `files/` in the data folder, or the bucket of
    /// `HELPDESK_FILES_URL` (files being received are still spooled in the data folder).
    pub fn file_store(&self) -> anyhow::Result<helpdesk_store::files::FileStore> {
        use helpdesk_store::files::{FileStore, S3Settings, S3};
        let store = FileStore::new(self.data_dir.join("files"), self.max_attachment_bytes);
        let Some(url) = self
            .files_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            return Ok(store);
        };
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let (Some(access_key_id), Some(secret_access_key)) = (
            nonempty(&self.s3_access_key_id),
            nonempty(&self.s3_secret_access_key),
        ) else {
            anyhow::bail!(
                "HELPDESK_FILES_URL is object storage: set HELPDESK_S3_ACCESS_KEY_ID and HELPDESK_S3_SECRET_ACCESS_KEY too"
            );
        };
        let s3 = S3::new(&S3Settings {
            url: url.to_owned(),
            endpoint: nonempty(&self.s3_endpoint),
            region: self.s3_region.clone(),
            access_key_id,
            secret_access_key,
            path_style: self.s3_path_style,
        })
        .map_err(|e| anyhow::anyhow!("HELPDESK_FILES_URL: {e}"))?;
        Ok(store.in_object_storage(s3))
    }

    /// Single sign-on, when issuer, client id and secret are all set.
    fn sso(&self) -> Option<helpdesk_service::sso::SsoSettings> {
        use helpdesk_service::sso::SsoSettings;
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let (issuer, id, secret) = (
            nonempty(&self.oidc_issuer)?,
            nonempty(&self.oidc_client_id)?,
            nonempty(&self.oidc_client_secret)?,
        );
        if nonempty(&self.public_url).is_none() {
            tracing::warn!("single sign-on needs HELPDESK_PUBLIC_URL for its callback; it is off");
        }
        let mut s = SsoSettings::new(&issuer, &id, &secret);
        s.scopes = self.oidc_scopes.clone();
        s.label = self.oidc_label.clone();
        s.role_claim = self.oidc_groups_claim.clone();
        s.roles = SsoSettings::pairs(&self.oidc_roles)
            .into_iter()
            .filter_map(|(group, role)| match helpdesk_domain::Role::parse(&role) {
                Ok(r) => Some((group, r)),
                Err(_) => {
                    tracing::warn!(%group, %role, "HELPDESK_OIDC_ROLES: not a role; ignored");
                    None
                }
            })
            .collect();
        s.teams = SsoSettings::pairs(&self.oidc_teams);
        s.create_users = self.oidc_create_users;
        s.passwords_off = self
            .oidc_passwords_off
            .split(',')
            .filter_map(|r| helpdesk_domain::Role::parse(r.trim()).ok())
            .collect();
        Some(s)
    }

    /// The IMAP poller of the worker, trusting the extra CA certificates when configured.
    pub fn imap_poller(
        &self,
        services: &helpdesk_service::Services,
    ) -> anyhow::Result<helpdesk_worker::imap::ImapPoller> {
        match &self.extra_ca_file {
            None => Ok(helpdesk_worker::imap::ImapPoller::new(services.clone())),
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
                helpdesk_worker::imap::ImapPoller::with_roots(services.clone(), &pem)
                    .map_err(|e| anyhow::anyhow!(e))
            }
        }
    }

    /// The mail sender of the worker, when SMTP is configured.
    pub fn mailer(
        &self,
        services: &helpdesk_service::Services,
    ) -> anyhow::Result<Option<helpdesk_worker::mailer::Mailer>> {
        match self.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) {
            None => Ok(None),
            Some(url) => helpdesk_worker::mailer::Mailer::new(services.clone(), url)
                .map(Some)
                .map_err(|e| anyhow::anyhow!(e)),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("helpdesk.db").display()))
    }

    pub fn app_config(&self) -> anyhow::Result<AppConfig> {
        let static_dir = self
            .static_dir
            .clone()
            .or_else(|| Some(PathBuf::from("frontend/dist")))
            .filter(|d| d.join("index.html").is_file());
        let trusted_proxies =
            helpdesk_api::client_addr::TrustedProxies::parse(&self.trusted_proxies)
                .map_err(|e| anyhow::anyhow!("HELPDESK_TRUSTED_PROXIES: {e}"))?;
        Ok(AppConfig {
            static_dir,
            json_limit: self.json_limit,
            workers: self.http_workers,
            api_token_rate_per_minute: self.api_token_rate_limit,
            form_rate_per_minute: self.form_rate_limit,
            metrics_token: self.metrics_token.clone(),
            trusted_proxies,
        })
    }

    pub fn init_logging(&self) {
        let filter = tracing_subscriber::EnvFilter::try_from_env("HELPDESK_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        if self.log_format == "json" {
            builder.json().init();
        } else {
            builder.init();
        }
    }
}
