//! Calls made before there is a session: signing in (password, second factor, single sign-on),
//! invitations and password resets. Each answer that carries tokens starts the session.

use super::*;

/// Where this browser keeps the device token of an account: the server throttles sign-ins from
/// a known device on their own, so strangers' failed attempts never keep its owner out. Kept
/// across sign-outs (it grants nothing but that).
fn device_key(email: &str) -> String {
    format!("hd.device.{}", email.trim().to_lowercase())
}

/// Signs in with e-mail and password, and for an account with two-factor sign-in the code of
/// its authenticator (`otp`).
pub async fn login(
    email: String,
    password: String,
    otp: Option<String>,
) -> Result<SignedIn, ApiError> {
    let key = device_key(&email);
    sign_in_at(
        "/api/v1/auth/login",
        &login_request(email, password, otp),
        Some(&key),
    )
    .await
}

fn login_request(email: String, password: String, otp: Option<String>) -> LoginRequest {
    let device_token = storage().and_then(|s| s.get_item(&device_key(&email)).ok().flatten());
    LoginRequest {
        email,
        password,
        device_token,
        otp,
    }
}

/// Whether the sign-in page offers single sign-on.
pub async fn sso_info() -> Result<helpdesk_api_types::auth::SsoInfo, ApiError> {
    let resp = Request::get("/api/v1/auth/sso")
        .header("Accept-Language", super::language())
        .send()
        .await
        .map_err(network)?;
    decode(resp).await
}

/// Exchanges the one-time code single sign-on handed to the app for a session.
pub async fn sso_exchange(code: String) -> Result<Session, ApiError> {
    sign_in_at(
        "/api/v1/auth/sso/exchange",
        &helpdesk_api_types::auth::SsoExchange { code },
        None,
    )
    .await
    .map(|s| s.session)
}

/// Starts the two-factor enrolment a role requires, proven by the password.
pub async fn enrol_at_sign_in(
    email: String,
    password: String,
) -> Result<helpdesk_api_types::auth::TwoFactorEnrolment, ApiError> {
    let resp = Request::post("/api/v1/auth/two-factor/enrolment")
        .header("Accept-Language", super::language())
        .json(&login_request(email, password, None))
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    decode(resp).await
}

/// Posts to an endpoint that answers with a token pair, and keeps the session (and the device
/// token under `device_key`, when the answer has one).
async fn sign_in_at<B: Serialize>(
    path: &str,
    body: &B,
    device_key: Option<&str>,
) -> Result<SignedIn, ApiError> {
    let resp = Request::post(path)
        .header("Accept-Language", super::language())
        .json(body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    let pair = decode::<TokenPair>(resp).await?;
    if let (Some(key), Some(token), Some(st)) =
        (device_key, pair.device_token.as_deref(), storage())
    {
        let _ = st.set_item(key, token);
    }
    let recovery_codes = pair.recovery_codes.clone();
    let session: Session = pair.into();
    save_session(&session);
    Ok(SignedIn {
        session,
        recovery_codes,
    })
}

/// Who an invitation link is for (no session needed).
pub async fn invitation(token: &str) -> Result<InvitationInfo, ApiError> {
    let resp = Request::get(&format!("/api/v1/auth/invitations/{}", enc(token)))
        .header("Accept-Language", super::language())
        .send()
        .await
        .map_err(network)?;
    decode(resp).await
}

/// Accepts an invitation with the password chosen; signs in as the invited customer.
pub async fn accept_invitation(token: String, password: String) -> Result<Session, ApiError> {
    sign_in_at(
        "/api/v1/auth/invitations/accept",
        &AcceptInvitation { token, password },
        None,
    )
    .await
    .map(|s| s.session)
}

/// Asks for a password reset link for `email` (no session needed; the answer is the same
/// whether or not the address has an account).
pub async fn request_password_reset(email: String) -> Result<(), ApiError> {
    let resp = Request::post("/api/v1/auth/password-reset")
        .header("Accept-Language", super::language())
        .json(&PasswordResetRequest { email })
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    decode(resp).await
}

/// Who a password reset link is for.
pub async fn password_reset(token: &str) -> Result<PasswordResetInfo, ApiError> {
    let resp = Request::get(&format!("/api/v1/auth/password-reset/{}", enc(token)))
        .header("Accept-Language", super::language())
        .send()
        .await
        .map_err(network)?;
    decode(resp).await
}

/// Sets the password chosen with a reset link (with the authenticator's code for an account
/// with two-factor sign-in); signs in.
pub async fn confirm_password_reset(
    token: String,
    password: String,
    otp: Option<String>,
) -> Result<Session, ApiError> {
    sign_in_at(
        "/api/v1/auth/password-reset/confirm",
        &PasswordResetConfirm {
            token,
            password,
            otp,
        },
        None,
    )
    .await
    .map(|s| s.session)
}
