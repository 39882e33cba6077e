//! The customer portal: my cases (and my organization's when allowed), a case with its public
//! messages only, replies with files, a new case with the fields a customer may set, profile.

use helpdesk_api_types::cases::{Attachment, PortalCase, PortalCasePage, StreamKind, StreamPage};
use helpdesk_api_types::catalog::ProductPage;
use helpdesk_api_types::Priority;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::agent::Stream;
use crate::api;
use crate::i18n;
use crate::route::{router, Link, Route};
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Field, Load};
use crate::upload::{Composer, FileLinks};

#[component]
pub fn PortalHome() -> impl IntoView {
    let l = lang();
    let cases = Fetch::<PortalCasePage>::new("/api/v1/portal/cases?limit=50");
    view! {
        <section class="card">
            <header class="row-head">
                <h1>{move || tr!(l.get(), "My cases", "Мои обращения")}</h1>
                <Link to=Route::PortalNewCase class="button">{move || tr!(l.get(), "New case", "Новое обращение")}</Link>
            </header>
            {move || match cases.get() {
                Load::Ready(page) if page.items.is_empty() => view! { <p data-test="empty">{tr!(l.get(), "You have no cases yet.", "У вас пока нет обращений.")}</p> }.into_any(),
                Load::Ready(page) => {
                    let lg = l.get();
                    view! {
                        <table data-test="portal-cases">
                            <thead><tr><th>"#"</th><th>{tr!(lg, "Subject", "Тема")}</th><th>{tr!(lg, "Status", "Статус")}</th><th>{tr!(lg, "Updated", "Изменено")}</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|c| view! {
                                    <tr data-test="case-row">
                                        <td><Link to=Route::PortalCase(c.id)>"#" {c.number}</Link></td>
                                        <td><Link to=Route::PortalCase(c.id)>{c.subject}</Link></td>
                                        <td>{i18n::status(lg, c.status)}</td>
                                        <td>{when(lg, c.updated_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
                other => pending(&other, move || cases.reload()),
            }}
        </section>
    }
}

#[component]
pub fn PortalCasePage(id: i64) -> impl IntoView {
    let l = lang();
    let case = Fetch::<PortalCase>::new(format!("/api/v1/portal/cases/{id}"));
    let stream = Fetch::<StreamPage>::new(format!("/api/v1/portal/cases/{id}/stream?limit=200"));
    let files = Fetch::<Vec<Attachment>>::new(format!("/api/v1/portal/cases/{id}/attachments"));
    let mode = RwSignal::new(StreamKind::Public);
    let refresh = move || {
        case.reload();
        stream.reload();
        files.reload();
    };
    view! {
        {move || match case.get() {
            Load::Ready(c) => {
                let lg = l.get();
                view! {
                    <section class="card" data-test="portal-case">
                        <h1 data-test="case-title">"#" {c.number} " " {c.subject.clone()}</h1>
                        <p><span class=format!("badge st-{}", c.status.as_str()) data-test="case-status">{i18n::status(lg, c.status)}</span>
                            " " {tr!(lg, "registered", "зарегистрировано")} " " {when(lg, c.created_at)}</p>
                        {c.resolution.clone().map(|r| view! { <p class="resolution"><strong>{tr!(lg, "Resolution: ", "Решение: ")}</strong>{r}</p> })}
                        <Stream stream files portal=true/>
                        {move || files.value().filter(|f| f.iter().any(|a| a.entry_id.is_none())).map(|f| view! {
                            <h2>{tr!(l.get(), "Files", "Файлы")}</h2>
                            <FileLinks files=f.into_iter().filter(|a| a.entry_id.is_none()).collect() portal=true/>
                        })}
                        <h2>{tr!(lg, "Reply", "Ответить")}</h2>
                        <Composer case_id=id portal=true mode on_sent=Callback::new(move |_| refresh())/>
                    </section>
                }.into_any()
            }
            other => pending(&other, move || case.reload()),
        }}
    }
}

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
    let r = router();
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
                    r.go(Route::PortalCase(c.id));
                }
                Err(e) => {
                    let map = e.field_errors();
                    if map.is_empty() {
                        toasts().push(e.message(), None, true);
                    }
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
            <button type="submit" data-test="save" disabled=move || busy.get()>{move || tr!(l.get(), "Send", "Отправить")}</button>
        </form>
    }
}
