//! The directory pages: lists with search, a record's page with its cases, new records.

use super::*;

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
                    // Replaced by the records' names when shown (see `reference`).
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

/// The record a list's column `i` names, if it names one by id.
fn reference(dir: Dir, i: usize, v: &Value) -> Option<(Pick, i64)> {
    let (pick, key) = match (dir, i) {
        (Dir::Contracts, 1) => (Pick::Organization, "organization_id"),
        (Dir::Contracts, 2) => (Pick::Product, "product_id"),
        _ => return None,
    };
    Some((pick, v[key].as_i64()?))
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
                                        {cells.into_iter().enumerate().skip(1).map(|(i, c)| view! {
                                            <td>{match reference(dir, i, v) {
                                                Some((pick, id)) => view! { <RecordName pick id/> }.into_any(),
                                                None => c.into_any(),
                                            }}</td>
                                        }).collect_view()}
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
                                            let shown = match (s.kind, v2[s.key].as_i64()) {
                                                (Kind::Ref(pick), Some(id)) => view! { <RecordName pick id/> }.into_any(),
                                                _ if text.is_empty() => "—".into_any(),
                                                _ => text.into_any(),
                                            };
                                            view! { <dt>{tr!(l.get(), s.en, s.ru)}</dt><dd>{shown}</dd> }
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

pub(super) fn invited(l: Lang, to: &str) -> String {
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
pub(super) fn InviteButton(id: i64) -> impl IntoView {
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
pub(super) fn RecordCases(query: String) -> impl IntoView {
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
pub(super) fn OrgSide(id: i64) -> impl IntoView {
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
