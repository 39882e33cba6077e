//! The admin screens: each one's API path, columns and form fields.

use super::*;

pub(super) const TLS: Kind = Kind::Choice(&["tls", "starttls", "none"]);
pub(super) const PRIORITY: Kind = Kind::Choice(helpdesk_domain::Priority::NAMES);
pub(super) const LANGUAGE: Kind = Kind::Choice(&["en", "ru"]);

pub(super) const USER_FORM: &[Spec] = &[
    req("email", "Email", "Эл. почта", Kind::Text).only(When::Create),
    req("name", "Name", "Имя", Kind::Text),
    req(
        "role",
        "Role",
        "Роль",
        Kind::Choice(&["agent", "admin", "portal"]),
    ),
    f("password", "Password", "Пароль", Kind::Password),
    f(
        "support_line",
        "Support line (1–3)",
        "Линия поддержки (1–3)",
        Kind::Id,
    ),
    f("language", "Language", "Язык", LANGUAGE),
    f(
        "contact_id",
        "Contact (portal users)",
        "Контакт (для портала)",
        Kind::Ref(Pick::Contact),
    ),
    f("active", "Active", "Активен", Kind::Bool).only(When::Edit),
];

pub(super) const TEAM_FORM: &[Spec] = &[
    req("name", "Name", "Название", Kind::Text),
    f(
        "support_line",
        "Support line (1–3)",
        "Линия поддержки (1–3)",
        Kind::Id,
    ),
    f("description", "Description", "Описание", Kind::LongText),
    f(
        "member_ids",
        "Members",
        "Участники",
        Kind::Refs(Pick::Staff),
    ),
    f(
        "assignment",
        "Assignment",
        "Распределение",
        Kind::Choice(helpdesk_domain::assignment::AssignmentStrategy::NAMES),
    ),
];

pub(super) const MAILBOX_FORM: &[Spec] = &[
    req("name", "Name", "Название", Kind::Text),
    req("address", "Address", "Адрес", Kind::Text),
    f("imap_host", "IMAP server", "Сервер IMAP", Kind::Text),
    f("imap_port", "IMAP port", "Порт IMAP", Kind::Id),
    f("imap_tls", "IMAP security", "Защита IMAP", TLS),
    f("imap_user", "IMAP user", "Пользователь IMAP", Kind::Text),
    f(
        "imap_password",
        "IMAP password",
        "Пароль IMAP",
        Kind::Password,
    ),
    f("imap_folder", "Folder", "Папка", Kind::Text),
    f(
        "processed_folder",
        "Move processed mail to",
        "Обработанные письма в папку",
        Kind::Text,
    ),
    f("smtp_host", "SMTP server", "Сервер SMTP", Kind::Text),
    f("smtp_port", "SMTP port", "Порт SMTP", Kind::Id),
    f("smtp_tls", "SMTP security", "Защита SMTP", TLS),
    f("smtp_user", "SMTP user", "Пользователь SMTP", Kind::Text),
    f(
        "smtp_password",
        "SMTP password",
        "Пароль SMTP",
        Kind::Password,
    ),
    f(
        "default_team_id",
        "Team for new cases",
        "Группа для новых обращений",
        Kind::Ref(Pick::Team),
    ),
    f(
        "default_priority",
        "Priority of new cases",
        "Приоритет новых обращений",
        PRIORITY,
    ),
    f("auto_reply", "Auto-reply", "Автоответ", Kind::Bool),
    f(
        "auto_reply_en",
        "Auto-reply text (English)",
        "Текст автоответа (англ.)",
        Kind::LongText,
    ),
    f(
        "auto_reply_ru",
        "Auto-reply text (Russian)",
        "Текст автоответа (рус.)",
        Kind::LongText,
    ),
    f("language", "Language", "Язык", LANGUAGE),
    f(
        "trust_organization_domain",
        "Link senders to the organization of their domain",
        "Привязывать отправителей к организации по домену",
        Kind::Bool,
    ),
    f("active", "Active", "Активен", Kind::Bool),
];

