//! Time-based one-time passwords (RFC 6238, as authenticator apps use them: HMAC-SHA1, six
//! digits, 30-second steps) and the recovery codes that stand in for a lost device.
//!
//! A code is accepted for the step it was made in and the one before and after (a phone's
//! clock a little off, a code typed as it turned over), and each step is accepted once: the
//! caller keeps the last step used and passes it back, so an overheard code cannot be replayed.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, the size RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at once.
pub const RECOVERY_CODES: usize = 10;

/// The step `unix_seconds` falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code of `secret` for `step` (RFC 4226's HOTP with the step as counter).
#[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    word % 10u32.pow(DIGITS)
}

/// The code as a person reads it: six digits, leading zeros kept.
pub fn format_code(code: u32) -> String {
    format!("{code:0width$}", width = DIGITS as usize)
}

/// The step `typed` is the code of, when it is one of `secret`'s codes for the step of
/// `unix_seconds` or a neighbouring one and that step is later than `last_step` (a code is
/// good once). Spaces and dashes in what was typed are ignored.
pub fn verify(secret: &[u8], typed: &str, unix_seconds: i64, last_step: i64) -> Option<i64> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    let now = step_of(unix_seconds);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|step| *step > last_step)
        .find(|step| code_at(secret, *step) == code)
}

/// Whether `typed` looks like a one-time code rather than a recovery code.
pub fn looks_like_code(typed: &str) -> bool {
    let digits = typed.chars().filter(char::is_ascii_digit).count();
    digits == DIGITS as usize
        && typed
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || c == '-')
}

/// The `otpauth://` link an authenticator app reads from the enrolment QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{}:{}", percent(issuer), percent(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        base32_encode(secret),
        percent(issuer)
    )
}

fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take a secret typed by hand.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of base32 text (any case; spaces and padding ignored); `None` for other letters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|&b| char::from(b) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A recovery code as stored and compared: lower case, without spaces or dashes.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A recovery code as shown: ten base32 letters from `random` (at least 7 bytes), in two
/// groups of five.
pub fn recovery_code(random: &[u8]) -> String {
    let text = base32_encode(random).to_ascii_lowercase();
    format!("{}-{}", &text[..5], &text[5..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, reduced to six digits.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(
                code_at(secret, step_of(time)),
                eight_digits % 1_000_000,
                "t={time}"
            );
        }
    }

    #[test]
    fn a_code_works_for_its_step_and_its_neighbours_once() {
        let secret = b"12345678901234567890";
        let now = 1_234_567_890;
        let step = step_of(now);
        let code = format_code(code_at(secret, step));
        assert_eq!(verify(secret, &code, now, 0), Some(step));
        assert_eq!(verify(secret, &code, now + 30, 0), Some(step));
        assert_eq!(verify(secret, &code, now - 30, 0), Some(step));
        assert_eq!(verify(secret, &code, now + 60, 0), None, "too late");
        assert_eq!(verify(secret, &code, now, step), None, "used already");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(secret, &spaced, now, 0), Some(step));
        assert_eq!(verify(secret, "12345", now, 0), None);
        assert_eq!(verify(secret, "abcdef", now, 0), None);
    }

    #[test]
    fn base32_round_trips_and_reads_what_people_type() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("mzxw 6ytb oi======"),
            Some(b"foobar".to_vec())
        );
        assert_eq!(base32_decode("MZ1"), None);
        let bytes: Vec<u8> = (0u8..=40).collect();
        assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
    }

    #[test]
    fn the_enrolment_link_names_issuer_account_and_secret() {
        let uri = otpauth_uri("Help Desk", "ann@example.com", b"foobar");
        assert_eq!(
            uri,
            "otpauth://totp/Help%20Desk:ann@example.com?secret=MZXW6YTBOI&issuer=Help%20Desk\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_are_typed_loosely() {
        let code = recovery_code(&[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(code.len(), 11);
        assert_eq!(code.as_bytes()[5], b'-');
        assert_eq!(
            normalise_recovery_code(&code.to_uppercase().replace('-', " ")),
            code.replace('-', "")
        );
        assert!(!looks_like_code(&code));
        assert!(looks_like_code("123 456"));
    }
}
