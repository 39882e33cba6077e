//! Every string the SPA shows, in English and Russian. A struct (not a map) so that a missing
//! translation is a compile error.

use helpdesk_api_types::{CaseStatus, Priority};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub fn from_code(code: &str) -> Lang {
        if code.to_lowercase().starts_with("ru") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ru,
            Lang::Ru => Lang::En,
        }
    }
}

pub struct Text {
    pub app_title: &'static str,
    pub portal_title: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub sign_out: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub cases: &'static str,
    pub my_cases: &'static str,
    pub number: &'static str,
    pub subject: &'static str,
    pub status: &'static str,
    pub priority: &'static str,
    pub updated: &'static str,
    pub no_cases: &'static str,
    pub loading: &'static str,
    pub failed: &'static str,
    pub switch_language: &'static str,
    pub signed_in_as: &'static str,
    pub notifications: &'static str,
    pub no_notifications: &'static str,
    pub mark_all_read: &'static str,
    pub sla: &'static str,
    pub sla_due: &'static str,
    pub sla_breached: &'static str,
    pub sla_paused: &'static str,
    pub sla_met: &'static str,
}

const EN: Text = Text {
    app_title: "Helpdesk",
    portal_title: "Customer portal",
    sign_in: "Sign in",
    signing_in: "Signing in…",
    sign_out: "Sign out",
    email: "E-mail",
    password: "Password",
    cases: "Cases",
    my_cases: "My cases",
    number: "No.",
    subject: "Subject",
    status: "Status",
    priority: "Priority",
    updated: "Updated",
    no_cases: "No cases yet.",
    loading: "Loading…",
    failed: "Could not load",
    switch_language: "Русский",
    signed_in_as: "Signed in as",
    notifications: "Notifications",
    no_notifications: "Nothing new.",
    mark_all_read: "Mark all read",
    sla: "SLA",
    sla_due: "due",
    sla_breached: "Breached",
    sla_paused: "Paused",
    sla_met: "Met",
};

const RU: Text = Text {
    app_title: "Служба поддержки",
    portal_title: "Клиентский портал",
    sign_in: "Войти",
    signing_in: "Вход…",
    sign_out: "Выйти",
    email: "Эл. почта",
    password: "Пароль",
    cases: "Обращения",
    my_cases: "Мои обращения",
    number: "№",
    subject: "Тема",
    status: "Статус",
    priority: "Приоритет",
    updated: "Обновлено",
    no_cases: "Обращений пока нет.",
    loading: "Загрузка…",
    failed: "Не удалось загрузить",
    switch_language: "English",
    signed_in_as: "Вы вошли как",
    notifications: "Уведомления",
    no_notifications: "Ничего нового.",
    mark_all_read: "Отметить все прочитанными",
    sla: "SLA",
    sla_due: "срок",
    sla_breached: "Просрочено",
    sla_paused: "Пауза",
    sla_met: "Выполнено",
};

pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Ru => &RU,
    }
}

pub fn status(lang: Lang, s: CaseStatus) -> &'static str {
    use CaseStatus::*;
    match (lang, s) {
        (Lang::En, New) => "New",
        (Lang::En, Open) => "Open",
        (Lang::En, AwaitingCustomer) => "Awaiting customer",
        (Lang::En, InformationRequested) => "Information requested",
        (Lang::En, OnHold) => "On hold",
        (Lang::En, Resolved) => "Resolved",
        (Lang::En, Closed) => "Closed",
        (Lang::En, Rejected) => "Rejected",
        (Lang::En, Merged) => "Merged",
        (Lang::Ru, New) => "Новое",
        (Lang::Ru, Open) => "В работе",
        (Lang::Ru, AwaitingCustomer) => "Ожидает ответа клиента",
        (Lang::Ru, InformationRequested) => "На запросе информации",
        (Lang::Ru, OnHold) => "Приостановлено",
        (Lang::Ru, Resolved) => "Решено",
        (Lang::Ru, Closed) => "Закрыто",
        (Lang::Ru, Rejected) => "Отклонено",
        (Lang::Ru, Merged) => "Объединено",
    }
}

