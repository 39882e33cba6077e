//! A case's details, edited where they are shown: subject, priority, type, support line,
//! product and component, tags and contacts. Each change is saved on its own — a PATCH of that
//! field only, so it never overwrites what someone else changed meanwhile — and the API's
//! refusal appears at the field in the reader's language. What is being typed is kept while
//! live updates reload the case underneath. Team and assignee change through Assign (by name,
//! with the team's members first).

use std::collections::BTreeMap;

use helpdesk_api_types::cases::Case;
use helpdesk_api_types::catalog::{Component, Contract, Product};
use helpdesk_api_types::{CaseType, Priority};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api;
use crate::i18n;
use crate::picker::{Pick, Picker};
use crate::tr;
use crate::ui::{lang, Fetch, Field};

/// Which field's save failed, and why.
type Errors = RwSignal<BTreeMap<&'static str, String>>;

/// Saves one field of case `id` (`body` holds only it); on success the case is fetched again,
/// on failure the message is kept under `field`.
fn save(id: i64, field: &'static str, body: Value, case: Fetch<Case>, errors: Errors) {
    errors.update(|e| {
        e.remove(field);
    });
    spawn_local(async move {
        match api::patch::<_, Case>(&format!("/api/v1/cases/{id}"), &body).await {
            Ok(_) => case.reload(),
            Err(e) => {
                let why = e.field(field).unwrap_or_else(|| e.message());
                let _ = errors.try_update(|m| {
                    m.insert(field, why);
                });
            }
        }
    });
}

