use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub use helpdesk_domain::security::{SecurityEventKind, SignInFailure};

use crate::{Role, Scope};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
    /// The `device_token` an earlier sign-in of this account answered on this device. With it,
    /// sign-in is throttled for this device alone, so strangers' failed attempts on the account
    /// or from the same address never keep its owner out.
    #[serde(default)]
    #[validate(length(max = 512))]
    pub device_token: Option<String>,
    /// The six-digit code of the authenticator app, or an unused recovery code, for an account
    /// with two-factor sign-in. Without it such an account answers 401
    /// `/problems/second-factor-required` (or `/problems/second-factor-setup-required` when the
    /// account's role requires two factors and none is set up yet: enrol with
    /// `POST /auth/two-factor/enrolment`, then sign in with a code of the new secret).
    #[serde(default)]
    #[validate(length(max = 64))]
    pub otp: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    pub refresh_token: String,
}

/// A fresh pair of tokens. The access token is a short-lived JWT for the `Authorization:
/// Bearer` header; the refresh token may be exchanged once for a new pair.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    pub user: Me,
    /// Answered on sign-in: keep it on this device and send it with the next sign-in of this
    /// account (see `LoginRequest.device_token`). Absent on refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
    /// Answered once, when a sign-in completed an enrolment in two-factor sign-in: the
    /// recovery codes to keep somewhere safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub language: String,
    pub support_line: Option<i32>,
    /// For portal users: the contact they act as.
    pub contact_id: Option<i64>,
    pub team_ids: Vec<i64>,
}

/// What a user may change about themselves: the name shown to others and the language of the
/// app and of their notifications.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// `en` or `ru`.
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(min = 1, message = "name at least one scope"))]
    pub scopes: Vec<Scope>,
    /// Days until the token stops working; never, when absent.
    #[validate(range(min = 1, max = 3650))]
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A new API token. `token` is shown only here, once; the server keeps only its hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenCreated {
    pub token: String,
    #[serde(flatten)]
    pub details: ApiToken,
}

/// Who an invitation to the customer portal is for (shown on the page where they choose a
/// password).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvitationInfo {
    pub email: String,
    pub name: String,
    /// `en` or `ru`: the language the invitation was written in, which the page and the
    /// portal open in.
    pub language: String,
    pub expires_at: DateTime<Utc>,
}

/// Accepting an invitation: the token from the link and the password chosen.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    #[validate(length(min = 1, max = 512))]
    pub token: String,
    #[validate(length(min = 10, max = 1024))]
    pub password: String,
}

/// One sign-in of a user (a browser or device), with the refresh tokens that descend from it.
/// Revoking it ends its refresh token and its access tokens on their next request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// When the session last exchanged its refresh token (about every 15 minutes in use).
    pub last_used_at: DateTime<Utc>,
    /// The client address at sign-in.
    pub ip: String,
    /// The browser or program at sign-in, as it named itself.
    pub user_agent: String,
    /// Whether this is the session the request came from.
    pub current: bool,
}

/// One entry of the security log: a sign-in, a session or API token created or ended, a role,
/// account or password change. Kept 180 days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SecurityEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: SecurityEventKind,
    /// The account concerned, when known (absent for a sign-in to an unknown address).
    pub user_id: Option<i64>,
    /// Who did it, when not the account itself (an admin changing a role).
    pub actor_id: Option<i64>,
    /// The e-mail a sign-in was attempted with.
    pub email: Option<String>,
    /// The client's address (see `HELPDESK_TRUSTED_PROXIES`); empty for internal actions.
    pub ip: String,
    pub user_agent: String,
    /// Why: a `SignInFailure` for refused sign-ins, the old and new role for a role change,
    /// who ended a session.
    pub reason: Option<String>,
    pub session_id: Option<i64>,
}
crate::page!(SecurityEventPage, SecurityEvent);

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SecurityEventQuery {
    /// Only events of this kind.
    pub kind: Option<SecurityEventKind>,
    /// Only events concerning this user or done by them.
    pub user_id: Option<i64>,
    /// Only events from this client address.
    pub ip: Option<String>,
    /// Only events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub until: Option<DateTime<Utc>>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Changing one's own password: the current one proves it is the owner.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[validate(length(min = 1, max = 1024))]
    pub current_password: String,
    /// At least 10 characters, not one of the most common passwords, not the e-mail address.
    #[validate(length(min = 10, max = 1024))]
    pub new_password: String,
}

/// Asking for a link to choose a new password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[validate(length(min = 3, max = 254))]
    pub email: String,
}

/// Who a password reset link is for (shown where the new password is chosen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PasswordResetInfo {
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// Choosing a new password with the token of a reset link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    #[validate(length(min = 1, max = 512))]
    pub token: String,
    /// At least 10 characters, not one of the most common passwords, not the e-mail address.
    #[validate(length(min = 10, max = 1024))]
    pub password: String,
    /// For an account with two-factor sign-in: a code of its authenticator or a recovery code.
    /// Without it, such an account answers 401 `/problems/second-factor-required` and the link
    /// stays unused.
    #[serde(default)]
    #[validate(length(max = 64))]
    pub otp: Option<String>,
}

/// Where the caller stands with two-factor sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TwoFactorStatus {
    /// Codes are asked for at sign-in.
    pub enabled: bool,
    pub enabled_since: Option<DateTime<Utc>>,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// The caller's role requires two factors (set by an admin), so they cannot be turned off.
    pub required: bool,
}

/// A new authenticator secret, waiting for its first code to be confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TwoFactorEnrolment {
    /// Base32, for typing into an authenticator app by hand.
    pub secret: String,
    /// The `otpauth://` link the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as an SVG picture.
    pub qr_svg: String,
}

/// A code from the authenticator, proving an enrolment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorConfirm {
    #[validate(length(min = 1, max = 64))]
    pub code: String,
}

/// The caller's password, asked again before two-factor sign-in is turned off or its recovery
/// codes replaced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PasswordCheck {
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

/// Single-use codes for signing in without the authenticator. Shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// Which roles must sign in with two factors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorPolicy {
    /// Staff roles only (`admin`, `agent`); their members without two factors set up are
    /// asked to enrol at their next sign-in.
    pub required_roles: Vec<Role>,
}

/// Whether staff can sign in with the organization's identity provider (OpenID Connect), and
/// what the button says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SsoInfo {
    pub enabled: bool,
    /// The provider's name for the button ("Sign in with …"); empty when off.
    pub label: String,
}

/// Where to go after a single sign-on, inside the app.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SsoStart {
    /// A path of the app (`/cases/42`); anything else means the start page.
    pub return_to: Option<String>,
}

/// What the identity provider sends back to the callback.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SsoCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A sign-out of a session started by single sign-on: where to send the browser so that the
/// identity provider ends its own session too (RP-initiated logout); it comes back to the app.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignedOut {
    pub end_session_url: String,
}

/// The one-time code the callback hands to the app (in the `/sso` page's fragment), for the
/// session it signed in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SsoExchange {
    #[validate(length(min = 1, max = 512))]
    pub code: String,
}
