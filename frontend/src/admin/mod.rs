//! Admin screens: users, teams, mailboxes, outgoing mail, the security log, SLA policies and calendars, workflow rules, webhooks
//! with their delivery log, web forms, imports and the caller's API tokens. Each lists its
//! records with the columns that matter and creates and edits them in forms: a field per
//! attribute for the flat records (users, teams, mailboxes, webhooks, web forms, tokens), and the
//! editors of `admin_forms` for the nested ones (SLA policies, calendars, workflow rules). Every
//! screen also takes JSON in the API's own format, so every field the API knows is reachable.

mod screens;

use screens::*;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::admin_forms::{Nested, NestedForm};
use crate::api::{self, ApiError};
use crate::crm::{f, req, Kind, Pick, RecordForm, Spec, When};
use crate::i18n::Lang;
use crate::route::{Link, Route};
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Load};

struct Screen {
    key: &'static str,
    en: &'static str,
    ru: &'static str,
    path: &'static str,
    /// (field, English, Russian)
    columns: &'static [(&'static str, &'static str, &'static str)],
    /// An example body for "create", in the API's format.
    example: &'static str,
    /// Records are replaced with PUT (else PATCH).
    put: bool,
    /// The fields of the form (flat records).
    form: &'static [Spec],
    /// The editor of a nested record.
    nested: Option<Nested>,
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
        other => other.to_string(),
    }
}

/// A column's cell: people by name, anything else as [`cell`] shows it.
fn column(key: &str, v: &Value) -> String {
    match (key, v) {
        ("member_ids", Value::Array(ids)) => {
            let dir = crate::agent::directory();
            ids.iter()
                .map(|id| dir.user_name(id.as_i64()))
                .collect::<Vec<_>>()
                .join(", ")
        }
        _ => cell(v),
    }
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => other["items"].as_array().cloned().unwrap_or_default(),
    }
}

/// The list of admin screens, the current one marked.
#[component]
fn AdminNav(current: &'static str) -> impl IntoView {
    let l = lang();
    view! {
        <nav class="views card" aria-label=move || tr!(l.get(), "Administration", "Администрирование")>
            <h2>{move || tr!(l.get(), "Administration", "Администрирование")}</h2>
            {SCREENS.iter().map(|s| view! {
                <Link to=Route::Admin(s.key.to_owned()) class=if s.key == current { "view active" } else { "view" }>
                    {move || tr!(l.get(), s.en, s.ru)}
                </Link>
            }).collect_view()}
        </nav>
    }
}

