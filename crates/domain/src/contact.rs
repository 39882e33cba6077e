//! How a contact is reached: e-mail addresses and phone numbers in one normal form.

use crate::DomainError;

/// An e-mail address, trimmed and lower-cased so that the same mailbox always compares equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim().to_lowercase();
        let invalid = |why: &str| Err(DomainError::Invalid(format!("`{text}` {why}")));
        let Some((local, domain)) = text.rsplit_once('@') else {
            return invalid("is not an e-mail address: it has no `@`");
        };
        if local.is_empty() || local.len() > 64 || text.len() > 254 {
            return invalid("is not an e-mail address: the part before `@` is empty or too long");
        }
        if local.contains('@') || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("is not an e-mail address: it contains spaces or a second `@`");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return invalid("is not an e-mail address: the domain is not valid");
        }
        Ok(Email(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 form (`+` and up to 15 digits, country code first).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts the usual ways people write numbers: spaces, dashes, dots and brackets are
    /// dropped; `00` stands for `+`; an 11-digit number starting with the Russian trunk
    /// prefix `8` becomes `+7…`. A number without a country code is refused rather than guessed.
    /// An extension after `ext`, `доб`, `x` or `;ext=` is kept in RFC 3966 form:
    /// `+74951234567;ext=12`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let (number, ext) = split_extension(input.trim())?;
        let main = Self::parse_number(number)?;
        Ok(match ext {
            Some(ext) => Phone(format!("{};ext={ext}", main.0)),
            None => main,
        })
    }

    fn parse_number(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(DomainError::Invalid("phone number is empty".into()));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_digit() || " -().+\u{a0}".contains(*c)))
        {
            return Err(DomainError::Invalid(format!(
                "`{text}` is not a phone number: `{bad}` is not allowed"
            )));
        }
        let plus = text.starts_with('+');
        if text.matches('+').count() > usize::from(plus) {
            return Err(DomainError::Invalid(format!(
                "`{text}` is not a phone number: `+` may only stand first"
            )));
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if digits.len() == 11 && digits.starts_with('8') {
            format!("7{}", &digits[1..])
        } else if digits.len() == 11 && digits.starts_with('7') {
            digits
        } else {
            return Err(DomainError::Invalid(format!(
                "`{text}` has no country code; write it as +<country code> <number>, e.g. +7 495 123-45-67"
            )));
        };
        if international.starts_with('0') || !(8..=15).contains(&international.len()) {
            return Err(DomainError::Invalid(format!(
                "`{text}` is not a valid international number (E.164 allows 8 to 15 digits after `+`, not starting with 0)"
            )));
        }
        Ok(Phone(format!("+{international}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The number and its extension (1 to 6 digits), if one is written.
fn split_extension(text: &str) -> Result<(&str, Option<String>), DomainError> {
    let lower = text.to_lowercase();
    let marker = [";ext=", "ext.", "ext", "доб.", "доб", "x"]
        .iter()
        .filter_map(|m| lower.find(m).map(|i| (i, m.len())))
        .min_by_key(|(i, _)| *i);
    let Some((at, len)) = marker else {
        return Ok((text, None));
    };
    // Offsets in the lowercased text match `text` for what a phone holds; anything else fails
    // the character check below rather than slicing off a character boundary.
    let (Some(number), Some(rest)) = (text.get(..at), text.get(at + len..)) else {
        return Ok((text, None));
    };
    let ext: String = rest.trim().trim_start_matches(['.', ':', ' ']).to_owned();
    if ext.is_empty() || ext.len() > 6 || !ext.chars().all(|c| c.is_ascii_digit()) {
        return Err(DomainError::Invalid(format!(
            "`{text}` is not a phone number: the extension must be 1 to 6 digits"
        )));
    }
    Ok((number, Some(ext)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_extension_is_kept() {
        for written in [
            "+7 (495) 123-45-67 ext 12",
            "8 495 123 45 67 доб. 12",
            "+74951234567x12",
            "+74951234567;ext=12",
        ] {
            assert_eq!(
                Phone::parse(written).unwrap().as_str(),
                "+74951234567;ext=12",
                "{written}"
            );
        }
        assert!(Phone::parse("+7 495 123-45-67 ext").is_err());
        assert!(Phone::parse("+7 495 123-45-67 доб 12a").is_err());
        assert!(Phone::parse("+7 495 123-45-67 ext 1234567").is_err());
    }

    #[test]
    fn email_is_normalised() {
        assert_eq!(
            Email::parse("  Ivan.Petrov@Example.RU ").unwrap().as_str(),
            "ivan.petrov@example.ru"
        );
        assert!(Email::parse("почта@пример.рф").is_ok());
    }

    #[test]
    fn email_refusals_say_why() {
        assert!(Email::parse("ivan")
            .unwrap_err()
            .to_string()
            .contains("no `@`"));
        assert!(Email::parse("@example.com").is_err());
        assert!(Email::parse("ivan@localhost")
            .unwrap_err()
            .to_string()
            .contains("domain"));
        assert!(Email::parse("iv an@example.com").is_err());
        assert!(Email::parse("ivan@-example.com").is_err());
        assert!(Email::parse("a@b@example.com").is_err());
    }

    #[test]
    fn phones_become_e164() {
        let cases = [
            ("+7 (495) 123-45-67", "+74951234567"),
            ("8 916 123 45 67", "+79161234567"),
            ("79161234567", "+79161234567"),
            ("0044 20 7946 0958", "+442079460958"),
            ("+55 11 98765-4321", "+5511987654321"),
            ("+34 912.345.678", "+34912345678"),
        ];
        for (input, expected) in cases {
            assert_eq!(Phone::parse(input).unwrap().as_str(), expected, "{input}");
        }
    }

    #[test]
    fn bad_phones_are_refused_with_a_reason() {
        assert!(Phone::parse("495 123 45 67")
            .unwrap_err()
            .to_string()
            .contains("country code"));
        assert!(Phone::parse("+7 495 CALL-NOW")
            .unwrap_err()
            .to_string()
            .contains("not allowed"));
        assert!(Phone::parse("+1234")
            .unwrap_err()
            .to_string()
            .contains("E.164"));
        assert!(Phone::parse("+0123456789").is_err());
        assert!(Phone::parse("+7 495 +123").is_err());
        assert!(Phone::parse("").is_err());
    }
}
