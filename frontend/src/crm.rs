//! CRM screens: organizations, contacts, products and contracts — list, detail with related
//! cases, create and edit. One form component drives every record from a field list.

use helpdesk_api_types::cases::CasePage;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};

use crate::api::{self, enc, ApiError};
use crate::i18n::{self, Lang};
use crate::new_case::{inn_error, kpp_error};
use crate::route::{router, Link, Route};
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Field, Load};

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    LongText,
    /// A list of strings, one per line (emails, phones).
    Lines,
    Bool,
    /// A number (an id, a port, a line).
    Id,
    /// A list of numbers, separated by commas or spaces (member ids).
    Ids,
    Date,
    /// One of the API's values (a select).
    Choice(&'static [&'static str]),
    /// Write-only: shown empty; left empty it is not sent, so the stored one stays.
    Password,
}

/// When a field is part of the form.
#[derive(Clone, Copy, PartialEq)]
pub enum When {
    Always,
    /// Set on creation only (shown read-only when editing).
    Create,
    /// Only when editing (the create body does not take it).
    Edit,
}

#[derive(Clone, Copy)]
pub struct Spec {
    pub key: &'static str,
    pub en: &'static str,
    pub ru: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub when: When,
}

pub const fn f(key: &'static str, en: &'static str, ru: &'static str, kind: Kind) -> Spec {
    Spec {
        key,
        en,
        ru,
        kind,
        required: false,
        when: When::Always,
    }
}

pub const fn req(key: &'static str, en: &'static str, ru: &'static str, kind: Kind) -> Spec {
    Spec {
        key,
        en,
        ru,
        kind,
        required: true,
        when: When::Always,
    }
}

impl Spec {
    pub const fn only(self, when: When) -> Spec {
        Spec { when, ..self }
    }
}

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
        "Parent organization id",
        "Id головной организации",
        Kind::Id,
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
        "Organization id",
        "Id организации",
        Kind::Id,
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
    req(
        "organization_id",
        "Organization id",
        "Id организации",
        Kind::Id,
    ),
    req("product_id", "Product id", "Id продукта", Kind::Id),
    req("number", "Number", "Номер", Kind::Text),
    req("starts_on", "Starts on", "Начало", Kind::Date),
    f("ends_on", "Ends on", "Окончание", Kind::Date),
    f("active", "Active", "Действует", Kind::Bool),
];

fn as_text(v: Option<&Value>, kind: Kind) -> String {
    match (v, kind) {
        (_, Kind::Password) => String::new(),
        (Some(Value::Array(a)), Kind::Ids) => a
            .iter()
            .filter_map(Value::as_i64)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        (Some(Value::Array(a)), _) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        (Some(Value::String(s)), _) => s.clone(),
        (Some(Value::Number(n)), _) => n.to_string(),
        (Some(Value::Bool(b)), _) => b.to_string(),
        _ => String::new(),
    }
}

fn to_value(text: &str, kind: Kind) -> Value {
    let t = text.trim();
    match kind {
        Kind::Lines => json!(t
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()),
        Kind::Bool => json!(t == "true"),
        Kind::Id => t.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        // Not a number: sent as text, so the API names the field.
        Kind::Ids => json!(t
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|x| !x.is_empty())
            .map(|x| x
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(x)))
            .collect::<Vec<_>>()),
        _ if t.is_empty() => Value::Null,
        _ => json!(t),
    }
}