/// Comma-separated ids as the pickers keep them.
fn ids(text: &str) -> Vec<i64> {
    text.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn joined(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Tags as typed: split at commas, trimmed, empty ones dropped, each once.
pub(crate) fn tags_of(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

#[component]
pub fn CaseDetails(
    id: i64,
    case: Fetch<Case>,
    contracts: RwSignal<Option<Vec<Contract>>>,
) -> impl IntoView {
    let l = lang();
    let errors: Errors = RwSignal::new(BTreeMap::new());
    let err = move |f: &'static str| Signal::derive(move || errors.with(|e| e.get(f).cloned()));
    let t = move |en: &'static str, ru: &'static str| Signal::derive(move || tr!(l.get(), en, ru));
    let now = move || case.value();

    // The subject: shown, or being edited (the draft survives reloads).
    let editing = RwSignal::new(false);
    let subject = RwSignal::new(String::new());
    let start_subject = move |_| {
        subject.set(now().map(|c| c.subject).unwrap_or_default());
        editing.set(true);
        // Once the input is drawn.
        set_timeout(
            || crate::agent::focus("#edit-subject-input"),
            std::time::Duration::ZERO,
        );
    };
    let save_subject = move || {
        let text = subject.get_untracked();
        if now().is_some_and(|c| c.subject == text) {
            editing.set(false);
            return;
        }
        editing.set(false);
        save(id, "subject", json!({ "subject": text }), case, errors);
    };
    // A refusal reopens the editor with what was typed.
    Effect::new(move |_| {
        if errors.with(|e| e.contains_key("subject")) {
            editing.set(true);
        }
    });

    // Other types than a consultation need a contract in force for the product (as on the
    // new-case form).
    let has_contract = move || {
        let product = now().and_then(|c| c.product_id);
        contracts.with(|c| match (c, product) {
            (Some(list), Some(p)) => list.iter().any(|k| k.product_id == p),
            // Not known yet: the API decides.
            (None, _) => true,
            (Some(_), None) => false,
        })
    };

    // Product and contacts through pickers; a change the agent makes is saved, one that a
    // reload brings is only shown.
    let product = RwSignal::new(String::new());
    let contacts = RwSignal::new(String::new());
    // What the case last said, so that only the agent's own changes are saved.
    let shown = StoredValue::new((String::new(), String::new()));
    Effect::new(move |_| {
        if let Some(c) = now() {
            let p = c.product_id.map(|p| p.to_string()).unwrap_or_default();
            let cs = joined(&c.contact_ids);
            shown.set_value((p.clone(), cs.clone()));
            if product.get_untracked() != p {
                product.set(p);
            }
            if contacts.get_untracked() != cs {
                contacts.set(cs);
            }
        }
    });
    Effect::new(move |_| {
        let chosen = product.get();
        if chosen == shown.with_value(|s| s.0.clone()) {
            return;
        }
        shown.update_value(|s| s.0 = chosen.clone());
        let chosen = ids(&chosen).first().copied();
        // The component belongs to the product: it goes with it.
        save(
            id,
            "product_id",
            json!({ "product_id": chosen, "component_id": null }),
            case,
            errors,
        );
    });
    Effect::new(move |_| {
        let chosen = contacts.get();
        if chosen == shown.with_value(|s| s.1.clone()) {
            return;
        }
        shown.update_value(|s| s.1 = chosen.clone());
        save(
            id,
            "contact_ids",
            json!({ "contact_ids": ids(&chosen) }),
            case,
            errors,
        );
    });

    // The chosen product's components.
    let components = RwSignal::new(Vec::<Component>::new());
    let product_id = Memo::new(move |_| now().and_then(|c| c.product_id));
    Effect::new(move |_| {
        let Some(p) = product_id.get() else {
            components.set(Vec::new());
            return;
        };
        spawn_local(async move {
            if let Ok(p) = api::get::<Product>(&format!("/api/v1/products/{p}")).await {
                let _ = components.try_set(p.components);
            }
        });
    });

    let tags = RwSignal::new(None::<String>);
    let save_tags = move || {
        let Some(text) = tags.get_untracked() else {
            return;
        };
        let list = tags_of(&text);
        tags.set(None);
        if now().is_some_and(|c| c.tags == list) {
            return;
        }
        save(id, "tags", json!({ "tags": list }), case, errors);
    };

    view! {
        <section class="card details" data-test="case-details">
            <h2>{move || tr!(l.get(), "Details", "Сведения")}</h2>
            <Field label=t("Subject", "Тема") error=err("subject")>
                {move || if editing.get() {
                    view! {
                        <span class="edit-line">
                            <input id="edit-subject-input" data-test="edit-subject-input" prop:value=subject
                                on:input=move |ev| subject.set(event_target_value(&ev))
                                on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                                    "Enter" => { ev.prevent_default(); save_subject(); }
                                    "Escape" => { editing.set(false); errors.update(|e| { e.remove("subject"); }); }
                                    _ => {}
                                }/>
                            <button type="button" data-test="edit-subject-save" on:click=move |_| save_subject()>{move || tr!(l.get(), "Save", "Сохранить")}</button>
                        </span>
                    }.into_any()
                } else {
                    view! {
                        <span class="edit-line">
                            <span data-test="subject-shown">{move || now().map(|c| c.subject)}</span>
                            <button type="button" class="link" data-test="edit-subject" on:click=start_subject>{move || tr!(l.get(), "Edit", "Изменить")}</button>
                        </span>
                    }.into_any()
                }}
            </Field>
            <Field label=t("Priority", "Приоритет") error=err("priority")>
                <select data-test="edit-priority" on:change=move |ev| {
                    if let Ok(p) = Priority::parse(&event_target_value(&ev)) {
                        save(id, "priority", json!({ "priority": p }), case, errors);
                    }
                }>
                    {Priority::ALL.iter().map(|p| { let p = *p; view! {
                        <option value=p.as_str() prop:selected=move || now().is_some_and(|c| c.priority == p)>{move || i18n::priority(l.get(), p)}</option>
                    }}).collect_view()}
                </select>
            </Field>
            <Field label=t("Type", "Тип") error=err("case_type")>
                <select data-test="edit-type" on:change=move |ev| {
                    if let Ok(ty) = CaseType::parse(&event_target_value(&ev)) {
                        save(id, "case_type", json!({ "case_type": ty }), case, errors);
                    }
                }>
                    {CaseType::ALL.iter().map(|ty| { let ty = *ty; view! {
                        <option value=ty.as_str() prop:selected=move || now().is_some_and(|c| c.case_type == ty)
                            disabled=move || ty != CaseType::Consultation && !has_contract()>{move || i18n::case_type(l.get(), ty)}</option>
                    }}).collect_view()}
                </select>
                {move || (!has_contract()).then(|| view! { <small class="muted" data-test="no-contract">{tr!(l.get(), "No contract for this product: consultation only", "Нет договора на продукт: только консультация")}</small> })}
            </Field>
            <Field label=t("Support line", "Линия поддержки") error=err("support_line")>
                <select data-test="edit-line" on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<i32>() {
                        save(id, "support_line", json!({ "support_line": n }), case, errors);
                    }
                }>
                    {(1..=3).map(|n| view! {
                        <option value=n.to_string() prop:selected=move || now().is_some_and(|c| c.support_line == n)>{n}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field label=t("Product", "Продукт") error=err("product_id")>
                <Picker pick=Pick::Product value=product name="edit-product"/>
            </Field>
            {move || (!components.with(Vec::is_empty)).then(|| view! {
                <Field label=t("Component", "Компонент") error=err("component_id")>
                    <select data-test="edit-component" on:change=move |ev| {
                        let chosen = event_target_value(&ev).parse::<i64>().ok();
                        save(id, "component_id", json!({ "component_id": chosen }), case, errors);
                    }>
                        <option value="">{move || tr!(l.get(), "— none —", "— не указан —")}</option>
                        {components.get().into_iter().map(|k| view! {
                            <option value=k.id.to_string() prop:selected=move || now().is_some_and(|c| c.component_id == Some(k.id))>{k.name}</option>
                        }).collect_view()}
                    </select>
                </Field>
            })}
            <Field label=t("Contacts", "Контакты") error=err("contact_ids")>
                <Picker pick=Pick::Contact value=contacts name="edit-contacts" many=true/>
            </Field>
            <Field label=t("Tags", "Теги") error=err("tags")>
                <input data-test="edit-tags"
                    placeholder=move || tr!(l.get(), "Comma-separated; Enter saves", "Через запятую; Enter — сохранить")
                    prop:value=move || tags.get().unwrap_or_else(|| now().map(|c| c.tags.join(", ")).unwrap_or_default())
                    on:input=move |ev| tags.set(Some(event_target_value(&ev)))
                    on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); save_tags(); }
                    on:blur=move |_| save_tags()/>
            </Field>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_trimmed_and_kept_once() {
        assert_eq!(tags_of(" vip, billing ,,vip, "), vec!["vip", "billing"]);
        assert!(tags_of(" , ").is_empty());
    }

    #[test]
    fn picked_ids_read_back() {
        assert_eq!(ids("3, 5,x"), vec![3, 5]);
        assert_eq!(joined(&[3, 5]), "3,5");
    }
}