pub fn priority(lang: Lang, p: Priority) -> &'static str {
    use Priority::*;
    match (lang, p) {
        (Lang::En, Low) => "Low",
        (Lang::En, Normal) => "Normal",
        (Lang::En, High) => "High",
        (Lang::En, Urgent) => "Urgent",
        (Lang::Ru, Low) => "Низкий",
        (Lang::Ru, Normal) => "Обычный",
        (Lang::Ru, High) => "Высокий",
        (Lang::Ru, Urgent) => "Срочный",
    }
}

pub fn case_type(lang: Lang, t: helpdesk_api_types::CaseType) -> &'static str {
    use helpdesk_api_types::CaseType::*;
    match (lang, t) {
        (Lang::En, Consultation) => "Consultation",
        (Lang::En, Error) => "Error",
        (Lang::En, Enhancement) => "Enhancement",
        (Lang::En, Configuration) => "Configuration",
        (Lang::Ru, Consultation) => "Консультация",
        (Lang::Ru, Error) => "Ошибка",
        (Lang::Ru, Enhancement) => "Доработка",
        (Lang::Ru, Configuration) => "Настройка",
    }
}

pub fn channel(lang: Lang, c: helpdesk_api_types::Channel) -> &'static str {
    use helpdesk_api_types::Channel::*;
    match (lang, c) {
        (Lang::En, Agent) => "Agent",
        (Lang::En, Portal) => "Portal",
        (Lang::En, Email) => "Email",
        (Lang::En, WebForm) => "Web form",
        (Lang::En, Api) => "API",
        (Lang::En, Workflow) => "Workflow",
        (Lang::En, Phone) => "Phone",
        (Lang::Ru, Agent) => "Сотрудник",
        (Lang::Ru, Portal) => "Портал",
        (Lang::Ru, Email) => "Эл. почта",
        (Lang::Ru, WebForm) => "Веб-форма",
        (Lang::Ru, Api) => "API",
        (Lang::Ru, Workflow) => "Правило",
        (Lang::Ru, Phone) => "Телефон",
    }
}

