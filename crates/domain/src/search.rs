//! What a search box's text could name exactly, besides words: a case number (`1006`, `#1006`,
//! `№1006`), a phone number in any of the ways people write one, an INN, an e-mail address.
//! Each is looked up directly and ranked above the word matches.

use crate::Phone;

/// The exact things a searched text may stand for (any number of them, or none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The text is a case number.
    pub case_number: Option<i64>,
    /// The text is (part of) a phone number: the digits to find inside stored E.164 numbers.
    pub phone_digits: Option<String>,
    /// The text is an INN (10 digits for an organization, 12 for a person).
    pub inn: Option<String>,
    /// The text is (the beginning of) an e-mail address, lower-cased.
    pub email: Option<String>,
}

/// Fewer digits than this are too short to be looked for inside phone numbers.
pub const PHONE_MIN_DIGITS: usize = 5;

impl Lookup {
    pub fn read(text: &str) -> Lookup {
        let text = text.trim();
        let mut out = Lookup::default();
        let number = text
            .strip_prefix('#')
            .or_else(|| text.strip_prefix('№'))
            .unwrap_or(text)
            .trim_start();
        if !number.is_empty() && number.len() <= 18 && number.bytes().all(|b| b.is_ascii_digit()) {
            out.case_number = number.parse().ok().filter(|n| *n > 0);
        }
        if !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit())
            && matches!(text.len(), 10 | 12)
        {
            out.inn = Some(text.to_owned());
        }
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || " -().+\u{a0}".contains(c));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if phone_like && digits.len() >= PHONE_MIN_DIGITS {
            // A whole number with its country code (or the Russian trunk 8) is found as stored;
            // anything else as the digits written, wherever they stand in a stored number.
            out.phone_digits = Some(match Phone::parse(text) {
                Ok(p) => p.as_str().trim_start_matches('+').to_owned(),
                Err(_) => digits,
            });
        }
        if text.contains('@') && !text.contains(char::is_whitespace) {
            out.email = Some(text.to_lowercase());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_with_or_without_their_sign() {
        for text in ["1006", "#1006", "№1006", " # 1006 "] {
            assert_eq!(Lookup::read(text).case_number, Some(1006), "{text}");
        }
        for text in ["#", "10 06", "1006a", "#-1", "0", "99999999999999999999"] {
            assert_eq!(Lookup::read(text).case_number, None, "{text}");
        }
    }

    #[test]
    fn phone_numbers_as_people_write_them() {
        assert_eq!(
            Lookup::read("8 (916) 123-45-67").phone_digits.as_deref(),
            Some("79161234567")
        );
        assert_eq!(
            Lookup::read("+7 916 123 45 67").phone_digits.as_deref(),
            Some("79161234567")
        );
        // No country code: the digits as written, found inside the stored number.
        assert_eq!(
            Lookup::read("916 123-45-67").phone_digits.as_deref(),
            Some("9161234567")
        );
        assert_eq!(Lookup::read("45-67").phone_digits, None, "too short");
        assert_eq!(Lookup::read("printer 12345").phone_digits, None);
    }

    #[test]
    fn inns_and_addresses() {
        let inn = Lookup::read("7707083893");
        assert_eq!(inn.inn.as_deref(), Some("7707083893"));
        assert_eq!(inn.case_number, Some(7_707_083_893));
        assert_eq!(inn.phone_digits.as_deref(), Some("7707083893"));
        assert_eq!(
            Lookup::read("500100732259").inn.as_deref(),
            Some("500100732259")
        );
        assert_eq!(Lookup::read("77070838").inn, None);
        assert_eq!(
            Lookup::read("Ivan@Roga.test").email.as_deref(),
            Some("ivan@roga.test")
        );
        assert_eq!(Lookup::read("ivan@").email.as_deref(), Some("ivan@"));
        assert_eq!(Lookup::read("printer jam"), Lookup::default());
    }
}
