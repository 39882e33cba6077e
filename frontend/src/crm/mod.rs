//! CRM screens: organizations, contacts, products and contracts — list, detail with related
//! cases, create and edit. One form component drives every record from a field list.

mod pages;
mod specs;

pub use pages::*;
pub use specs::*;

use helpdesk_api_types::cases::CasePage;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};

use crate::api::{self, enc, ApiError};
use crate::i18n::{self, Lang};
use crate::new_case::{inn_error, kpp_error};
pub use crate::picker::Pick;
use crate::picker::{Picker, RecordName};
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
    /// A record, chosen by name ([`Picker`]); the form keeps its id.
    Ref(Pick),
    /// Several records, chosen by name; the form keeps their ids.
    Refs(Pick),
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

fn as_text(v: Option<&Value>, kind: Kind) -> String {
    match (v, kind) {
        (_, Kind::Password) => String::new(),
        (Some(Value::Array(a)), Kind::Ids | Kind::Refs(_)) => a
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
        Kind::Id | Kind::Ref(_) => t.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        // Not a number: sent as text, so the API names the field.
        Kind::Ids | Kind::Refs(_) => json!(t
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
                    Kind::Ref(pick) if fixed => match v.get_untracked().parse::<i64>() {
                        Ok(id) => view! { <span class="fixed"><RecordName pick id/></span> }.into_any(),
                        Err(_) => "—".into_any(),
                    },
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
                    Kind::Ref(pick) => view! { <Picker pick value=v name=s.key/> }.into_any(),
                    Kind::Refs(pick) => view! { <Picker pick value=v name=s.key many=true/> }.into_any(),
                    Kind::Id => view! { <input type="number" name=s.key prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/> }.into_any(),
                    Kind::Text => view! { <input name=s.key prop:value=v on:input=move |ev| v.set(event_target_value(&ev))/> }.into_any(),
                };
                view! { <Field label required=s.required error>{input}</Field> }
            }).collect_view()}
            <button type="submit" data-test="save" disabled=move || busy.get()>{move || tr!(l.get(), "Save", "Сохранить")}</button>
        </form>
    }
}
