//! What the security log records.

use crate::string_enum;

string_enum! {
    /// A kind of security event.
    SecurityEventKind {
        SignedIn => "signed_in",
        SignInFailed => "sign_in_failed",
        SignedOut => "signed_out",
        SessionRevoked => "session_revoked",
        RefreshReplayed => "refresh_replayed",
        ApiTokenCreated => "api_token_created",
        ApiTokenRevoked => "api_token_revoked",
        UserCreated => "user_created",
        RoleChanged => "role_changed",
        UserDisabled => "user_disabled",
        UserEnabled => "user_enabled",
        PasswordChanged => "password_changed",
        PasswordResetRequested => "password_reset_requested",
        TwoFactorEnabled => "two_factor_enabled",
        TwoFactorDisabled => "two_factor_disabled",
        RecoveryCodesRenewed => "recovery_codes_renewed",
        RecoveryCodeUsed => "recovery_code_used",
        TwoFactorPolicyChanged => "two_factor_policy_changed",
    }
}

string_enum! {
    /// Why a sign-in was refused. The caller is told only "e-mail or password is wrong" (or to
    /// wait); the log keeps the reason for admins.
    SignInFailure {
        UnknownAccount => "unknown_account",
        WrongPassword => "wrong_password",
        AccountDisabled => "account_disabled",
        PortalAccessOff => "portal_access_off",
        Throttled => "throttled",
        WrongCode => "wrong_code",
        PasswordSignInOff => "password_sign_in_off",
    }
}
