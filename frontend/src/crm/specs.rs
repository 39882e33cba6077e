//! The fields of each directory's records: key, labels in both languages, kind.

use super::*;

pub const ORGANIZATION: &[Spec] = &[
    req("name", "Name", "Наименование", Kind::Text),
    f(
        "short_name",
        "Short name",
        "Краткое наименование",
        Kind::Text,
    ),
    f("inn", "INN", "ИНН", Kind::Text),
    f("kpp", "KPP", "КПП", Kind::Text),
    f("org_type", "Type", "Тип", Kind::Text),
    f("industry", "Industry", "Отрасль", Kind::Text),
    f("website", "Website", "Сайт", Kind::Text),
    f(
        "phones",
        "Phones (one per line)",
        "Телефоны (по одному в строке)",
        Kind::Lines,
    ),
    f(
        "emails",
        "Emails (one per line)",
        "Эл. адреса (по одному в строке)",
        Kind::Lines,
    ),
    f(
        "parent_id",
        "Parent organization",
        "Головная организация",
        Kind::Ref(Pick::Organization),
    ),
    f("description", "Description", "Описание", Kind::LongText),
];

pub const CONTACT: &[Spec] = &[
    req("first_name", "First name", "Имя", Kind::Text),
    req("last_name", "Last name", "Фамилия", Kind::Text),
    f(
        "emails",
        "Emails (one per line)",
        "Эл. адреса (по одному в строке)",
        Kind::Lines,
    ),
    f(
        "phones",
        "Phones (one per line)",
        "Телефоны (по одному в строке)",
        Kind::Lines,
    ),
    f(
        "organization_id",
        "Organization",
        "Организация",
        Kind::Ref(Pick::Organization),
    ),
    f("title", "Title", "Должность", Kind::Text),
    f("department", "Department", "Подразделение", Kind::Text),
    f("do_not_email", "Do not email", "Не писать", Kind::Bool),
    f("do_not_call", "Do not call", "Не звонить", Kind::Bool),
    f(
        "portal_access",
        "Portal access",
        "Доступ к порталу",
        Kind::Bool,
    ),
    f(
        "portal_sees_organization",
        "Sees the organization's cases",
        "Видит обращения организации",
        Kind::Bool,
    ),
];

pub const PRODUCT: &[Spec] = &[
    req("name", "Name", "Название", Kind::Text),
    f("description", "Description", "Описание", Kind::LongText),
    f("active", "Active", "Активен", Kind::Bool),
];

pub const CONTRACT: &[Spec] = &[
    // A contract keeps its parties: a different one is a new contract.
    req(
        "organization_id",
        "Organization",
        "Организация",
        Kind::Ref(Pick::Organization),
    )
    .only(When::Create),
    req("product_id", "Product", "Продукт", Kind::Ref(Pick::Product)).only(When::Create),
    req("number", "Number", "Номер", Kind::Text),
    req("starts_on", "Starts on", "Начало", Kind::Date),
    f("ends_on", "Ends on", "Окончание", Kind::Date),
    f("active", "Active", "Действует", Kind::Bool),
];