pub(super) const WEBHOOK_FORM: &[Spec] = &[
    req("url", "URL", "URL", Kind::Text),
    f("description", "Description", "Описание", Kind::Text),
    f(
        "event_types",
        "Events (one per line; none: every event)",
        "События (по одному в строке; пусто — все)",
        Kind::Lines,
    ),
    f(
        "include_internal",
        "Include internal notes",
        "Передавать внутренние заметки",
        Kind::Bool,
    ),
    f("active", "Active", "Активен", Kind::Bool),
];

pub(super) const WEB_FORM_FORM: &[Spec] = &[
    req("name", "Name", "Название", Kind::Text),
    f(
        "allowed_origins",
        "Allowed sites (one per line)",
        "Разрешённые сайты (по одному в строке)",
        Kind::Lines,
    ),
    f("team_id", "Team", "Группа", Kind::Ref(Pick::Team)),
    f("priority", "Priority", "Приоритет", PRIORITY),
    f("active", "Active", "Активна", Kind::Bool),
];

pub(super) const TOKEN_FORM: &[Spec] = &[
    req("name", "Name", "Название", Kind::Text),
    req(
        "scopes",
        "Scopes (read, write, admin; one per line)",
        "Права (read, write, admin; по одному в строке)",
        Kind::Lines,
    ),
    f(
        "expires_in_days",
        "Expires in days (empty: never)",
        "Истекает через дней (пусто — никогда)",
        Kind::Id,
    ),
];

