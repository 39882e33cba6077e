use super::*;

#[test]
fn templates_fill_their_holes_and_translate_what_fills_them() {
    assert_eq!(
        to_russian("is required").as_deref(),
        Some("обязательное поле")
    );
    assert_eq!(
        to_russian("length must be between 1 and 500").as_deref(),
        Some("длина должна быть от 1 до 500")
    );
    assert_eq!(
        to_russian("case not found").as_deref(),
        Some("не найдено: обращение")
    );
    assert_eq!(
        to_russian("case #1042 is closed; reopen it before changing it").as_deref(),
        Some("обращение №1042 в статусе `closed`; возобновите его, прежде чем менять")
    );
    assert_eq!(
        to_russian("`9161234567` has no country code; write it as +<country code> <number>, e.g. +7 495 123-45-67").as_deref(),
        Some("в `9161234567` нет кода страны; пишите +<код страны> <номер>, например +7 495 123-45-67")
    );
    assert_eq!(
        to_russian("`a b@c` is not an e-mail address: it contains spaces or a second `@`")
            .as_deref(),
        Some("`a b@c` — не адрес e-mail: в нём пробелы или второй `@`")
    );
    assert_eq!(to_russian("something nobody wrote"), None);
}

/// The messages the sources write: `AppError` and `DomainError` texts, field rules,
/// validator messages. Placeholders (`{name}`, `{0}`, `{:?}`) read as `{}`.
fn written_messages() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let string = r#""((?:[^"\\]|\\.)*)""#;
    let patterns = [
        format!(r"AppError::field\(\s*[^,]+,\s*(?:format!\(\s*)?{string}"),
        format!(r"\.add\(\s*[^,()]+,\s*(?:format!\(\s*)?{string}"),
        format!(
            r"AppError::(?:Conflict|Transition|Forbidden|Unauthorized|Unavailable|Upstream|TooLarge)\(\s*(?:format!\(\s*)?{string}"
        ),
        format!(r"AppError::forbidden\(\s*{string}"),
        format!(r"\bInvalid\(\s*(?:format!\(\s*)?{string}"),
        format!(r"rule:\s*(?:format!\(\s*)?{string}"),
        format!(r"#\[error\({string}\)\]"),
        format!(r"message\s*=\s*{string}"),
        format!(r"with_message\(\s*{string}"),
        format!(r"\binvalid\(\s*{string}"),
        format!(r"NotFound\(\s*{string}"),
        format!(r"not_found\(\s*{string}"),
    ];
    let patterns: Vec<regex::Regex> = patterns
        .iter()
        .map(|p| regex::Regex::new(p).unwrap())
        .collect();
    let hole = regex::Regex::new(r"\{[^{}]*\}").unwrap();
    let mut out = Vec::new();
    for krate in ["domain", "service", "api-types", "api"] {
        let mut stack = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                // The catalog and these tests quote the patterns themselves.
                let catalog =
                    path.ends_with("i18n.rs") || path.parent().is_some_and(|p| p.ends_with("i18n"));
                if path.extension().is_none_or(|e| e != "rs") || catalog {
                    continue;
                }
                let src = std::fs::read_to_string(&path).unwrap();
                let src = src.split("#[cfg(test)]").next().unwrap_or_default();
                for p in &patterns {
                    for m in p.captures_iter(src) {
                        let text = hole.replace_all(&m[1], "{}").into_owned();
                        out.push((text, path.display().to_string()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_message_the_api_writes_has_its_russian() {
    let written = written_messages();
    assert!(
        written.len() > 150,
        "the sources were read: {}",
        written.len()
    );
    let known: std::collections::HashSet<&str> = RU.iter().map(|(en, _)| *en).collect();
    let missing: Vec<String> = written
        .iter()
        .filter(|(text, _)| !known.contains(text.as_str()) && !NOT_SHOWN.contains(&text.as_str()))
        .map(|(text, file)| format!("{text:?} ({file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "messages without Russian in crates/api/src/i18n.rs:\n{}",
        missing.join("\n")
    );
    for (en, ru) in RU {
        assert_eq!(
            en.matches("{}").count(),
            ru.matches("{}").count(),
            "{en} → {ru}: the holes differ"
        );
        assert!(
            ru.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
                || en.starts_with("{}")
                || en.starts_with("`{}`"),
            "{ru} reads as Russian"
        );
    }
}
