//! The words of notifications and customer mails, in English and Russian.

use super::*;

/// The languages of notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    En,
    Ru,
}

impl Lang {
    pub(super) fn of(code: &str) -> Lang {
        if code.to_ascii_lowercase().starts_with("ru") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    pub(super) fn status(self, status: &str) -> &'static str {
        match (self, status) {
            (Lang::En, "new") => "new",
            (Lang::En, "open") => "open",
            (Lang::En, "awaiting_customer") => "awaiting customer",
            (Lang::En, "information_requested") => "information requested",
            (Lang::En, "on_hold") => "on hold",
            (Lang::En, "resolved") => "resolved",
            (Lang::En, "closed") => "closed",
            (Lang::En, "rejected") => "rejected",
            (Lang::En, _) => "merged",
            (Lang::Ru, "new") => "новое",
            (Lang::Ru, "open") => "в работе",
            (Lang::Ru, "awaiting_customer") => "ожидает клиента",
            (Lang::Ru, "information_requested") => "на запросе информации",
            (Lang::Ru, "on_hold") => "отложено",
            (Lang::Ru, "resolved") => "решено",
            (Lang::Ru, "closed") => "закрыто",
            (Lang::Ru, "rejected") => "отклонено",
            (Lang::Ru, _) => "объединено",
        }
    }

    pub(super) fn title(
        self,
        kind: NotificationKind,
        case: &CaseRow,
        internal: bool,
        actor: &str,
        detail: Option<&Detail>,
    ) -> String {
        let (n, s) = (case.number, &case.subject);
        let what = match (self, kind) {
            (Lang::En, NotificationKind::Assigned) => "Assigned to you".to_owned(),
            (Lang::Ru, NotificationKind::Assigned) => "Назначено вам".to_owned(),
            (Lang::En, NotificationKind::Message) if internal => "New internal note".to_owned(),
            (Lang::Ru, NotificationKind::Message) if internal => {
                "Новая внутренняя заметка".to_owned()
            }
            (Lang::En, NotificationKind::Message) => "New message".to_owned(),
            (Lang::Ru, NotificationKind::Message) => "Новое сообщение".to_owned(),
            (Lang::En, NotificationKind::Mention) => format!("{actor} mentioned you"),
            (Lang::Ru, NotificationKind::Mention) => format!("{actor} упоминает вас"),
            (Lang::En, NotificationKind::NewCase) => "New case".to_owned(),
            (Lang::Ru, NotificationKind::NewCase) => "Новое обращение".to_owned(),
            (Lang::En, NotificationKind::System) => "Notice".to_owned(),
            (Lang::Ru, NotificationKind::System) => "Уведомление".to_owned(),
            (lang, NotificationKind::Status) => match (lang, detail) {
                (Lang::En, Some(Detail::Status(to))) => format!("Status: {}", lang.status(to)),
                (Lang::Ru, Some(Detail::Status(to))) => format!("Статус: {}", lang.status(to)),
                (Lang::En, Some(Detail::Escalated(line))) => {
                    format!("Escalated to line {line}")
                }
                (Lang::Ru, Some(Detail::Escalated(line))) => {
                    format!("Передано на {line}-ю линию")
                }
                (Lang::En, Some(Detail::Merged(target))) => format!("Merged into #{target}"),
                (Lang::Ru, Some(Detail::Merged(target))) => format!("Объединено с #{target}"),
                (Lang::En, None) => "Updated".to_owned(),
                (Lang::Ru, None) => "Изменено".to_owned(),
            },
        };
        format!("[#{n}] {what}: {s}")
    }

    pub(super) fn registered_subject(self, n: i64, subject: &str) -> String {
        match self {
            Lang::En => format!("[#{n}] Your request is registered: {subject}"),
            Lang::Ru => format!("[#{n}] Ваше обращение зарегистрировано: {subject}"),
        }
    }

    pub(super) fn registered_body(self, n: i64, subject: &str, link: Option<&str>) -> String {
        let mut body = match self {
            Lang::En => format!(
                "Hello,\n\nwe have registered your request as case #{n}: {subject}\n\n\
                 To add information, reply to this email and keep [#{n}] in the subject."
            ),
            Lang::Ru => format!(
                "Здравствуйте!\n\nВаше обращение зарегистрировано под номером #{n}: {subject}\n\n\
                 Чтобы дополнить его, ответьте на это письмо, сохранив [#{n}] в теме."
            ),
        };
        if let Some(link) = link {
            body.push_str("\n\n");
            body.push_str(link);
        }
        body
    }

    pub(super) fn reply_body(self, n: i64, text: &str, link: Option<&str>) -> String {
        let footer = match self {
            Lang::En => format!("Reply to this email to answer; keep [#{n}] in the subject."),
            Lang::Ru => format!("Чтобы ответить, ответьте на это письмо, сохранив [#{n}] в теме."),
        };
        let mut body = format!("{text}\n\n-- \n{footer}");
        if let Some(link) = link {
            body.push('\n');
            body.push_str(link);
        }
        body
    }
}