pub(super) const SCREENS: &[Screen] = &[
    Screen {
        key: "users",
        en: "Users",
        ru: "Пользователи",
        path: "/api/v1/users",
        columns: &[
            ("email", "Email", "Эл. почта"),
            ("name", "Name", "Название"),
            ("role", "Role", "Роль"),
            ("support_line", "Line", "Линия"),
            ("language", "Language", "Язык"),
            ("active", "Active", "Активен"),
        ],
        example: r#"{ "email": "agent@example.com", "name": "New Agent", "role": "agent", "support_line": 1, "password": "change-me-please" }"#,
        put: false,
        form: USER_FORM,
        nested: None,
    },
    Screen {
        key: "teams",
        en: "Teams",
        ru: "Группы",
        path: "/api/v1/teams",
        columns: &[
            ("name", "Name", "Название"),
            ("support_line", "Line", "Линия"),
            ("assignment", "Assignment", "Распределение"),
            ("member_ids", "Members", "Участники"),
        ],
        example: r#"{ "name": "First line", "support_line": 1, "member_ids": [], "assignment": "round_robin" }"#,
        put: false,
        form: TEAM_FORM,
        nested: None,
    },
    Screen {
        key: "mailboxes",
        en: "Mailboxes",
        ru: "Почтовые ящики",
        path: "/api/v1/mailboxes",
        columns: &[
            ("name", "Name", "Название"),
            ("address", "Address", "Адрес"),
            ("imap_host", "IMAP server", "Сервер IMAP"),
            ("active", "Active", "Активен"),
        ],
        example: r#"{ "name": "Support", "address": "support@example.com", "imap_host": "imap.example.com", "imap_port": 993, "imap_tls": "tls", "imap_user": "support", "imap_password": "secret" }"#,
        put: true,
        form: MAILBOX_FORM,
        nested: None,
    },
    // Its own screen (outgoing_mail.rs): filters and "Send again" instead of records and forms.
    Screen {
        key: "outgoing-mail",
        en: "Outgoing mail",
        ru: "Исходящая почта",
        path: "/api/v1/outgoing-mail",
        columns: &[],
        example: "",
        put: false,
        form: &[],
        nested: None,
    },
    // Its own screen (security_log.rs): a read-only log with filters.
    Screen {
        key: "security-log",
        en: "Security log",
        ru: "Журнал безопасности",
        path: "/api/v1/security-events",
        columns: &[],
        example: "",
        put: false,
        form: &[],
        nested: None,
    },
    Screen {
        key: "sla-policies",
        en: "SLA policies",
        ru: "Политики SLA",
        path: "/api/v1/sla-policies",
        columns: &[
            ("name", "Name", "Название"),
            ("calendar_id", "Calendar", "Календарь"),
            ("targets", "Targets", "Нормативы"),
        ],
        example: r#"{ "name": "Standard", "targets": { "normal": { "first_response_minutes": 60, "resolution_minutes": 480 } } }"#,
        put: true,
        form: &[],
        nested: Some(Nested::Sla),
    },
    Screen {
        key: "calendars",
        en: "Calendars",
        ru: "Календари",
        path: "/api/v1/calendars",
        columns: &[
            ("name", "Name", "Название"),
            ("time_zone", "Time zone", "Часовой пояс"),
        ],
        example: r#"{ "name": "Moscow office", "time_zone": "Europe/Moscow", "week": [[{ "start": "09:00", "end": "18:00" }], [{ "start": "09:00", "end": "18:00" }], [{ "start": "09:00", "end": "18:00" }], [{ "start": "09:00", "end": "18:00" }], [{ "start": "09:00", "end": "17:00" }], [], []], "holidays": [] }"#,
        put: true,
        form: &[],
        nested: Some(Nested::Calendar),
    },
    Screen {
        key: "workflow-rules",
        en: "Workflow rules",
        ru: "Правила",
        path: "/api/v1/workflow-rules",
        columns: &[
            ("name", "Name", "Название"),
            ("trigger", "Trigger", "Событие"),
            ("active", "Active", "Активен"),
            ("position", "Order", "Порядок"),
        ],
        example: r#"{ "name": "VIP cases are urgent", "trigger": "case_created", "conditions": [{ "field": "tags", "op": "contains", "value": "vip" }], "actions": [{ "type": "set_priority", "priority": "urgent" }] }"#,
        put: true,
        form: &[],
        nested: Some(Nested::Rule),
    },
    Screen {
        key: "webhooks",
        en: "Webhooks",
        ru: "Вебхуки",
        path: "/api/v1/webhooks",
        columns: &[
            ("url", "URL", "URL"),
            ("event_types", "Events", "События"),
            ("active", "Active", "Активен"),
            (
                "disabled_reason",
                "Turned off because",
                "Причина отключения",
            ),
        ],
        example: r#"{ "url": "https://example.com/hooks/helpdesk", "event_types": ["case.created"] }"#,
        put: true,
        form: WEBHOOK_FORM,
        nested: None,
    },
    Screen {
        key: "web-forms",
        en: "Web forms",
        ru: "Веб-формы",
        path: "/api/v1/web-forms",
        columns: &[
            ("name", "Name", "Название"),
            ("key", "Key", "Ключ"),
            ("allowed_origins", "Allowed origins", "Разрешённые сайты"),
            ("active", "Active", "Активен"),
        ],
        example: r#"{ "name": "Site contact form", "allowed_origins": ["https://example.com"] }"#,
        put: true,
        form: WEB_FORM_FORM,
        nested: None,
    },
    Screen {
        key: "imports",
        en: "Imports",
        ru: "Импорт",
        path: "/api/v1/imports",
        columns: &[
            ("entity", "Records", "Записи"),
            ("status", "Status", "Статус"),
            ("total_rows", "Rows", "Строк"),
            ("processed_rows", "Processed", "Обработано"),
            ("created", "Created", "Создано"),
            ("updated", "Updated", "Обновлено"),
            ("failed", "Failed", "Ошибок"),
        ],
        example: "",
        put: false,
        form: &[],
        nested: None,
    },
    Screen {
        key: "api-tokens",
        en: "API tokens",
        ru: "API-токены",
        path: "/api/v1/me/api-tokens",
        columns: &[
            ("name", "Name", "Название"),
            ("scopes", "Scopes", "Права"),
            ("last_used_at", "Last used", "Последнее использование"),
            ("expires_at", "Expires", "Истекает"),
        ],
        example: r#"{ "name": "CRM sync", "scopes": ["read"] }"#,
        put: false,
        form: TOKEN_FORM,
        nested: None,
    },
];
