//! A real OpenID Connect provider for the single sign-on tests: panva's certified
//! `oidc-provider` on Node, installed by `just tools` into `crates/test-support/oidc`, started
//! per test on a free port with one client and the given accounts. Its development login form
//! takes any password.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const CLIENT_ID: &str = "helpdesk";
pub const CLIENT_SECRET: &str = "helpdesk-test-secret";

pub struct OidcProvider {
    pub issuer: String,
    child: Child,
}

impl OidcProvider {
    /// A free port for a provider, so that the helpdesk can be configured with its issuer
    /// before the provider (which must know the helpdesk's callback) starts.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// The issuer of a provider on `port`.
    pub fn issuer_on(port: u16) -> String {
        format!("http://127.0.0.1:{port}")
    }

    /// Starts the provider on `port` with `accounts` (account id → claims: `email`,
    /// `email_verified`, `name`, `groups`), accepting `redirect_uri` for the client, and the
    /// app's root (what precedes `/api/` in it) as where a sign-out returns to.
    pub async fn start(port: u16, redirect_uri: &str, accounts: Value) -> OidcProvider {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the OpenID provider is not installed: run `just tools`"
        );
        let child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .env("REDIRECT_URIS", redirect_uri)
            .env(
                "POST_LOGOUT_REDIRECT_URIS",
                format!(
                    "{}/",
                    redirect_uri.split("/api/").next().unwrap_or_default()
                ),
            )
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("ACCOUNTS", accounts.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        // Owned at once, so that it is stopped however this ends.
        let provider = OidcProvider {
            issuer: Self::issuer_on(port),
            child,
        };
        let config = format!("{}/.well-known/openid-configuration", provider.issuer);
        for _ in 0..100 {
            if reqwest::get(&config)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return provider;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the OpenID provider did not start on port {port}");
    }

    /// Signs `account` in at the provider, as a person would in its pages, starting from the
    /// helpdesk's redirect to it (`authorize_url`); answers where the provider sends the browser
    /// back (the helpdesk's callback with a code).
    pub async fn sign_in(&self, authorize_url: &str, account: &str) -> String {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut url = authorize_url.to_owned();
        // Follow redirects within the provider; submit its login form, then its consent form.
        for _ in 0..12 {
            let resp = http.get(&url).send().await.unwrap();
            if let Some(to) = resp.headers().get("location") {
                let to = to.to_str().unwrap().to_owned();
                let to = if to.starts_with('/') {
                    format!("{}{to}", self.issuer)
                } else {
                    to
                };
                if !to.starts_with(&self.issuer) {
                    return to;
                }
                url = to;
                continue;
            }
            let page = resp.text().await.unwrap();
            let form = if page.contains("name=\"login\"") {
                vec![("prompt", "login"), ("login", account), ("password", "any")]
            } else if page.contains("value=\"consent\"") {
                vec![("prompt", "consent")]
            } else {
                panic!("an unexpected page of the provider: {page}");
            };
            let resp = http.post(&url).form(&form).send().await.unwrap();
            let to = resp.headers().get("location").expect("the form redirects");
            let to = to.to_str().unwrap();
            url = if to.starts_with('/') {
                format!("{}{to}", self.issuer)
            } else {
                to.to_owned()
            };
            if !url.starts_with(&self.issuer) {
                return url;
            }
        }
        panic!("the provider never sent the browser back");
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