/// A form over a record: creates (POST) or edits (PATCH with the changed fields only, or PUT
/// with every field when the API replaces records).
#[component]
pub fn RecordForm(
    specs: &'static [Spec],
    #[prop(optional)] initial: Option<Value>,
    /// POST here when there is no `initial`, else PATCH (or PUT).
    path: String,
    on_saved: Callback<Value>,
    test: &'static str,
    /// Edits replace the record (PUT with every field) instead of patching it.
    #[prop(optional)]
    replace: bool,
) -> impl IntoView {
    let l = lang();
    let values: Vec<RwSignal<String>> = specs
        .iter()
        .map(|s| match &initial {
            Some(v) => RwSignal::new(as_text(v.get(s.key), s.kind)),
            // New products and contracts start active.
            None if s.key == "active" => RwSignal::new("true".to_owned()),
            // A required choice starts at its first value, as the select shows it.
            None => match s.kind {
                Kind::Choice(options) if s.required => {
                    RwSignal::new(options.first().copied().unwrap_or_default().to_owned())
                }
                _ => RwSignal::new(String::new()),
            },
        })
        .collect();
    let errors = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let editing = initial.is_some();
    let initial = StoredValue::new(initial);
    let vals = StoredValue::new(values.clone());
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lg = l.get_untracked();
        let mut body = Map::new();
        let mut local = std::collections::BTreeMap::new();
        for (s, v) in specs.iter().zip(vals.get_value()) {
            let skip = match s.when {
                When::Always => false,
                When::Create => editing,
                When::Edit => !editing,
            };
            if skip {
                continue;
            }
            let text = v.get_untracked();
            let value = to_value(&text, s.kind);
            if s.kind == Kind::Password && value.is_null() {
                continue;
            }
            if s.required && value.is_null() {
                local.insert(
                    s.key.to_owned(),
                    tr!(lg, "Required", "Обязательное поле").to_owned(),
                );
            }
            if s.key == "inn" {
                if let Some(e) = inn_error(lg, &text) {
                    local.insert("inn".into(), e);
                }
            }
            if s.key == "kpp" {
                if let Some(e) = kpp_error(lg, &text) {
                    local.insert("kpp".into(), e);
                }
            }
            let before = initial.with_value(|i| {
                i.as_ref()
                    .map(|i| to_value(&as_text(i.get(s.key), s.kind), s.kind))
            });
            let changed = before.as_ref() != Some(&value) && !(before.is_none() && value.is_null());
            if changed || (editing && replace) {
                body.insert(s.key.to_owned(), value);
            }
        }
        errors.set(local.clone());
        if !local.is_empty() || (editing && body.is_empty()) {
            return;
        }
        busy.set(true);
        let path = path.clone();
        spawn_local(async move {
            let body = Value::Object(body);
            let r: Result<Value, ApiError> = if editing && replace {
                api::put(&path, &body).await
            } else if editing {
                api::patch(&path, &body).await
            } else {
                api::post(&path, &body).await
            };
            busy.set(false);
            match r {
                Ok(v) => {
                    toasts().push(tr!(lg, "Saved.", "Сохранено.").to_owned(), None, false);
                    if let Some(to) = v["portal_invitation"]["email"].as_str() {
                        toasts().push(invited(lg, to), None, false);
                    }
                    on_saved.run(v);
                }
                Err(e) => {
                    let map = e.field_errors();
                    if map.is_empty() {
                        toasts().push(e.message(), None, true);
                    }
                    errors.set(map);
                }
            }
        });
    };
    view! {
        <form class="form record" data-test=test on:submit=save novalidate>
            {specs.iter().zip(values).filter(move |(s, _)| editing || s.when != When::Edit).map(|(s, v)| {
                let s = *s;
                let label = Signal::derive(move || tr!(l.get(), s.en, s.ru));
                let error = Signal::derive(move || errors.with(|e| e.get(s.key).cloned()));
                let fixed = editing && s.when == When::Create;
                let input = match s.kind {
                    _ if fixed => view! { <input name=s.key prop:value=v readonly/> }.into_any(),
                    Kind::Choice(options) => view! {
                        <select name=s.key prop:value=v on:change=move |ev| v.set(event_target_value(&ev))>
                            {(!s.required).then(|| view! { <option value="">"—"</option> })}
                            {options.iter().map(|o| view! { <option value=*o selected=move || v.get() == *o>{move || i18n::code(l.get(), o)}</option> }).collect_view()}
                        </select>
                    }.into_any(),
                    Kind::Password => view! {
                        <input type="password" name=s.key autocomplete="new-password"
                            placeholder=move || if editing { tr!(l.get(), "unchanged", "без изменений") } else { "" }
                            prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/>
                    }.into_any(),
                    Kind::Ids => view! { <input name=s.key inputmode="numeric" prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/> }.into_any(),
                    Kind::LongText | Kind::Lines => view! {
                        <textarea name=s.key rows="3" prop:value=v on:input=move |ev| v.set(event_target_value(&ev))></textarea>
                    }.into_any(),
                    Kind::Bool => view! {
                        <input type="checkbox" name=s.key prop:checked=move || v.get() == "true"
                            on:change=move |ev| v.set(event_target_checked(&ev).to_string())/>
                    }.into_any(),
                    Kind::Date => view! { <input type="date" name=s.key prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/> }.into_any(),
                    Kind::Id => view! { <input type="number" name=s.key prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/> }.into_any(),
                    Kind::Text => view! { <input name=s.key prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/> }.into_any(),
                };
                view! { <Field label required=s.required error>{input}</Field> }
            }).collect_view()}
            <button type="submit" data-test="save" disabled=move || busy.get()>{move || tr!(l.get(), "Save", "Сохранить")}</button>
        </form>
    }
}

