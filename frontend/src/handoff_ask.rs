//! "Assign…" and "Escalate" on the case page: teams and agents by name. Assigning offers every
//! team and the chosen team's members first; escalating offers the teams of the next line.

use helpdesk_api_types::cases::Case;
use helpdesk_api_types::users::Team;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};

use crate::agent::directory;
use crate::api;
use crate::tr;
use crate::ui::{lang, toasts, Fetch};

/// What the dialog does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Handoff {
    Assign,
    Escalate,
}

fn id_of(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// The assign body: the agent always (none clears), the team only when it changed.
fn assign_body(case: &Case, team: &str, agent: &str) -> Value {
    let mut body = Map::new();
    body.insert("assignee_id".into(), json!(id_of(agent)));
    if id_of(team) != case.team_id {
        body.insert("team_id".into(), json!(id_of(team)));
    }
    Value::Object(body)
}

#[component]
pub fn HandoffAsk(
    case: Case,
    what: Handoff,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let l = lang();
    let dir = directory();
    let teams = Fetch::<Vec<Team>>::new("/api/v1/teams");
    let next_line = case.support_line + 1;
    let team = RwSignal::new(match what {
        Handoff::Assign => case.team_id.map(|t| t.to_string()).unwrap_or_default(),
        Handoff::Escalate => String::new(),
    });
    let agent = RwSignal::new(case.assignee_id.map(|a| a.to_string()).unwrap_or_default());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let case = StoredValue::new(case);
    // The teams offered: every team to assign to, the next line's to escalate to.
    let offered = move || {
        let all = teams.value().unwrap_or_default();
        match what {
            Handoff::Assign => all,
            Handoff::Escalate => all
                .into_iter()
                .filter(|t| t.support_line == Some(next_line))
                .collect(),
        }
    };
    // Escalating goes to the first team of the next line unless another is chosen.
    Effect::new(move |_| {
        if what == Handoff::Escalate && team.get_untracked().is_empty() {
            if let Some(first) = offered().first() {
                team.set(first.id.to_string());
            }
        }
    });
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = case.with_value(|c| c.id);
        let (action, body) = match what {
            Handoff::Assign => (
                "assign",
                case.with_value(|c| assign_body(c, &team.get_untracked(), &agent.get_untracked())),
            ),
            Handoff::Escalate => {
                let text = note.get_untracked();
                let mut body = json!({ "team_id": id_of(&team.get_untracked()) });
                if !text.trim().is_empty() {
                    body["note"] = json!(text);
                }
                ("escalate", body)
            }
        };
        spawn_local(async move {
            let path = format!("/api/v1/cases/{id}/actions/{action}");
            match api::post::<_, Case>(&path, &body).await {
                Ok(_) => on_done.run(()),
                Err(e) => {
                    let at = e.field_errors();
                    if at.is_empty() {
                        toasts().push(e.message(), None, true);
                    }
                    errors.set(at);
                }
            }
        });
    };
    let error = move |key: &'static str| {
        move || {
            errors.with(|e| e.get(key).cloned()).map(|m| {
                view! { <span class="field-error" role="alert" data-test="field-error">{m}</span> }
            })
        }
    };
    // Agents of the chosen team first, then everyone else.
    let agents = move || {
        let members = offered()
            .into_iter()
            .find(|t| Some(t.id) == id_of(&team.get()))
            .map(|t| t.member_ids)
            .unwrap_or_default();
        let (mut first, rest): (Vec<_>, Vec<_>) = dir
            .agents()
            .into_iter()
            .partition(|u| members.contains(&u.id));
        first.extend(rest);
        first
    };
    view! {
        <form class="ask" data-test="ask" on:submit=confirm>
            <label>{move || match what {
                    Handoff::Assign => tr!(l.get(), "Team", "Группа"),
                    Handoff::Escalate => tr!(l.get(), "Team of line", "Группа линии"),
                }} {(what == Handoff::Escalate).then(|| format!(" {next_line}"))}
                <select data-test="ask-team" prop:value=team on:change=move |ev| team.set(event_target_value(&ev))>
                    {(what == Handoff::Assign).then(|| view! { <option value="">{move || tr!(l.get(), "— no team —", "— без группы —")}</option> })}
                    {move || offered().into_iter().map(|t| {
                        let value = t.id.to_string();
                        let chosen = value.clone();
                        view! { <option value=value selected=move || team.get() == chosen>{t.name}</option> }
                    }).collect_view()}
                </select>
                {error("team_id")}
            </label>
            {move || (what == Handoff::Escalate && teams.value().is_some() && offered().is_empty()).then(|| view! {
                <p class="hint" data-test="no-team">{tr!(l.get(), "No team serves the next line yet: an admin creates one first.", "Следующую линию пока не обслуживает ни одна группа: её сначала создаёт администратор.")}</p>
            })}
            {match what {
                Handoff::Assign => view! {
                    <label>{move || tr!(l.get(), "Agent", "Исполнитель")}
                        <select data-test="ask-input" prop:value=agent on:change=move |ev| agent.set(event_target_value(&ev))>
                            <option value="">{move || tr!(l.get(), "— nobody —", "— никто —")}</option>
                            {move || agents().into_iter().map(|u| {
                                let value = u.id.to_string();
                                let chosen = value.clone();
                                view! { <option value=value selected=move || agent.get() == chosen>{u.name}</option> }
                            }).collect_view()}
                        </select>
                        {error("assignee_id")}
                    </label>
                }.into_any(),
                Handoff::Escalate => view! {
                    <label>{move || tr!(l.get(), "Note for the next line (optional)", "Комментарий для следующей линии (необязательно)")}
                        <input data-test="ask-input" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))/>
                        {error("note")}
                    </label>
                }.into_any(),
            }}
            <button type="submit" data-test="ask-ok">{move || tr!(l.get(), "Confirm", "Подтвердить")}</button>
            <button type="button" class="link" on:click=move |_| on_cancel.run(())>{move || tr!(l.get(), "Cancel", "Отмена")}</button>
        </form>
    }
}
