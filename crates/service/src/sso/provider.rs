//! The provider's side: its published configuration and keys, the code exchange and the ID
//! token's checks.

use super::*;

impl Services {
    /// Exchanges the code at the provider and answers the checked claims of the ID token,
    /// completed by the user-info endpoint.
    pub(super) fn redeem(
        &self,
        settings: &SsoSettings,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Value, Refusal> {
        let provider = self.provider(settings, false)?;
        let http = http_client(settings)?;
        let answer = http
            .post(&provider.token_endpoint)
            .basic_auth(&settings.client_id, Some(&settings.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .map_err(|e| refuse("provider", format!("token endpoint: {}", e.without_url())))?;
        if !answer.status().is_success() {
            let status = answer.status();
            let body = answer.text().unwrap_or_default();
            return Err(refuse(
                "provider",
                format!("token endpoint answered {status}: {body}"),
            ));
        }
        let tokens: Value = answer
            .json()
            .map_err(|e| refuse("provider", format!("token endpoint: {e}")))?;
        let id_token = tokens["id_token"]
            .as_str()
            .ok_or_else(|| refuse("provider", "no ID token"))?;
        let mut claims = self.check_id_token(settings, id_token, nonce)?;
        if let (Some(userinfo), Some(access)) =
            (&provider.userinfo_endpoint, tokens["access_token"].as_str())
        {
            let info: Value = http
                .get(userinfo)
                .bearer_auth(access)
                .send()
                .and_then(reqwest::blocking::Response::error_for_status)
                .and_then(reqwest::blocking::Response::json)
                .map_err(|e| refuse("provider", format!("user info: {}", e.without_url())))?;
            if info["sub"] != claims["sub"] {
                return Err(refuse("provider", "user info is of another subject"));
            }
            if let (Some(all), Some(more)) = (claims.as_object_mut(), info.as_object()) {
                for (k, v) in more {
                    all.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        Ok(claims)
    }

    /// The claims of `id_token` once its signature, issuer, audience, expiry and nonce hold.
    fn check_id_token(
        &self,
        settings: &SsoSettings,
        id_token: &str,
        nonce: &str,
    ) -> Result<Value, Refusal> {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| refuse("provider", format!("ID token header: {e}")))?;
        let asymmetric = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ];
        if !asymmetric.contains(&header.alg) {
            return Err(refuse(
                "provider",
                format!("ID token signed with {:?}", header.alg),
            ));
        }
        let mut provider = self.provider(settings, false)?;
        let find = |p: &Provider| {
            let keys = p.keys.as_ref()?;
            match &header.kid {
                Some(kid) => keys.find(kid).cloned(),
                None => keys.keys.first().cloned(),
            }
        };
        let jwk = match find(&provider) {
            Some(jwk) => jwk,
            None => {
                // Keys roll over: fetch them again once before giving up.
                provider = self.provider(settings, true)?;
                find(&provider)
                    .ok_or_else(|| refuse("provider", "ID token signed with an unknown key"))?
            }
        };
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|e| refuse("provider", format!("the provider's key: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&provider.issuer]);
        validation.set_audience(&[&settings.client_id]);
        validation.leeway = 60;
        let data = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
            .map_err(|e| refuse("provider", format!("ID token: {e}")))?;
        if data.claims["nonce"].as_str() != Some(nonce) {
            return Err(refuse("provider", "ID token of another sign-in (nonce)"));
        }
        if data.claims["sub"].as_str().is_none_or(str::is_empty) {
            return Err(refuse("provider", "ID token without a subject"));
        }
        Ok(data.claims)
    }

    /// The provider's configuration and keys, fetched at most once an hour (or at once when
    /// `fresh`, for a key not seen yet).
    pub(super) fn provider(
        &self,
        settings: &SsoSettings,
        fresh: bool,
    ) -> Result<Provider, AppError> {
        if !fresh {
            let cached = settings
                .provider
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((_, p)) = cached
                .as_ref()
                .filter(|(at, _)| at.elapsed() < PROVIDER_TTL)
            {
                return Ok(p.clone());
            }
        }
        let http = http_client(settings).map_err(|r| AppError::Upstream(r.why))?;
        let url = format!("{}/.well-known/openid-configuration", settings.issuer);
        let unreachable = |e: reqwest::Error| {
            AppError::Upstream(format!("the identity provider: {}", e.without_url()))
        };
        let mut provider: Provider = http
            .get(&url)
            .send()
            .and_then(reqwest::blocking::Response::error_for_status)
            .and_then(reqwest::blocking::Response::json)
            .map_err(unreachable)?;
        if provider.issuer.trim_end_matches('/') != settings.issuer {
            return Err(AppError::Upstream(format!(
                "the identity provider calls itself {}, not {}",
                provider.issuer, settings.issuer
            )));
        }
        provider.keys = Some(
            http.get(&provider.jwks_uri)
                .send()
                .and_then(reqwest::blocking::Response::error_for_status)
                .and_then(reqwest::blocking::Response::json)
                .map_err(unreachable)?,
        );
        *settings
            .provider
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), provider.clone()));
        Ok(provider)
    }
}