/// Which directory a list shows.
#[derive(Clone, Copy, PartialEq)]
pub enum Dir {
    Organizations,
    Contacts,
    Products,
    Contracts,
}

impl Dir {
    fn path(self) -> &'static str {
        match self {
            Dir::Organizations => "/api/v1/organizations",
            Dir::Contacts => "/api/v1/contacts",
            Dir::Products => "/api/v1/products",
            Dir::Contracts => "/api/v1/contracts",
        }
    }
    fn title(self, l: Lang) -> &'static str {
        match self {
            Dir::Organizations => tr!(l, "Organizations", "Организации"),
            Dir::Contacts => tr!(l, "Contacts", "Контакты"),
            Dir::Products => tr!(l, "Products", "Продукты"),
            Dir::Contracts => tr!(l, "Contracts", "Договоры"),
        }
    }
    fn specs(self) -> &'static [Spec] {
        match self {
            Dir::Organizations => ORGANIZATION,
            Dir::Contacts => CONTACT,
            Dir::Products => PRODUCT,
            Dir::Contracts => CONTRACT,
        }
    }
    fn searchable(self) -> bool {
        matches!(self, Dir::Organizations | Dir::Contacts)
    }
    fn row(self, l: Lang, v: &Value) -> (Option<Route>, Vec<String>) {
        let s = |k: &str| as_text(v.get(k), Kind::Text);
        let id = v["id"].as_i64().unwrap_or_default();
        match self {
            Dir::Organizations => (
                Some(Route::Organization(id)),
                vec![
                    s("name"),
                    s("inn"),
                    s("kpp"),
                    as_text(v.get("phones"), Kind::Lines),
                ],
            ),
            Dir::Contacts => (
                Some(Route::Contact(id)),
                vec![
                    format!("{} {}", s("first_name"), s("last_name")),
                    as_text(v.get("emails"), Kind::Lines),
                    as_text(v.get("phones"), Kind::Lines),
                    if v["portal_access"] == json!(true) {
                        tr!(l, "portal", "портал").to_owned()
                    } else {
                        String::new()
                    },
                ],
            ),
            Dir::Products => (
                Some(Route::Product(id)),
                vec![
                    s("name"),
                    v["components"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .filter_map(|x| x["name"].as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default(),
                    if v["active"] == json!(true) {
                        tr!(l, "active", "активен").to_owned()
                    } else {
                        tr!(l, "inactive", "неактивен").to_owned()
                    },
                ],
            ),
            Dir::Contracts => (
                Some(Route::Contract(id)),
                vec![
                    s("number"),
                    format!("#{}", s("organization_id")),
                    format!("#{}", s("product_id")),
                    format!("{} — {}", s("starts_on"), s("ends_on")),
                    if v["in_force"] == json!(true) {
                        tr!(l, "in force", "действует").to_owned()
                    } else {
                        tr!(l, "not in force", "не действует").to_owned()
                    },
                ],
            ),
        }
    }
}

#[component]
pub fn DirectoryPage(dir: Dir) -> impl IntoView {
    let l = lang();
    let q = RwSignal::new(String::new());
    let items = RwSignal::new(Vec::<Value>::new());
    let next = RwSignal::new(None::<String>);
    let state = RwSignal::new(Load::<()>::Loading);
    let creating = RwSignal::new(false);
    let fetch = move |more: bool| {
        let mut path = format!("{}?limit=50", dir.path());
        if dir.searchable() && !q.get_untracked().trim().is_empty() {
            path.push_str(&format!("&q={}", enc(q.get_untracked().trim())));
        }
        if more {
            match next.get_untracked() {
                Some(c) => path.push_str(&format!("&cursor={}", enc(&c))),
                None => return,
            }
        }
        spawn_local(async move {
            match api::get::<Value>(&path).await {
                Ok(page) => {
                    let list = page["items"].as_array().cloned().unwrap_or_default();
                    if more {
                        items.update(|i| i.extend(list));
                    } else {
                        items.set(list);
                    }
                    next.set(page["next_cursor"].as_str().map(str::to_owned));
                    state.set(Load::Ready(()));
                }
                Err(e) => state.set(Load::Failed(e.message())),
            }
        });
    };
    fetch(false);
    let r = router();
    view! {
        <section class="card">
            <header class="row-head">
                <h1>{move || dir.title(l.get())}</h1>
                <button data-test="create" on:click=move |_| match dir {
                    Dir::Organizations => r.go(Route::NewOrganization),
                    Dir::Contacts => r.go(Route::NewContact),
                    _ => creating.update(|c| *c = !*c),
                }>{move || tr!(l.get(), "New", "Создать")}</button>
            </header>
            {move || creating.get().then(|| view! {
                <RecordForm specs=dir.specs() path=dir.path().to_owned() test="create-form"
                    on_saved=Callback::new(move |_| { creating.set(false); fetch(false); })/>
            })}
            {dir.searchable().then(|| view! {
                <form class="filters" on:submit=move |ev| { ev.prevent_default(); fetch(false); }>
                    <input type="search" data-test="directory-search" aria-label=move || tr!(l.get(), "Search", "Поиск")
                        placeholder=move || tr!(l.get(), "Name, INN, email…", "Название, ИНН, эл. почта…")
                        prop:value=q on:input=move |ev| q.set(event_target_value(&ev))/>
                    <button type="submit">{move || tr!(l.get(), "Search", "Найти")}</button>
                </form>
            })}
            {move || match state.get() {
                Load::Ready(()) => view! {
                    <table data-test="directory">
                        <tbody>
                            {move || items.get().iter().map(|v| {
                                let (to, cells) = dir.row(l.get(), v);
                                let first = cells.first().cloned().unwrap_or_default();
                                view! {
                                    <tr data-test="directory-row">
                                        <td>{match to { Some(to) => view! { <Link to>{first}</Link> }.into_any(), None => first.into_any() }}</td>
                                        {cells.into_iter().skip(1).map(|c| view! { <td>{c}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {move || next.get().is_some().then(|| view! { <button class="more" on:click=move |_| fetch(true)>{tr!(l.get(), "Load more", "Показать ещё")}</button> })}
                }.into_any(),
                other => pending(&other, move || fetch(false)),
            }}
        </section>
    }
}

#[component]
pub fn NewRecordPage(dir: Dir) -> impl IntoView {
    let l = lang();
    let r = router();
    view! {
        <section class="card">
            <h1>{move || match dir { Dir::Organizations => tr!(l.get(), "New organization", "Новая организация"), _ => tr!(l.get(), "New contact", "Новый контакт") }}</h1>
            <RecordForm specs=dir.specs() path=dir.path().to_owned() test="record-form"
                on_saved=Callback::new(move |v: Value| {
                    let id = v["id"].as_i64().unwrap_or_default();
                    r.go(if dir == Dir::Organizations { Route::Organization(id) } else { Route::Contact(id) });
                })/>
        </section>
    }
}

/// An organization or a contact: its fields (editable), and its cases; for an organization also
/// its contacts and contracts.
#[component]
pub fn RecordPage(dir: Dir, id: i64) -> impl IntoView {
    let l = lang();
    let record = Fetch::<Value>::new(format!("{}/{id}", dir.path()));
    let editing = RwSignal::new(false);
    view! {
        {move || match record.get() {
            Load::Ready(v) => {
                let lg = l.get();
                let title = match dir {
                    Dir::Organizations | Dir::Products => as_text(v.get("name"), Kind::Text),
                    Dir::Contracts => format!("{} {}", tr!(lg, "Contract", "Договор"), as_text(v.get("number"), Kind::Text)),
                    Dir::Contacts => format!("{} {}", as_text(v.get("first_name"), Kind::Text), as_text(v.get("last_name"), Kind::Text)),
                };
                // The cases that belong here; a contract's are its organization's cases of its
                // product.
                let query = match dir {
                    Dir::Organizations => format!("organization_id={id}"),
                    Dir::Contacts => format!("requester_id={id}"),
                    Dir::Products => format!("product_id={id}"),
                    Dir::Contracts => format!(
                        "organization_id={}&product_id={}",
                        v["organization_id"].as_i64().unwrap_or_default(),
                        v["product_id"].as_i64().unwrap_or_default()
                    ),
                };
                let v2 = v.clone();
                view! {
                    <div class="case-page">
                        <section class="card case-main">
                            <h1 data-test="record-title">{title}</h1>
                            <button data-test="edit" on:click=move |_| editing.update(|e| *e = !*e)>{tr!(lg, "Edit", "Изменить")}</button>
                            {move || if editing.get() {
                                view! { <RecordForm specs=dir.specs() initial=v2.clone() path=format!("{}/{id}", dir.path()) test="record-form"
                                    on_saved=Callback::new(move |_| { editing.set(false); record.reload(); })/> }.into_any()
                            } else {
                                view! {
                                    <dl class="facts" data-test="record">
                                        {dir.specs().iter().map(|s| {
                                            let text = as_text(v2.get(s.key), s.kind);
                                            view! { <dt>{tr!(l.get(), s.en, s.ru)}</dt><dd>{if text.is_empty() { "—".to_owned() } else { text }}</dd> }
                                        }).collect_view()}
                                    </dl>
                                }.into_any()
                            }}
                            {(dir == Dir::Contacts && v["portal_access"] == json!(true)).then(|| view! { <InviteButton id/> })}
                            <h2>{tr!(lg, "Cases", "Обращения")}</h2>
                            <RecordCases query/>
                        </section>
                        {(dir == Dir::Organizations).then(|| view! { <OrgSide id/> })}
                    </div>
                }.into_any()
            }
            other => pending(&other, move || record.reload()),
        }}
    }
}

fn invited(l: Lang, to: &str) -> String {
    format!(
        "{} {to}.",
        tr!(
            l,
            "Invitation to the portal sent to",
            "Приглашение в портал отправлено на"
        )
    )
}

/// Mails a contact with portal access a new invitation link.
#[component]
fn InviteButton(id: i64) -> impl IntoView {
    let l = lang();
    let busy = RwSignal::new(false);
    let send = move |_| {
        busy.set(true);
        let lg = l.get_untracked();
        spawn_local(async move {
            match api::post_empty::<Value>(&format!("/api/v1/contacts/{id}/invitation")).await {
                Ok(v) => toasts().push(
                    invited(lg, v["email"].as_str().unwrap_or_default()),
                    None,
                    false,
                ),
                Err(e) => toasts().push(e.message(), None, true),
            }
            busy.set(false);
        });
    };
    view! {
        <button data-test="invite" disabled=move || busy.get() on:click=send
            title=move || tr!(l.get(), "A new single-use link to choose a password; older links stop working", "Новая одноразовая ссылка для выбора пароля; старые ссылки перестают действовать")>
            {move || tr!(l.get(), "Send portal invitation", "Отправить приглашение в портал")}
        </button>
    }
}

/// The cases of a record, newest first, in every status.
#[component]
fn RecordCases(query: String) -> impl IntoView {
    let l = lang();
    let cases = Fetch::<CasePage>::new(format!(
        "/api/v1/cases?{query}&status=new,open,awaiting_customer,information_requested,on_hold,resolved,closed,rejected&limit=20"
    ));
    move || {
        cases.value().map(|p| {
            view! {
                <ul data-test="record-cases">
                    {p.items.into_iter().map(|c| view! {
                        <li><Link to=Route::Case(c.id)>"#" {c.number} " " {c.subject}</Link> " · " {i18n::status(l.get(), c.status)} " · " {when(l.get(), c.created_at)}</li>
                    }).collect_view()}
                </ul>
            }
        })
    }
}

#[component]
fn OrgSide(id: i64) -> impl IntoView {
    let l = lang();
    let contacts = Fetch::<Value>::new(format!("/api/v1/contacts?organization_id={id}&limit=50"));
    let contracts = Fetch::<Value>::new(format!("/api/v1/contracts?organization_id={id}&limit=50"));
    view! {
        <aside class="case-side">
            <section class="card">
                <h2>{move || tr!(l.get(), "Contacts", "Контакты")}</h2>
                <ul>{move || contacts.value().map(|p| p["items"].as_array().cloned().unwrap_or_default().into_iter().map(|c| {
                    let cid = c["id"].as_i64().unwrap_or_default();
                    view! { <li><Link to=Route::Contact(cid)>{format!("{} {}", c["first_name"].as_str().unwrap_or(""), c["last_name"].as_str().unwrap_or(""))}</Link></li> }
                }).collect_view())}</ul>
            </section>
            <section class="card">
                <h2>{move || tr!(l.get(), "Contracts", "Договоры")}</h2>
                <ul>{move || contracts.value().map(|p| p["items"].as_array().cloned().unwrap_or_default().into_iter().map(|c| view! {
                    <li>{c["number"].as_str().unwrap_or("").to_owned()} " · " {c["starts_on"].as_str().unwrap_or("").to_owned()}
                        {if c["in_force"] == json!(true) { tr!(l.get(), " · in force", " · действует") } else { "" }}</li>
                }).collect_view())}</ul>
            </section>
        </aside>
    }
}
