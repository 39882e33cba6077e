//! What a new password must be: long enough, not one of the most common passwords, not the
//! account's own e-mail address. Checked wherever a password is chosen (an admin setting one,
//! an invitation accepted, a change, a reset).

use std::collections::HashSet;
use std::sync::OnceLock;

/// Fewest characters of a password.
pub const MIN_LENGTH: usize = 10;
/// Most characters of a password (argon2 would take any; this bounds the work).
pub const MAX_LENGTH: usize = 1024;

/// The common passwords of at least [`MIN_LENGTH`] characters, lower-cased (see `data/README.md`).
fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Whether `password` is on the list of the most common ones, in any letter case.
pub fn is_common(password: &str) -> bool {
    common().contains(password.to_lowercase().as_str())
}

/// Why `password` may not be chosen by the account of `email`, or `Ok`.
pub fn check_new(password: &str, email: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err("must be at least 10 characters");
    }
    if length > MAX_LENGTH {
        return Err("must be at most 1024 characters");
    }
    if password.trim().is_empty() {
        return Err("must not be blank");
    }
    if is_common(password) {
        return Err("is one of the most common passwords; choose another");
    }
    let lowered = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if !email.is_empty() && (lowered == email || (local.len() >= 4 && lowered == local)) {
        return Err("must not be your e-mail address");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(is_common("1234567890"));
        assert!(is_common("QWERTYUIOP"));
        assert!(is_common("Password123"));
        assert_eq!(
            check_new("Tundra-lamp-42", "a@example.com"),
            Ok(()),
            "not on the list"
        );
        assert_eq!(
            check_new("qwertyuiop", "a@example.com"),
            Err("is one of the most common passwords; choose another")
        );
        assert!(common().len() > 2000, "the shipped list is loaded");
    }

    #[test]
    fn length_and_the_e_mail_address() {
        assert_eq!(
            check_new("short", "a@example.com"),
            Err("must be at least 10 characters")
        );
        // Ten characters, counted as characters, not bytes.
        assert_eq!(check_new("пароль-мой", "a@example.com"), Ok(()));
        assert_eq!(
            check_new(&"x".repeat(1025), "a@example.com"),
            Err("must be at most 1024 characters")
        );
        assert_eq!(
            check_new("          ", "a@example.com"),
            Err("must not be blank")
        );
        assert_eq!(
            check_new("Ivan.Petrov@Example.com", "ivan.petrov@example.com"),
            Err("must not be your e-mail address")
        );
        assert_eq!(
            check_new("ivan.petrov", "ivan.petrov@example.com"),
            Err("must not be your e-mail address")
        );
    }
}
