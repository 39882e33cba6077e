//! What the form checks as it is typed: INN and KPP check digits, and the phone mask.

use helpdesk_domain::{Inn, Kpp, Phone};

use crate::i18n::Lang;
use crate::tr;

/// Client-side INN check: digits, 10 or 12, check digits right.
pub fn inn_error(l: Lang, inn: &str) -> Option<String> {
    let inn = inn.trim();
    if inn.is_empty() {
        return None;
    }
    if !inn.chars().all(|c| c.is_ascii_digit()) || !(inn.len() == 10 || inn.len() == 12) {
        return Some(
            tr!(
                l,
                "INN has 10 or 12 digits",
                "ИНН состоит из 10 или 12 цифр"
            )
            .to_owned(),
        );
    }
    Inn::parse(inn).err().map(|_| {
        tr!(
            l,
            "INN check digits do not match",
            "Неверные контрольные цифры ИНН"
        )
        .to_owned()
    })
}

pub fn kpp_error(l: Lang, kpp: &str) -> Option<String> {
    let kpp = kpp.trim();
    (!kpp.is_empty() && Kpp::parse(kpp).is_err()).then(|| {
        tr!(
            l,
            "KPP is 9 characters: 4 digits, 2 digits or capital letters, 3 digits",
            "КПП — 9 знаков: 4 цифры, 2 цифры или заглавные буквы, 3 цифры"
        )
        .to_owned()
    })
}

/// The phone mask: `+7 (XXX) XXX-XX-XX` for Russian numbers (a leading 8 becomes +7, and a
/// number typed without a country code, `916…` or ten digits, is taken as Russian), `+…` for
/// others typed with their `+`; an extension after `доб`/`ext` is kept as written.
pub fn mask_phone(input: &str) -> String {
    let cut = input
        .find(|c: char| c.is_alphabetic() || c == ';')
        .unwrap_or(input.len());
    let (main, tail) = input.split_at(cut);
    let mut digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let plus = main.trim_start().starts_with('+');
    if digits.starts_with('8') && (digits.len() == 11 || !plus) {
        digits.replace_range(0..1, "7");
    } else if !plus && !digits.starts_with('7') && (digits.starts_with('9') || digits.len() == 10) {
        // A national number (a mobile starts with 9): the country code is Russia's.
        digits.insert(0, '7');
    }
    let masked = if digits.starts_with('7') {
        let d: Vec<char> = digits.chars().skip(1).take(10).collect();
        let part = |a: usize, b: usize| -> String { d.iter().skip(a).take(b - a).collect() };
        let mut out = "+7".to_owned();
        if !d.is_empty() {
            out.push_str(&format!(" ({}", part(0, 3)));
        }
        if d.len() >= 3 {
            out.push(')');
        }
        if d.len() > 3 {
            out.push_str(&format!(" {}", part(3, 6)));
        }
        if d.len() > 6 {
            out.push_str(&format!("-{}", part(6, 8)));
        }
        if d.len() > 8 {
            out.push_str(&format!("-{}", part(8, 10)));
        }
        out
    } else if digits.is_empty() {
        String::new()
    } else {
        format!("+{digits}")
    };
    if tail.is_empty() {
        masked
    } else {
        format!("{masked} {}", tail.trim_start())
    }
}

pub(super) fn phone_error(l: Lang, phone: &str) -> Option<String> {
    let p = phone.trim();
    (!p.is_empty() && Phone::parse(p).is_err()).then(|| {
        tr!(
            l,
            "Not a phone number: +7 (XXX) XXX-XX-XX, ext after “ext”",
            "Не номер телефона: +7 (XXX) XXX-XX-XX, добавочный после «доб»"
        )
        .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

    #[test]
    fn phones_are_masked_as_typed() {
        assert_eq!(mask_phone("9161234567"), "+7 (916) 123-45-67");
        assert_eq!(mask_phone("916"), "+7 (916)");
        assert_eq!(mask_phone("4951234567"), "+7 (495) 123-45-67");
        assert_eq!(
            mask_phone("84951234567 доб 12"),
            "+7 (495) 123-45-67 доб 12"
        );
        assert_eq!(mask_phone("+7 916 123 45 67"), "+7 (916) 123-45-67");
        assert_eq!(mask_phone("+380441234567"), "+380441234567");
        assert_eq!(
            mask_phone("+9123"),
            "+9123",
            "a + says the country code is typed"
        );
        assert_eq!(mask_phone(""), "");
    }
}
