//! Editors for the admin records whose data nests: SLA policies (targets per priority and the
//! cases they cover), calendars (a week of working intervals and holidays) and workflow rules
//! (conditions and actions). Each keeps the record as JSON while it is edited and saves the
//! API's input body; the API's field errors are listed above the Save button.

mod inputs;
mod values;

use inputs::*;
use values::*;

use helpdesk_domain::workflow::{self, Operator, Trigger};
use helpdesk_domain::{CaseType, Channel, Priority};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};

use crate::api::{self, ApiError};
use crate::i18n::{self, Lang};
use crate::tr;
use crate::ui::{lang, toasts};

/// Which nested record a [`NestedForm`] edits.
#[derive(Clone, Copy, PartialEq)]
pub enum Nested {
    Sla,
    Calendar,
    Rule,
}

const PRIORITIES: &[&str] = Priority::NAMES;
const CASE_TYPES: &[&str] = CaseType::NAMES;
const CHANNELS: &[&str] = Channel::NAMES;
/// The statuses a rule may set (not `merged`, which only merging does).
const STATUSES: &[&str] = &[
    "new",
    "open",
    "awaiting_customer",
    "information_requested",
    "on_hold",
    "resolved",
    "closed",
    "rejected",
];
const ACTIONS: &[&str] = &[
    "assign_round_robin",
    "assign_least_busy",
    "assign_user",
    "assign_team",
    "set_priority",
    "set_status",
    "set_type",
    "set_support_line",
    "add_tags",
    "add_followers",
    "notify_users",
    "notify_team",
    "send_email",
    "escalate",
];

/// The codes this editor shows by their labels (actions, their parameters and the choices of
/// those), for the test that each has one in both languages.
#[cfg(test)]
pub(crate) fn shown_codes() -> Vec<&'static str> {
    let mut out = ACTIONS.to_vec();
    for a in ACTIONS {
        for (key, kind) in params(a) {
            out.push(key);
            if let P::Choice(options) = kind {
                out.extend(options.iter());
            }
        }
    }
    out
}

/// What a parameter of an action holds.
#[derive(Clone, Copy)]
enum P {
    Num,
    Text,
    LongText,
    /// Numbers separated by commas.
    Nums,
    /// Words separated by commas.
    Words,
    Choice(&'static [&'static str]),
}

fn params(action: &str) -> &'static [(&'static str, P)] {
    match action {
        "assign_round_robin" | "assign_least_busy" | "assign_team" => &[("team_id", P::Num)],
        "assign_user" => &[("user_id", P::Num)],
        "set_priority" => &[("priority", P::Choice(PRIORITIES))],
        "set_status" => &[("status", P::Choice(STATUSES))],
        "set_type" => &[("case_type", P::Choice(CASE_TYPES))],
        "set_support_line" => &[("support_line", P::Num)],
        "add_tags" => &[("tags", P::Words)],
        "add_followers" => &[("user_ids", P::Nums)],
        "notify_users" => &[("user_ids", P::Nums), ("text", P::LongText)],
        "notify_team" => &[("team_id", P::Num), ("text", P::LongText)],
        "send_email" => &[("subject", P::Text), ("body", P::LongText)],
        _ => &[],
    }
}

/// The keys the API takes on create and replace.
fn writable(kind: Nested) -> &'static [&'static str] {
    match kind {
        Nested::Sla => &[
            "name",
            "position",
            "active",
            "calendar_id",
            "conditions",
            "targets",
            "warn_percent",
        ],
        Nested::Calendar => &["name", "time_zone", "week", "holidays"],
        Nested::Rule => &[
            "name",
            "position",
            "active",
            "trigger",
            "after_minutes",
            "match_all",
            "conditions",
            "actions",
        ],
    }
}

fn template(kind: Nested) -> Value {
    match kind {
        Nested::Sla => json!({ "name": "", "active": true, "conditions": {}, "targets": {} }),
        Nested::Calendar => {
            let day = json!([{ "start": "09:00", "end": "18:00" }]);
            json!({ "name": "", "time_zone": "Europe/Moscow",
                    "week": [day, day, day, day, day, [], []], "holidays": [] })
        }
        Nested::Rule => json!({ "name": "", "active": true, "trigger": "case_created",
                                 "match_all": true, "conditions": [], "actions": [] }),
    }
}