/// The label of a value the API names by a code (in selects and checkboxes of the admin
/// screens); the code itself when there is none.
pub fn code(lang: Lang, code: &str) -> String {
    if let Ok(s) = CaseStatus::parse(code) {
        return status(lang, s).to_owned();
    }
    if let Ok(p) = Priority::parse(code) {
        return priority(lang, p).to_owned();
    }
    if let Ok(t) = helpdesk_api_types::CaseType::parse(code) {
        return case_type(lang, t).to_owned();
    }
    if let Ok(c) = helpdesk_api_types::Channel::parse(code) {
        return channel(lang, c).to_owned();
    }
    const CODES: &[(&str, &str, &str)] = &[
        ("admin", "Administrator", "Администратор"),
        ("en", "English", "Английский"),
        ("ru", "Russian", "Русский"),
        ("manual", "By hand", "Вручную"),
        ("round_robin", "In turn (round-robin)", "По очереди"),
        ("least_busy", "To the least busy", "Наименее загруженному"),
        ("tls", "TLS", "TLS"),
        ("starttls", "STARTTLS", "STARTTLS"),
        ("none", "None", "Без защиты"),
        ("case_created", "A case is created", "Создано обращение"),
        ("case_updated", "A case is changed", "Изменено обращение"),
        ("message_received", "A customer writes", "Пишет клиент"),
        ("status_changed", "The status changes", "Меняется статус"),
        (
            "sla_warning",
            "An SLA target is near",
            "Приближается срок SLA",
        ),
        (
            "sla_breached",
            "An SLA target is missed",
            "Нарушен срок SLA",
        ),
        ("time_in_status", "Time in a status", "Время в статусе"),
        ("status", "Status", "Статус"),
        ("priority", "Priority", "Приоритет"),
        ("case_type", "Type", "Тип"),
        ("channel", "Channel", "Канал"),
        ("team_id", "Team id", "Id группы"),
        ("assignee_id", "Assignee id", "Id исполнителя"),
        ("organization_id", "Organization id", "Id организации"),
        ("product_id", "Product id", "Id продукта"),
        ("support_line", "Support line", "Линия поддержки"),
        ("tags", "Tags", "Метки"),
        ("subject", "Subject", "Тема"),
        ("equals", "is", "равно"),
        ("in", "is one of", "одно из"),
        ("contains", "contains", "содержит"),
        ("changed_to", "changed to", "изменилось на"),
        (
            "assign_round_robin",
            "Assign in turn in a team",
            "Назначить по очереди в группе",
        ),
        (
            "assign_least_busy",
            "Assign to the least busy of a team",
            "Назначить наименее загруженному в группе",
        ),
        ("assign_user", "Assign to", "Назначить сотруднику"),
        ("assign_team", "Give to a team", "Передать группе"),
        ("set_priority", "Set the priority", "Задать приоритет"),
        ("set_status", "Set the status", "Задать статус"),
        ("set_type", "Set the type", "Задать тип"),
        (
            "set_support_line",
            "Move to a support line",
            "Перевести на линию",
        ),
        ("add_tags", "Add tags", "Добавить метки"),
        ("add_followers", "Add followers", "Добавить наблюдателей"),
        ("notify_users", "Notify people", "Уведомить сотрудников"),
        ("notify_team", "Notify a team", "Уведомить группу"),
        ("send_email", "Email the customer", "Написать клиенту"),
        ("escalate", "Escalate", "Эскалировать"),
        ("user_id", "User id", "Id сотрудника"),
        (
            "user_ids",
            "User ids (comma-separated)",
            "Id сотрудников (через запятую)",
        ),
        ("text", "Text", "Текст"),
        ("body", "Text", "Текст"),
        (
            "first_response_minutes",
            "First response, minutes",
            "Первый ответ, минуты",
        ),
        (
            "next_response_minutes",
            "Next response, minutes",
            "Следующий ответ, минуты",
        ),
        (
            "resolution_minutes",
            "Resolution, minutes",
            "Решение, минуты",
        ),
        ("conditions", "Condition", "Условие"),
        ("actions", "Action", "Действие"),
        ("field", "Field", "Поле"),
        ("op", "Operator", "Оператор"),
        ("value", "Value", "Значение"),
        ("type", "Kind", "Вид"),
    ];
    CODES
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, en, ru)| match lang {
            Lang::En => (*en).to_owned(),
            Lang::Ru => (*ru).to_owned(),
        })
        .unwrap_or_else(|| code.to_owned())
}

