//! Russian taxpayer identifiers: INN (ИНН) with its check digits, and KPP (КПП) by its format.

use crate::DomainError;

/// A taxpayer number whose check digits are right: 10 digits for organizations,
/// 12 for individuals and sole proprietors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Inn(String);

const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum % 11 % 10
}

impl Inn {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if !text.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::Invalid("INN must contain digits only".into()));
        }
        let d: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
        let valid = match d.len() {
            10 => check_digit(&d[..9], &W10) == d[9],
            12 => check_digit(&d[..10], &W11) == d[10] && check_digit(&d[..11], &W12) == d[11],
            _ => {
                return Err(DomainError::Invalid(
                    "INN must have 10 digits (organization) or 12 digits (individual)".into(),
                ))
            }
        };
        if valid {
            Ok(Inn(text.to_owned()))
        } else {
            Err(DomainError::Invalid("INN check digits do not match".into()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an organization's (10-digit) number; only those have a KPP.
    pub fn is_organization(&self) -> bool {
        self.0.len() == 10
    }
}

/// A tax registration reason code: 4 digits of the tax office, 2 of the reason (digits or
/// capital Latin letters), 3 digits of the serial number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kpp(String);

impl Kpp {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        let b = text.as_bytes();
        let ok = b.len() == 9
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4..6]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            && b[6..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Kpp(text.to_owned()))
        } else {
            Err(DomainError::Invalid(
                "KPP must be 9 characters: 4 digits, 2 digits or capital letters, 3 digits".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Builds a valid 10-digit INN from its first nine digits (demo data and tests use it).
pub fn inn10_with_check_digit(first_nine: &str) -> Option<String> {
    let d: Vec<u32> = first_nine
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    (d.len() == 9).then(|| format!("{first_nine}{}", check_digit(&d, &W10)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_organization_inns() {
        // Public registry numbers of well-known organizations.
        for inn in ["7707083893", "7736207543", "7830002293"] {
            assert!(Inn::parse(inn).is_ok(), "{inn}");
            assert!(Inn::parse(inn).is_ok_and(|i| i.is_organization()));
        }
    }

    #[test]
    fn accepts_a_valid_individual_inn() {
        let inn = Inn::parse("500100732259").expect("valid 12-digit INN");
        assert!(!inn.is_organization());
    }

    #[test]
    fn refuses_a_wrong_check_digit() {
        let err = Inn::parse("7707083894").unwrap_err();
        assert_eq!(err.to_string(), "INN check digits do not match");
        assert!(Inn::parse("500100732258").is_err());
        assert!(Inn::parse("500100732269").is_err());
    }

    #[test]
    fn refuses_wrong_lengths_and_letters() {
        assert!(Inn::parse("770708389")
            .unwrap_err()
            .to_string()
            .contains("10 digits"));
        assert!(Inn::parse("77070838931").is_err());
        assert!(Inn::parse("77070838a3")
            .unwrap_err()
            .to_string()
            .contains("digits only"));
        assert!(Inn::parse("").is_err());
    }

    #[test]
    fn check_digit_builder_makes_valid_numbers() {
        for seed in ["770708389", "123456789", "000000001", "987654321"] {
            let inn = inn10_with_check_digit(seed).unwrap();
            assert!(Inn::parse(&inn).is_ok(), "{inn}");
        }
        assert_eq!(inn10_with_check_digit("77070838"), None);
    }

    #[test]
    fn kpp_format() {
        assert!(Kpp::parse("773601001").is_ok());
        assert!(Kpp::parse("7736AB001").is_ok());
        assert!(Kpp::parse("7736ab001").is_err());
        assert!(Kpp::parse("77360100").is_err());
        assert!(Kpp::parse("A73601001").is_err());
        assert!(Kpp::parse("773601B01").is_err());
    }
}