#[component]
pub fn AdminPage(what: String) -> impl IntoView {
    let l = lang();
    let screen = SCREENS
        .iter()
        .find(|s| s.key == what)
        .unwrap_or(&SCREENS[0]);
    if screen.key == "outgoing-mail" {
        return view! {
            <div class="workspace">
                <AdminNav current=screen.key/>
                <div>
                    <crate::outgoing_mail::OutgoingMail/>
                    <crate::received_mail::ReceivedMailProblems/>
                </div>
            </div>
        }
        .into_any();
    }
    if screen.key == "security-log" {
        return view! {
            <div class="workspace">
                <AdminNav current=screen.key/>
                <crate::security_log::SecurityLog/>
            </div>
        }
        .into_any();
    }
    let list = Fetch::<Value>::new(format!("{}?limit=100", screen.path));
    let editor = RwSignal::new(None::<(Option<i64>, String)>);
    // The form: `Some(None)` creates, `Some(Some(record))` edits.
    let form_for = RwSignal::new(None::<Option<Value>>);
    let secret = RwSignal::new(None::<String>);
    let has_form = !screen.form.is_empty() || screen.nested.is_some();
    let saved = Callback::new(move |v: Value| {
        // A token, a webhook secret or a mailbox's inbound token is shown once.
        if let Some(s) = ["token", "secret", "inbound_token"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str))
        {
            secret.set(Some(s.to_owned()));
        }
        form_for.set(None);
        list.reload();
    });
    let open = RwSignal::new(None::<i64>);
    // The user whose sessions are shown (users screen).
    let sessions_of = RwSignal::new(None::<i64>);
    let save = move |_| {
        let Some((id, text)) = editor.get_untracked() else {
            return;
        };
        let lg = l.get_untracked();
        let body: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                toasts().push(
                    format!("{} {e}", tr!(lg, "Not valid JSON:", "Неверный JSON:")),
                    None,
                    true,
                );
                return;
            }
        };
        spawn_local(async move {
            let r: Result<Value, ApiError> = match id {
                None => api::post(screen.path, &body).await,
                Some(id) if screen.put => api::put(&format!("{}/{id}", screen.path), &body).await,
                Some(id) => api::patch(&format!("{}/{id}", screen.path), &body).await,
            };
            match r {
                Ok(v) => {
                    editor.set(None);
                    saved.run(v);
                    toasts().push(tr!(lg, "Saved.", "Сохранено.").to_owned(), None, false);
                }
                Err(e) => {
                    let fields = e
                        .field_errors()
                        .into_iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join(" · ");
                    toasts().push(
                        if fields.is_empty() {
                            e.message()
                        } else {
                            fields
                        },
                        None,
                        true,
                    );
                }
            }
        });
    };
    view! {
        <div class="workspace">
            <AdminNav current=screen.key/>
            <section class="card list" data-test=format!("admin-{}", screen.key)>
                <header class="row-head">
                    <h1>{move || tr!(l.get(), screen.en, screen.ru)}</h1>
                    {(!screen.example.is_empty()).then(|| view! {
                        <span class="nowrap">
                            {has_form.then(|| view! {
                                <button data-test="create" on:click=move |_| { editor.set(None); form_for.set(Some(None)); }>{move || tr!(l.get(), "New", "Создать")}</button>
                                " "
                            })}
                            <button data-test=if has_form { "create-json" } else { "create" } class:link=has_form
                                on:click=move |_| { form_for.set(None); editor.set(Some((None, screen.example.to_owned()))); }>
                                {move || if has_form { tr!(l.get(), "New as JSON", "Создать в JSON") } else { tr!(l.get(), "New", "Создать") }}
                            </button>
                        </span>
                    })}
                </header>
                {move || form_for.get().map(|initial| {
                    let title = match &initial { None => tr!(l.get(), "New record", "Новая запись"), Some(_) => tr!(l.get(), "Edit record", "Изменение записи") };
                    let form = match (screen.nested, initial) {
                        (Some(kind), None) => view! { <NestedForm kind path=screen.path on_saved=saved/> }.into_any(),
                        (Some(kind), Some(v)) => view! { <NestedForm kind initial=v path=screen.path on_saved=saved/> }.into_any(),
                        (None, None) => view! { <RecordForm specs=screen.form path=screen.path.to_owned() test="admin-form" on_saved=saved/> }.into_any(),
                        (None, Some(v)) => {
                            let path = format!("{}/{}", screen.path, v["id"].as_i64().unwrap_or_default());
                            view! { <RecordForm specs=screen.form initial=v path test="admin-form" replace=screen.put on_saved=saved/> }.into_any()
                        }
                    };
                    view! {
                        <div class="editor">
                            <h2>{title}</h2>
                            {form}
                            <button class="link" on:click=move |_| form_for.set(None)>{tr!(l.get(), "Cancel", "Отмена")}</button>
                        </div>
                    }
                })}
                {move || secret.get().map(|s| view! {
                    <p class="secret" data-test="secret">{tr!(l.get(), "Copy it now, it is shown once: ", "Скопируйте сейчас, он показывается один раз: ")}<code>{s}</code></p>
                })}
                {move || editor.get().map(|(id, text)| view! {
                    <div class="editor">
                        <label>{match id { None => tr!(l.get(), "New record (JSON)", "Новая запись (JSON)"), Some(_) => tr!(l.get(), "Record (JSON)", "Запись (JSON)") }}
                            <textarea rows="10" class="code" data-test="json" prop:value=text
                                on:input=move |ev| editor.update(|e| if let Some(e) = e { e.1 = event_target_value(&ev) })></textarea>
                        </label>
                        <button data-test="json-save" on:click=save>{tr!(l.get(), "Save", "Сохранить")}</button>
                        <button class="link" on:click=move |_| editor.set(None)>{tr!(l.get(), "Cancel", "Отмена")}</button>
                    </div>
                })}
                {move || match list.get() {
                    Load::Ready(v) => {
                        let lg = l.get();
                        view! {
                            <table data-test="admin-table">
                                <thead><tr>{screen.columns.iter().map(|c| view! { <th>{tr!(lg, c.1, c.2)}</th> }).collect_view()}<th></th></tr></thead>
                                <tbody>
                                    {items(&v).into_iter().map(|row| {
                                        let id = row["id"].as_i64();
                                        let text = serde_json::to_string_pretty(&row).unwrap_or_default();
                                        let record = row.clone();
                                        view! {
                                            <tr data-test="admin-row">
                                                {screen.columns.iter().map(|c| view! { <td>{column(c.0, &row[c.0])}</td> }).collect_view()}
                                                <td class="nowrap">
                                                    {(screen.key != "imports" && screen.key != "api-tokens").then(|| view! {
                                                        {has_form.then(|| view! {
                                                            <button class="link" data-test="edit" on:click=move |_| { editor.set(None); form_for.set(Some(Some(record.clone()))); }>{tr!(lg, "Edit", "Изменить")}</button>
                                                            " "
                                                        })}
                                                        <button class="link" data-test="edit-json" on:click=move |_| { form_for.set(None); editor.set(Some((id, text.clone()))); }>
                                                            {if has_form { tr!(lg, "JSON", "JSON") } else { tr!(lg, "Edit", "Изменить") }}
                                                        </button>
                                                    })}
                                                    {(screen.key == "users").then(|| view! {
                                                        " " <button class="link" data-test="user-sessions" on:click=move |_| sessions_of.set(id)>{tr!(lg, "Sessions", "Сеансы")}</button>
                                                    })}
                                                    {(screen.key == "webhooks").then(|| view! {
                                                        " " <button class="link" data-test="deliveries" on:click=move |_| open.set(id)>{tr!(lg, "Deliveries", "Доставки")}</button>
                                                    })}
                                                    {(screen.key == "api-tokens").then(|| view! {
                                                        <button class="link" on:click=move |_| if let Some(id) = id { spawn_local(async move {
                                                            match api::delete(&format!("/api/v1/me/api-tokens/{id}")).await { Ok(()) => list.reload(), Err(e) => toasts().push(e.message(), None, true) }
                                                        }); }>{tr!(lg, "Revoke", "Отозвать")}</button>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    other => pending(&other, move || list.reload()),
                }}
                {move || open.get().map(|id| view! { <Deliveries id lang=l.get()/> })}
                {move || sessions_of.get().map(|id| view! {
                    <crate::two_factor::UserTwoFactor user=id/>
                    <crate::app::Sessions user=id/>
                })}
            </section>
        </div>
    }
    .into_any()
}

/// A webhook's delivery log, each attempt with its outcome, and "send again".
#[component]
fn Deliveries(id: i64, lang: Lang) -> impl IntoView {
    let l = lang;
    let log = Fetch::<Value>::new(format!("/api/v1/webhooks/{id}/deliveries?limit=50"));
    move || {
        match log.get() {
        Load::Ready(v) => view! {
            <h2>{tr!(l, "Delivery log", "Журнал доставок")}</h2>
            <table data-test="delivery-log">
                <thead><tr><th>{tr!(l, "Event", "Событие")}</th><th>{tr!(l, "Status", "Статус")}</th><th>{tr!(l, "Attempts", "Попытки")}</th><th>{tr!(l, "Last answer", "Последний ответ")}</th><th></th></tr></thead>
                <tbody>
                    {items(&v).into_iter().map(|d| {
                        let did = d["id"].as_i64().unwrap_or_default();
                        let at = d["created_at"].as_str().and_then(|t| t.parse().ok()).map(|t| when(l, t)).unwrap_or_default();
                        view! {
                            <tr>
                                <td>{cell(&d["event_type"])} " · " {at}</td>
                                <td>{cell(&d["status"])}</td>
                                <td>{cell(&d["attempts"])}</td>
                                <td>{cell(&d["last_status_code"])} " " {cell(&d["last_error"])}</td>
                                <td><button class="link" on:click=move |_| spawn_local(async move {
                                    match api::post::<_, Value>(&format!("/api/v1/webhooks/{id}/deliveries/{did}/redeliver"), &json!({})).await {
                                        Ok(_) => log.reload(),
                                        Err(e) => toasts().push(e.message(), None, true),
                                    }
                                })>{tr!(l, "Send again", "Отправить снова")}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any(),
        other => pending(&other, move || log.reload()),
    }
    }
}
