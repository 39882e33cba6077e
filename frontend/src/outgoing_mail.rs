//! Admins' view of the outgoing-mail queue: what needs attention first (mails that failed, and
//! mails whose delivery is unknown because a worker was cut off while handing them over), with
//! why, and "Send again"; or every mail with where it stands.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api;
use crate::i18n::Lang;
use crate::route::{Link, Route};
use crate::tr;
use crate::ui::{lang, pending, toasts, when, Fetch, Load};

const PROBLEMS: &str = "/api/v1/outgoing-mail?problems=true&limit=100";
const ALL: &str = "/api/v1/outgoing-mail?limit=100";

fn status_label(l: Lang, status: &str) -> &'static str {
    match status {
        "pending" => tr!(l, "Waiting", "В очереди"),
        "claimed" | "sending" => tr!(l, "Sending", "Отправляется"),
        "sent" => tr!(l, "Sent", "Отправлено"),
        "failed" => tr!(l, "Failed", "Не отправлено"),
        "unknown" => tr!(l, "Delivery unknown", "Доставка неизвестна"),
        _ => "—",
    }
}

#[component]
pub fn OutgoingMail() -> impl IntoView {
    let l = lang();
    let problems = RwSignal::new(true);
    let list = Fetch::<Value>::new(PROBLEMS);
    let show = move |only_problems: bool| {
        problems.set(only_problems);
        list.set_path(if only_problems { PROBLEMS } else { ALL });
    };
    // A mail whose delivery is unknown may have arrived: sending it again is asked first.
    let asking = RwSignal::new(None::<i64>);
    let resend = move |id: i64, unknown: bool| {
        let lg = l.get_untracked();
        if unknown && asking.get_untracked() != Some(id) {
            asking.set(Some(id));
            return;
        }
        asking.set(None);
        spawn_local(async move {
            match api::post::<_, Value>(&format!("/api/v1/outgoing-mail/{id}/resend"), &json!({}))
                .await
            {
                Ok(_) => {
                    toasts().push(
                        tr!(lg, "Queued to be sent again.", "Письмо снова в очереди.").to_owned(),
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
        <section class="card list" data-test="admin-outgoing-mail">
            <header class="row-head">
                <h1>{move || tr!(l.get(), "Outgoing mail", "Исходящая почта")}</h1>
                <span class="nowrap" role="group">
                    <button class:link=move || !problems.get() data-test="mail-problems" aria-pressed=move || problems.get().to_string()
                        on:click=move |_| show(true)>{move || tr!(l.get(), "Needs attention", "Требует внимания")}</button>
                    " "
                    <button class:link=move || problems.get() data-test="mail-all" aria-pressed=move || (!problems.get()).to_string()
                        on:click=move |_| show(false)>{move || tr!(l.get(), "All", "Все")}</button>
                </span>
            </header>
            {move || match list.get() {
                Load::Ready(v) => {
                    let lg = l.get();
                    let rows = v["items"].as_array().cloned().unwrap_or_default();
                    if rows.is_empty() {
                        return view! {
                            <p class="muted" data-test="mail-empty">{if problems.get() {
                                tr!(lg, "Nothing needs attention: every mail was sent or is on its way.", "Всё в порядке: каждое письмо отправлено или в очереди.")
                            } else {
                                tr!(lg, "No mail has been sent yet.", "Писем ещё не было.")
                            }}</p>
                        }.into_any();
                    }
                    view! {
                        <table data-test="mail-table">
                            <thead><tr>
                                <th>{tr!(lg, "Created", "Создано")}</th>
                                <th>{tr!(lg, "To", "Кому")}</th>
                                <th>{tr!(lg, "Subject", "Тема")}</th>
                                <th>{tr!(lg, "Status", "Статус")}</th>
                                <th>{tr!(lg, "Attempts", "Попытки")}</th>
                                <th>{tr!(lg, "Why", "Причина")}</th>
                                <th></th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|m| {
                                    let id = m["id"].as_i64().unwrap_or_default();
                                    let status = m["status"].as_str().unwrap_or_default().to_owned();
                                    let at = m["created_at"].as_str().and_then(|t| t.parse().ok()).map(|t| when(lg, t)).unwrap_or_default();
                                    let case = m["case_id"].as_i64();
                                    let can_resend = status == "failed" || status == "unknown";
                                    let unknown = status == "unknown";
                                    view! {
                                        <tr data-test="mail-row" data-status=status.clone()>
                                            <td class="nowrap">{at}</td>
                                            <td>{m["recipient"].as_str().unwrap_or_default().to_owned()}</td>
                                            <td>
                                                {m["subject"].as_str().unwrap_or_default().to_owned()}
                                                {case.map(|c| view! { " " <Link to=Route::Case(c)>{tr!(lg, "case", "обращение")}</Link> })}
                                            </td>
                                            <td class=format!("mail-status {status}")>{status_label(lg, &status)}</td>
                                            <td>{m["attempts"].as_i64().unwrap_or_default()}</td>
                                            <td class="muted">{m["last_error"].as_str().unwrap_or_default().to_owned()}</td>
                                            <td class="nowrap">{can_resend.then(|| view! {
                                                {move || if asking.get() == Some(id) {
                                                    view! {
                                                        <span class="ask" data-test="mail-ask">
                                                            {tr!(lg, "It may have arrived already; the recipient could get it twice.", "Возможно, письмо уже дошло, и получатель получит его дважды.")}
                                                            " "
                                                            <button data-test="mail-resend-anyway" on:click=move |_| resend(id, unknown)>{tr!(lg, "Send again anyway", "Всё равно отправить")}</button>
                                                            " "
                                                            <button class="link" on:click=move |_| asking.set(None)>{tr!(lg, "Cancel", "Отмена")}</button>
                                                        </span>
                                                    }.into_any()
                                                } else {
                                                    view! {
                                                        <button class="link" data-test="mail-resend" on:click=move |_| resend(id, unknown)>{tr!(lg, "Send again", "Отправить снова")}</button>
                                                    }.into_any()
                                                }}
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
