//! Admins' view of received mail that could not be processed: each message with its sender,
//! subject and the reason, waiting for its next retry or failed after every one, and "Process
//! again" for those that failed.

use helpdesk_api_types::mailboxes::{ReceivedMail, ReceivedMailPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api;
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Load};

#[component]
pub fn ReceivedMailProblems() -> impl IntoView {
    let l = lang();
    let list = Fetch::<ReceivedMailPage>::new("/api/v1/received-mail?problems=true&limit=100");
    let retry = move |id: i64| {
        let lg = l.get_untracked();
        spawn_local(async move {
            match api::post::<_, ReceivedMail>(
                &format!("/api/v1/received-mail/{id}/retry"),
                &json!({}),
            )
            .await
            {
                Ok(_) => {
                    toasts().push(
                        tr!(
                            lg,
                            "It will be processed again in a moment.",
                            "Письмо будет обработано снова через мгновение."
                        )
                        .to_owned(),
                        None,
                        false,
                    );
                    list.reload();
                }
                Err(e) => toasts().push(e.message(), None, true),
            }
        });
    };
    view! {
        <section class="card" data-test="received-mail">
            <h2>{move || tr!(l.get(), "Received mail that could not be processed", "Полученные письма, которые не удалось обработать")}</h2>
            {move || match list.get() {
                Load::Ready(p) => {
                    let lg = l.get();
                    if p.items.is_empty() {
                        return view! { <p class="hint" data-test="received-none">{tr!(lg, "None: every message was processed.", "Нет: все письма обработаны.")}</p> }.into_any();
                    }
                    view! {
                        <table>
                            <thead><tr>
                                <th>{tr!(lg, "From", "От")}</th><th>{tr!(lg, "Subject", "Тема")}</th>
                                <th>{tr!(lg, "Received", "Получено")}</th><th>{tr!(lg, "Why", "Причина")}</th><th></th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|m| {
                                    let id = m.id;
                                    let failed = m.status == "failed";
                                    view! {
                                        <tr data-test="received-row" data-status=m.status.clone()>
                                            <td>{m.from_address.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td>{m.subject.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td class="nowrap">{when(lg, m.received_at)}</td>
                                            <td>
                                                {m.last_error.clone()}
                                                <div class="hint">{if failed {
                                                    format!("{} {}", tr!(lg, "Failed after attempts:", "Не удалось, попыток:"), m.attempts)
                                                } else {
                                                    format!("{} {}", tr!(lg, "Next attempt", "Следующая попытка"), m.next_attempt_at.map(|t| when(lg, t)).unwrap_or_default())
                                                }}</div>
                                            </td>
                                            <td>{failed.then(|| view! {
                                                <button type="button" data-test="retry-received" on:click=move |_| retry(id)>{tr!(lg, "Process again", "Обработать снова")}</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
                other => pending(&other, move || list.reload()),
            }}
        </section>
    }
}