/// Whether `ru` reads as Russian: it has a Cyrillic letter, or it is one of the words both
/// languages write alike (abbreviations, protocol names, symbols).
#[cfg(test)]
pub(crate) fn reads_as_russian(en: &str, ru: &str) -> bool {
    const ALIKE: &[&str] = &[
        "SLA", "TLS", "STARTTLS", "SMTP", "IMAP", "API", "ID", "URL", "JSON", "CSV", "HTML", "INN",
        "KPP", "OGRN", "HMAC", "TOTP", "QR", "SSO", "OpenID", "E-mail", "IP", "OK",
    ];
    let letters = en.chars().filter(char::is_ascii_alphabetic).count();
    ru.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
        || letters < 2
        || ALIKE.contains(&en.trim())
        || ALIKE.contains(&ru.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `tr!(lang, "English", "Русский")` in the app whose two texts are written out: the
    /// Russian one is Russian (not an English text copied over or left for later).
    #[test]
    fn every_written_text_of_the_app_has_its_russian() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let mut checked = 0;
        let mut untranslated = vec![];
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            for (en, ru) in written_pairs(&src) {
                checked += 1;
                if !reads_as_russian(&en, &ru) {
                    untranslated.push(format!("{}: {en:?} / {ru:?}", f.display()));
                }
            }
        }
        assert!(checked > 300, "the texts were found ({checked})");
        assert!(untranslated.is_empty(), "untranslated: {untranslated:#?}");
    }

    /// The two string literals after the language in each `tr!(…)`, when both are literals;
    /// and the label pairs of tables written as `"code", "English label", "Русская подпись"`
    /// (three literals in a row: a code, then a capitalised label).
    fn written_pairs(src: &str) -> Vec<(String, String)> {
        let mut out = labelled_codes(src);
        let mut rest = src;
        while let Some(at) = rest.find("tr!(") {
            rest = &rest[at + 4..];
            // Skip the language argument (no literal and no comma inside it in this app).
            let Some(comma) = rest.find(',') else { break };
            let args = &rest[comma + 1..];
            let Some((en, after)) = literal(args) else {
                continue;
            };
            let Some(after) = after.trim_start().strip_prefix(',') else {
                continue;
            };
            if let Some((ru, _)) = literal(after) {
                out.push((en, ru));
            }
        }
        out
    }

    fn labelled_codes(src: &str) -> Vec<(String, String)> {
        let mut out = vec![];
        let mut rest = src;
        while let Some(at) = rest.find('"') {
            rest = &rest[at..];
            let Some((code, after)) = literal(rest) else {
                break;
            };
            let code_like = !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            let triple = after
                .trim_start()
                .strip_prefix(',')
                .and_then(literal)
                .and_then(|(en, after)| {
                    let after = after.trim_start().strip_prefix(',')?;
                    literal(after).map(|(ru, _)| (en, ru))
                });
            if let Some((en, ru)) = triple {
                if code_like && en.starts_with(|c: char| c.is_ascii_uppercase()) {
                    out.push((en, ru));
                }
            }
            rest = after;
        }
        out
    }

    /// A string literal at the start of `s` (after white space): its text and what follows.
    fn literal(s: &str) -> Option<(String, &str)> {
        let s = s.trim_start();
        let body = s.strip_prefix('"')?;
        let mut text = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        text.push(n);
                    }
                }
                '"' => return Some((text, &body[i + 1..])),
                c => text.push(c),
            }
        }
        None
    }

    #[test]
    fn the_scanner_reads_pairs_and_skips_the_rest() {
        let src = r#"tr!(l, "Save", "Сохранить") tr!(l.get(), "Say \"hi\"", "Скажи")
                     tr!(l, &format!("{n} cases"), "x") tr!(l, "Only", name)
                     req("first_name", "First name", "Имя", Kind::Text)
                     &["agent", "admin", "portal"] ["Monday", "Tuesday", "Wednesday"]"#;
        assert_eq!(
            written_pairs(src),
            [
                ("First name".to_owned(), "Имя".to_owned()),
                ("Save".to_owned(), "Сохранить".to_owned()),
                ("Say \"hi\"".to_owned(), "Скажи".to_owned())
            ]
        );
        assert!(!reads_as_russian("Save", "Save"));
        assert!(reads_as_russian("SLA", "SLA"));
        assert!(reads_as_russian("№", "№"));
    }

    /// Every value the app shows by its API code (roles, languages, assignment, workflow
    /// triggers, fields, operators, statuses and the rest) has a label in both languages.
    #[test]
    fn every_code_the_app_shows_has_a_label_in_both_languages() {
        let mut codes: Vec<&str> = vec!["agent", "admin", "portal", "en", "ru"];
        codes.extend(["tls", "starttls", "none"]);
        codes.extend(helpdesk_domain::assignment::AssignmentStrategy::NAMES);
        codes.extend(CaseStatus::NAMES);
        codes.extend(Priority::NAMES);
        codes.extend(helpdesk_domain::CaseType::NAMES);
        codes.extend(helpdesk_domain::Channel::NAMES);
        codes.extend(helpdesk_domain::workflow::Trigger::NAMES);
        codes.extend(helpdesk_domain::workflow::Operator::NAMES);
        codes.extend(helpdesk_domain::workflow::FIELDS);
        codes.extend(crate::admin_forms::shown_codes());
        let mut missing = vec![];
        for c in codes {
            let (en, ru) = (code(Lang::En, c), code(Lang::Ru, c));
            // Without a label, the code itself is shown in both languages.
            if (en == c && ru == c) || !reads_as_russian(&en, &ru) {
                missing.push(format!("{c}: {en:?} / {ru:?}"));
            }
        }
        assert!(missing.is_empty(), "codes without labels: {missing:#?}");
    }
}