/// Creates (POST) or replaces (PUT) an SLA policy, a calendar or a workflow rule.
#[component]
pub fn NestedForm(
    kind: Nested,
    #[prop(optional)] initial: Option<Value>,
    /// The collection; an edit goes to `{path}/{id}`.
    path: &'static str,
    on_saved: Callback<Value>,
) -> impl IntoView {
    let l = lang();
    let id = initial.as_ref().and_then(|v| v["id"].as_i64());
    let doc = RwSignal::new(initial.unwrap_or_else(|| template(kind)));
    let errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    // The calendar's week and holidays are edited as text and read back on save.
    let days: Vec<RwSignal<String>> = (0..7)
        .map(|i| RwSignal::new(doc.with_untracked(|d| intervals_text(&d["week"][i]))))
        .collect();
    let days = StoredValue::new(days);
    let off = RwSignal::new(doc.with_untracked(|d| holidays_text(&d["holidays"])));
    let calendars = RwSignal::new(Vec::<(i64, String)>::new());
    if kind == Nested::Sla {
        spawn_local(async move {
            if let Ok(list) = api::get::<Value>("/api/v1/calendars").await {
                calendars.set(
                    list.as_array()
                        .into_iter()
                        .flatten()
                        .map(|c| (c["id"].as_i64().unwrap_or_default(), text_of(c.get("name"))))
                        .collect(),
                );
            }
        });
    }
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lg = l.get_untracked();
        let mut d = doc.get_untracked();
        let mut local = Vec::new();
        if kind == Nested::Calendar {
            let mut week = Vec::new();
            for (i, day) in days.get_value().iter().enumerate() {
                match intervals(&day.get_untracked()) {
                    Ok(v) => week.push(v),
                    Err(e) => local.push(format!("{}: {e}", weekday(lg, i))),
                }
            }
            d["week"] = Value::Array(week);
            d["holidays"] = holidays(&off.get_untracked());
        }
        if kind == Nested::Rule {
            for c in d["conditions"].as_array_mut().into_iter().flatten() {
                let op = text_of(c.get("op"));
                c["value"] = condition_value(&op, &text_of(c.get("value")));
            }
            for a in d["actions"].as_array_mut().into_iter().flatten() {
                for (key, p) in params(&text_of(a.get("type"))) {
                    let t = text_of(a.get(*key));
                    a[*key] = match p {
                        P::Num => number(&t),
                        P::Nums => list(&t, true),
                        P::Words => list(&t, false),
                        _ => json!(t),
                    };
                }
            }
        }
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        let body: Map<String, Value> = writable(kind)
            .iter()
            .filter_map(|k| d.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        busy.set(true);
        spawn_local(async move {
            let body = Value::Object(body);
            let r: Result<Value, ApiError> = match id {
                Some(id) => api::put(&format!("{path}/{id}"), &body).await,
                None => api::post(path, &body).await,
            };
            busy.set(false);
            match r {
                Ok(v) => {
                    toasts().push(tr!(lg, "Saved.", "Сохранено.").to_owned(), None, false);
                    on_saved.run(v);
                }
                Err(e) => {
                    let fields: Vec<String> = e
                        .field_errors()
                        .into_iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect();
                    errors.set(if fields.is_empty() {
                        vec![e.message()]
                    } else {
                        fields
                    });
                }
            }
        });
    };
    let label = move |en: &'static str, ru: &'static str| move || tr!(l.get(), en, ru);
    let common = view! {
        <label class="field"><span class="label">{label("Name", "Название")} <abbr class="req" title="required">"*"</abbr></span>
            {text_input(doc, "/name".into(), "name".into(), false)}</label>
    };
    let body = match kind {
        Nested::Sla => view! {
            <label class="field"><span class="label">{label("Calendar (none: round the clock)", "Календарь (нет — круглосуточно)")}</span>
                <select name="calendar_id" on:change=move |ev| {
                    let t = event_target_value(&ev);
                    doc.update(|d| set(d, "/calendar_id", number(&t)));
                }>
                    <option value="">"—"</option>
                    {move || calendars.get().into_iter().map(|(cid, name)| view! {
                        <option value=cid.to_string() selected=move || doc.with(|d| d["calendar_id"].as_i64() == Some(cid))>{name}</option>
                    }).collect_view()}
                </select></label>
            <label class="field"><span class="label">{label("Order (lower first)", "Порядок (меньше — раньше)")}</span>{text_input(doc, "/position".into(), "position".into(), true)}</label>
            <label class="field"><span class="label">{label("Warn at % of a target", "Предупреждать при % норматива")}</span>{text_input(doc, "/warn_percent".into(), "warn_percent".into(), true)}</label>
            <label class="field inline"><span class="label">{label("Active", "Активна")}</span>{check_input(doc, "/active".into(), "active".into())}</label>
            <table class="targets" data-test="targets">
                <caption>{label("Targets, minutes of working time (empty: not measured)", "Нормативы, минуты рабочего времени (пусто — не измеряется)")}</caption>
                <thead><tr><th></th><th>{label("First response", "Первый ответ")}</th><th>{label("Next response", "Следующий ответ")}</th><th>{label("Resolution", "Решение")}</th></tr></thead>
                <tbody>
                    {PRIORITIES.iter().map(|p| view! {
                        <tr>
                            <th scope="row">{*p}</th>
                            {["first_response_minutes", "next_response_minutes", "resolution_minutes"].into_iter().map(|t| view! {
                                <td>{text_input(doc, format!("/targets/{p}/{t}"), format!("{p}.{t}"), true)}</td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <fieldset>
                <legend>{label("Covers (nothing ticked: every case)", "Применяется к (ничего не отмечено — ко всем)")}</legend>
                <div class="field"><span class="label">{label("Priorities", "Приоритеты")}</span>{multi_check(doc, "/conditions/priorities", PRIORITIES)}</div>
                <div class="field"><span class="label">{label("Case types", "Типы обращений")}</span>{multi_check(doc, "/conditions/case_types", CASE_TYPES)}</div>
                <div class="field"><span class="label">{label("Channels", "Каналы")}</span>{multi_check(doc, "/conditions/channels", CHANNELS)}</div>
            </fieldset>
        }.into_any(),
        Nested::Calendar => view! {
            <label class="field"><span class="label">{label("Time zone (IANA)", "Часовой пояс (IANA)")}</span>{text_input(doc, "/time_zone".into(), "time_zone".into(), false)}</label>
            <fieldset data-test="week">
                <legend>{label("Working hours, e.g. 09:00-13:00, 14:00-18:00 (empty: day off)", "Рабочие часы, напр. 09:00-13:00, 14:00-18:00 (пусто — выходной)")}</legend>
                {days.get_value().into_iter().enumerate().map(|(i, day)| view! {
                    <label class="field"><span class="label">{move || weekday(l.get(), i)}</span>
                        <input name=format!("day{i}") prop:value=day on:input=move |ev| day.set(event_target_value(&ev))/></label>
                }).collect_view()}
            </fieldset>
            <label class="field"><span class="label">{label("Holidays, one per line: 2026-01-01..2026-01-08 New year", "Праздники, по одному в строке: 2026-01-01..2026-01-08 Новый год")}</span>
                <textarea name="holidays" rows="4" prop:value=off on:input=move |ev| off.set(event_target_value(&ev))></textarea></label>
        }.into_any(),
        Nested::Rule => view! {
            <label class="field"><span class="label">{label("When", "Когда")}</span>{select_input(doc, "/trigger".into(), "trigger".into(), Trigger::NAMES, false)}</label>
            {move || (doc.with(|d| d["trigger"] == "time_in_status")).then(|| view! {
                <label class="field"><span class="label">{label("Minutes in the status", "Минут в статусе")}</span>{text_input(doc, "/after_minutes".into(), "after_minutes".into(), true)}</label>
            })}
            <label class="field inline"><span class="label">{label("All conditions must match (else any)", "Все условия (иначе — любое)")}</span>{check_input(doc, "/match_all".into(), "match_all".into())}</label>
            <label class="field inline"><span class="label">{label("Active", "Активно")}</span>{check_input(doc, "/active".into(), "active".into())}</label>
            <label class="field"><span class="label">{label("Order (lower first)", "Порядок (меньше — раньше)")}</span>{text_input(doc, "/position".into(), "position".into(), true)}</label>
            <fieldset data-test="conditions">
                <legend>{label("Conditions (a list for `in`: comma-separated)", "Условия (для `in` — список через запятую)")}</legend>
                {move || (0..doc.with(|d| d["conditions"].as_array().map_or(0, Vec::len))).map(|i| view! {
                    <div class="row" data-test="condition">
                        {select_input(doc, format!("/conditions/{i}/field"), format!("conditions.{i}.field"), workflow::FIELDS, false)}
                        {select_input(doc, format!("/conditions/{i}/op"), format!("conditions.{i}.op"), Operator::NAMES, false)}
                        {text_input(doc, format!("/conditions/{i}/value"), format!("conditions.{i}.value"), false)}
                        <button type="button" class="link" on:click=move |_| doc.update(|d| { if let Some(a) = d["conditions"].as_array_mut() { if i < a.len() { a.remove(i); } } })>
                            {label("Remove", "Удалить")}</button>
                    </div>
                }).collect_view()}
                <button type="button" data-test="add-condition" on:click=move |_| doc.update(|d| {
                    if !d["conditions"].is_array() { d["conditions"] = json!([]); }
                    if let Some(a) = d["conditions"].as_array_mut() { a.push(json!({ "field": "priority", "op": "equals", "value": "" })); }
                })>{label("Add condition", "Добавить условие")}</button>
            </fieldset>
            <fieldset data-test="actions">
                <legend>{label("Actions", "Действия")}</legend>
                {move || (0..doc.with(|d| d["actions"].as_array().map_or(0, Vec::len))).map(|i| {
                    let kind_of = doc.with_untracked(|d| text_of(d.pointer(&format!("/actions/{i}/type"))));
                    view! {
                        <div class="row" data-test="action">
                            <select name=format!("actions.{i}.type") aria-label=move || aria(l.get(), &format!("actions.{i}.type")) on:change=move |ev| {
                                let t = event_target_value(&ev);
                                doc.update(|d| set(d, &format!("/actions/{i}"), json!({ "type": t })));
                            }>
                                {ACTIONS.iter().map(|a| view! { <option value=*a selected=kind_of == *a>{move || i18n::code(l.get(), a)}</option> }).collect_view()}
                            </select>
                            {params(&kind_of).iter().map(|(key, p)| {
                                let ptr = format!("/actions/{i}/{key}");
                                let name = format!("actions.{i}.{key}");
                                view! {
                                    <label class="inline"><span class="label">{move || i18n::code(l.get(), key)}</span>
                                        {match p {
                                            P::Choice(options) => select_input(doc, ptr, name, options, false).into_any(),
                                            P::LongText => {
                                                let p2 = ptr.clone();
                                                view! { <textarea name=name rows="2" prop:value=move || doc.with(|d| text_of(d.pointer(&p2)))
                                                    on:input=move |ev| { let t = event_target_value(&ev); doc.update(|d| set(d, &ptr, json!(t))); }></textarea> }.into_any()
                                            }
                                            P::Num => text_input(doc, ptr, name, true).into_any(),
                                            P::Text | P::Nums | P::Words => text_input(doc, ptr, name, false).into_any(),
                                        }}
                                    </label>
                                }
                            }).collect_view()}
                            <button type="button" class="link" on:click=move |_| doc.update(|d| { if let Some(a) = d["actions"].as_array_mut() { if i < a.len() { a.remove(i); } } })>
                                {label("Remove", "Удалить")}</button>
                        </div>
                    }
                }).collect_view()}
                <button type="button" data-test="add-action" on:click=move |_| doc.update(|d| {
                    if !d["actions"].is_array() { d["actions"] = json!([]); }
                    if let Some(a) = d["actions"].as_array_mut() { a.push(json!({ "type": "set_priority", "priority": "urgent" })); }
                })>{label("Add action", "Добавить действие")}</button>
            </fieldset>
        }.into_any(),
    };
    view! {
        <form class="form record" data-test="admin-form" on:submit=save novalidate>
            {common}
            {body}
            {move || (!errors.get().is_empty()).then(|| view! {
                <ul class="error" role="alert" data-test="form-errors">{errors.get().into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            })}
            <button type="submit" data-test="save" disabled=move || busy.get()>{label("Save", "Сохранить")}</button>
        </form>
    }
}
