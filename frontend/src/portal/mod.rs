//! The customer portal: my cases (and my organization's when allowed), a case with its public
//! messages only, replies with files and closing it, a new case with the fields and files a
//! customer may send, the knowledge base, profile.

pub(crate) mod kb;
mod new_case;

pub use kb::{PortalArticle, PortalKb};
pub use new_case::PortalNewCase;

use helpdesk_api_types::cases::{Attachment, PortalCase, PortalCasePage, StreamKind, StreamPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::agent::Stream;
use crate::api;
use crate::i18n;
use crate::route::{Link, Route};
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Load};
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
                        {(!c.status.is_terminal()).then(|| view! { <CloseCase id on_closed=Callback::new(move |_| refresh())/> })}
                        <h2>{tr!(lg, "Write to support", "Написать в поддержку")}</h2>
                        {c.status.is_terminal().then(|| view! {
                            <p class="hint" data-test="reopen-hint">{tr!(lg, "The case is closed. Writing here opens it again.", "Обращение закрыто. Если написать здесь, оно откроется снова.")}</p>
                        })}
                        <Composer case_id=id portal=true mode on_sent=Callback::new(move |_| refresh())/>
                    </section>
                }.into_any()
            }
            other => pending(&other, move || case.reload()),
        }}
    }
}

/// "Close my case": the customer says support need do nothing more, with an optional last
/// word. Asks before it acts; the case stays readable and a later message reopens it.
#[component]
fn CloseCase(id: i64, on_closed: Callback<()>) -> impl IntoView {
    let l = lang();
    let asking = RwSignal::new(false);
    let message = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let close = move |_| {
        let text = message.get_untracked();
        let body = if text.trim().is_empty() {
            json!({})
        } else {
            json!({ "message": text.trim() })
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let path = format!("/api/v1/portal/cases/{id}/close");
            match api::post::<_, PortalCase>(&path, &body).await {
                Ok(_) => {
                    asking.set(false);
                    message.set(String::new());
                    let lg = l.get_untracked();
                    toasts().push(
                        tr!(lg, "The case is closed.", "Обращение закрыто.").to_owned(),
                        None,
                        false,
                    );
                    on_closed.run(());
                }
                Err(e) => error.set(Some(e.field("message").unwrap_or_else(|| e.message()))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="close-case" data-test="close-case">
            {move || if asking.get() {
                let lg = l.get();
                view! {
                    <div class="confirm" role="group" aria-label=tr!(lg, "Close the case", "Закрыть обращение")>
                        <p>{tr!(lg, "Close the case? Support will not work on it any more. You can still read it, and writing to it opens it again.",
                                    "Закрыть обращение? Поддержка больше не будет над ним работать. Его можно будет прочитать, а новое сообщение откроет его снова.")}</p>
                        <label for="close-message">{tr!(lg, "Anything to add? (optional)", "Хотите что-то добавить? (необязательно)")}</label>
                        <textarea id="close-message" rows="2" data-test="close-message" prop:value=message
                            on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <button type="button" data-test="close-confirm" disabled=move || busy.get() on:click=close>
                            {tr!(lg, "Close the case", "Закрыть обращение")}</button>
                        <button type="button" class="link" on:click=move |_| asking.set(false)>{tr!(lg, "Cancel", "Отмена")}</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="secondary" data-test="close-ask" on:click=move |_| asking.set(true)>
                        {move || tr!(l.get(), "My problem is solved — close the case", "Вопрос решён — закрыть обращение")}</button>
                }.into_any()
            }}
        </div>
    }
}
