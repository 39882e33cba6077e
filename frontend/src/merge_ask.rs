//! "Merge into…" on the case page.

use helpdesk_api_types::cases::{Case, CasePage};
use helpdesk_api_types::crm::{Contact, Organization};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api;
use crate::i18n::{self};
use crate::tr;
use crate::ui::lang;

/// "Merge into…": the target is named by its number and shown before anything moves (number,
/// subject, organization, requester); another organization's case is said plainly and needs
/// a tick, since the customers of each would read the other's messages.
#[component]
pub fn MergeAsk(
    case_id: i64,
    org: Option<i64>,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    type Found = Result<(Case, Option<String>, Option<String>), String>;
    let l = lang();
    let number = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Found>);
    let understood = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let parse = |t: &str| t.trim().trim_start_matches('#').trim().parse::<i64>().ok();
    let look = move |text: String| {
        understood.set(false);
        error.set(None);
        let Some(n) = parse(&text) else {
            found.set(None);
            return;
        };
        spawn_local(async move {
            let lg = l.get_untracked();
            let result: Found =
                match api::get::<CasePage>(&format!("/api/v1/cases?number={n}&limit=1")).await {
                    Ok(p) => match p.items.into_iter().next() {
                        Some(c) if c.id == case_id => {
                            Err(tr!(lg, "That is this case.", "Это это же обращение.").to_owned())
                        }
                        Some(c) => {
                            let org_name = match c.organization_id {
                                Some(o) => {
                                    api::get::<Organization>(&format!("/api/v1/organizations/{o}"))
                                        .await
                                        .ok()
                                        .map(|o| o.name)
                                }
                                None => None,
                            };
                            let requester = match c.requester_id {
                                Some(r) => api::get::<Contact>(&format!("/api/v1/contacts/{r}"))
                                    .await
                                    .ok()
                                    .map(|p| {
                                        format!("{} {}", p.first_name, p.last_name)
                                            .trim()
                                            .to_owned()
                                    }),
                                None => None,
                            };
                            Ok((c, org_name, requester))
                        }
                        None => Err(format!(
                            "{} #{n}",
                            tr!(lg, "There is no case", "Нет обращения")
                        )),
                    },
                    Err(e) => Err(e.message()),
                };
            // A later keystroke wins: only what matches the field now is shown.
            if parse(&number.get_untracked()) == Some(n) {
                found.set(Some(result));
            }
        });
    };
    let target = move || match found.get() {
        Some(Ok((c, _, _))) => Some(c),
        _ => None,
    };
    let other_org = move || target().is_some_and(|c| c.organization_id != org);
    let ready = move || target().is_some() && (!other_org() || understood.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(t) = target() else {
            return;
        };
        if !ready() {
            return;
        }
        let body = json!({ "target_number": t.number, "confirm_other_organization": other_org() });
        spawn_local(async move {
            let path = format!("/api/v1/cases/{case_id}/actions/merge");
            match api::post::<_, Case>(&path, &body).await {
                Ok(_) => on_done.run(()),
                Err(e) => error.set(Some(
                    e.field_errors()
                        .into_values()
                        .next()
                        .unwrap_or_else(|| e.message()),
                )),
            }
        });
    };
    view! {
        <form class="ask merge" data-test="ask" on:submit=submit>
            <label>{move || tr!(l.get(), "Number of the case to merge into", "Номер обращения, с которым объединить")}
                <input data-test="merge-number" inputmode="numeric" required prop:value=number
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        number.set(v.clone());
                        look(v);
                    }/>
            </label>
            {move || found.get().map(|r| {
                let lg = l.get();
                match r {
                    Ok((c, org_name, requester)) => view! {
                        <div class="merge-preview" data-test="merge-preview">
                            <strong>"#" {c.number} " " {c.subject.clone()}</strong>
                            <span>{org_name.unwrap_or_else(|| tr!(lg, "no organization", "без организации").to_owned())}</span>
                            <span>{requester.unwrap_or_else(|| tr!(lg, "no requester", "без заявителя").to_owned())}</span>
                            <span>{i18n::status(lg, c.status)}</span>
                            {(c.organization_id != org).then(|| view! {
                                <p class="warn" data-test="merge-other-org">{tr!(lg,
                                    "This case belongs to another organization. After the merge its customers will read this case's messages, and this case's customers its messages.",
                                    "Это обращение другой организации. После объединения её клиенты увидят сообщения этого обращения, а клиенты этого — её сообщения.")}</p>
                                <label class="check"><input type="checkbox" data-test="merge-understood"
                                    prop:checked=understood on:change=move |ev| understood.set(event_target_checked(&ev))/>
                                    {tr!(lg, "Merge anyway", "Всё равно объединить")}</label>
                            })}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="error" data-test="merge-not-found">{e}</p> }.into_any(),
                }
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-test="merge-error">{e}</p> })}
            <button type="submit" data-test="ask-ok" disabled=move || !ready()>{move || tr!(l.get(), "Merge", "Объединить")}</button>
            <button type="button" class="link" on:click=move |_| on_cancel.run(())>{move || tr!(l.get(), "Cancel", "Отмена")}</button>
        </form>
    }
}
