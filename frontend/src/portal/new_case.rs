//! A new case from the customer: the fields a customer may set, and files.

use helpdesk_api_types::cases::PortalCase;
use helpdesk_api_types::catalog::ProductPage;
use helpdesk_api_types::Priority;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api;
use crate::chosen_files::{ChosenFiles, FileChooser};
use crate::i18n;
use crate::route::Route;
use crate::tr;
use crate::ui::{lang, toasts, Fetch, Field};

/// The fields of the form; an error for any other key is shown above it.
const FIELDS: &[&str] = &[
    "subject",
    "description",
    "product_id",
    "priority",
    "system_info",
];

#[component]
pub fn PortalNewCase() -> impl IntoView {
    let l = lang();
    let products = Fetch::<ProductPage>::new("/api/v1/products?limit=200");
    let subject = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal);
    let product = RwSignal::new(None::<i64>);
    let system_info = RwSignal::new(String::new());
    let errors = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let busy = RwSignal::new(false);
    let chosen = ChosenFiles::new();
    let err = move |k: &'static str| Signal::derive(move || errors.with(|e| e.get(k).cloned()));
    let t = move |en: &'static str, ru: &'static str| Signal::derive(move || tr!(l.get(), en, ru));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lg = l.get_untracked();
        if subject.get_untracked().trim().is_empty() {
            errors.set(
                [(
                    "subject".to_owned(),
                    tr!(lg, "Required", "Обязательное поле").to_owned(),
                )]
                .into(),
            );
            return;
        }
        busy.set(true);
        let body = json!({
            "subject": subject.get_untracked(), "description": text.get_untracked(),
            "priority": priority.get_untracked(), "product_id": product.get_untracked(),
            "system_info": Some(system_info.get_untracked()).filter(|s| !s.trim().is_empty()),
        });
        spawn_local(async move {
            match api::post::<_, PortalCase>("/api/v1/portal/cases", &body).await {
                Ok(c) => {
                    toasts().push(
                        tr!(lg, "Case registered:", "Обращение зарегистрировано:").to_owned(),
                        Some((format!("#{}", c.number), Route::PortalCase(c.id))),
                        false,
                    );
                    let path = format!("/api/v1/portal/cases/{}/attachments", c.id);
                    chosen.send_then_go(path, Route::PortalCase(c.id));
                }
                Err(e) => {
                    let map = e.errors_by_input();
                    errors.set(map);
                }
            }
            busy.set(false);
        });
    };
    let prios = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    view! {
        <form class="card form" data-test="portal-new-case" on:submit=save novalidate>
            <h1>{move || tr!(l.get(), "New case", "Новое обращение")}</h1>
            // Errors no field shows (the request's own) are listed here: never invisible.
            {move || {
                let rest: Vec<String> = errors.with(|e| e.iter()
                    .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| if k.is_empty() { v.clone() } else { format!("{k}: {v}") })
                    .collect());
                (!rest.is_empty()).then(|| view! {
                    <div class="error" role="alert" data-test="form-errors">{rest.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}</div>
                })
            }}
            <Field label=t("Subject", "Тема") required=true error=err("subject")>
                <input data-test="subject" required prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev))/>
            </Field>
            <Field label=t("Describe the problem", "Опишите проблему") error=err("description")>
                <textarea rows="6" data-test="description" prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </Field>
            <div class="row">
                <Field label=t("Product", "Продукт") error=err("product_id")>
                    <select on:change=move |ev| product.set(event_target_value(&ev).parse().ok())>
                        <option value="">"—"</option>
                        {move || products.value().map(|p| p.items.into_iter().filter(|p| p.active).map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view())}
                    </select>
                </Field>
                <Field label=t("Priority", "Приоритет") error=err("priority")>
                    <select on:change=move |ev| if let Ok(v) = serde_json::from_value(Value::String(event_target_value(&ev))) { priority.set(v) }>
                        {prios.into_iter().map(|p| view! { <option value=p.as_str() prop:selected=p == Priority::Normal>{move || i18n::priority(l.get(), p)}</option> }).collect_view()}
                    </select>
                </Field>
            </div>
            <Field label=t("System information (version, OS)", "Информация о системе (версия, ОС)") error=err("system_info")>
                <textarea rows="2" prop:value=system_info on:input=move |ev| system_info.set(event_target_value(&ev))></textarea>
            </Field>
            <FileChooser chosen/>
            <button type="submit" data-test="save" disabled=move || busy.get() || chosen.sending()>{move || tr!(l.get(), "Send", "Отправить")}</button>
        </form>
    }
}
