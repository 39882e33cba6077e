//! A case's audit trail in the reader's language: fields by their names, values as the rest of
//! the app shows them (statuses in words, people, teams, organizations and products by name).

use std::collections::{BTreeSet, HashMap};

use helpdesk_api_types::cases::AuditPage;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::agent::{directory, Directory};
use crate::api;
use crate::i18n::{self, Lang};
use crate::tr;
use crate::ui::{lang, pending, when, Fetch, Load};

/// The label of a case field.
pub fn field_label(lg: Lang, field: &str) -> String {
    let label = match field {
        "subject" => tr!(lg, "Subject", "Тема"),
        "description" => tr!(lg, "Description", "Описание"),
        "status" => tr!(lg, "Status", "Статус"),
        "priority" => tr!(lg, "Priority", "Приоритет"),
        "case_type" => tr!(lg, "Type", "Тип"),
        "channel" => tr!(lg, "Channel", "Канал"),
        "organization_id" => tr!(lg, "Organization", "Организация"),
        "customer_id" => tr!(lg, "Contract holder", "Заказчик"),
        "requester_id" => tr!(lg, "Requester", "Заявитель"),
        "contact_ids" => tr!(lg, "Contacts", "Контакты"),
        "product_id" => tr!(lg, "Product", "Продукт"),
        "component_id" => tr!(lg, "Component", "Компонент"),
        "support_line" => tr!(lg, "Support line", "Линия поддержки"),
        "team_id" => tr!(lg, "Team", "Группа"),
        "assignee_id" => tr!(lg, "Assignee", "Исполнитель"),
        "system_info" => tr!(lg, "System information", "Информация о системе"),
        "tags" => tr!(lg, "Tags", "Теги"),
        "resolution" => tr!(lg, "Resolution", "Решение"),
        "merged_into_id" => tr!(lg, "Merged into", "Объединено с"),
        "follow_up_of_id" => tr!(lg, "Follow-up of", "Продолжение обращения"),
        "mailbox_id" => tr!(lg, "Mailbox", "Почтовый ящик"),
        "closed_at" => tr!(lg, "Closed", "Закрыто"),
        "created_by_id" => tr!(lg, "Created by", "Создал"),
        other => return other.to_owned(),
    };
    label.to_owned()
}

/// The collection a field's id points into, for fields whose values are records by id.
fn collection(field: &str) -> Option<&'static str> {
    match field {
        "organization_id" | "customer_id" => Some("organizations"),
        "requester_id" | "contact_ids" => Some("contacts"),
        "product_id" => Some("products"),
        "team_id" => Some("teams"),
        "merged_into_id" | "follow_up_of_id" => Some("cases"),
        "mailbox_id" => Some("mailboxes"),
        _ => None,
    }
}

/// The ids a stored value names (one, or a list).
fn ids(raw: &Option<String>) -> Vec<i64> {
    match raw.as_deref().map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Number(n))) => n.as_i64().into_iter().collect(),
        Some(Ok(Value::Array(a))) => a.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

/// How a record reads by name.
fn name_of(kind: &str, v: &Value) -> Option<String> {
    let s = |k: &str| v[k].as_str().unwrap_or("").trim().to_owned();
    let name = match kind {
        "contacts" => format!("{} {}", s("first_name"), s("last_name"))
            .trim()
            .to_owned(),
        "cases" => format!("#{} {}", v["number"].as_i64()?, s("subject")),
        "mailboxes" => s("address"),
        _ => s("name"),
    };
    (!name.is_empty()).then_some(name)
}

type Names = RwSignal<HashMap<(&'static str, i64), String>>;

/// A stored value as the app shows it elsewhere; `—` for none.
fn shown(lg: Lang, field: &str, raw: Option<String>, dir: Directory, names: Names) -> String {
    let Some(raw) = raw else {
        return "—".to_owned();
    };
    let v: Value = serde_json::from_str(&raw).unwrap_or(Value::String(raw));
    let by_id = |kind: &'static str, id: i64| {
        names
            .with(|n| n.get(&(kind, id)).cloned())
            .unwrap_or_else(|| format!("#{id}"))
    };
    match (field, &v) {
        ("status" | "priority" | "case_type" | "channel", Value::String(code)) => {
            i18n::code(lg, code)
        }
        ("assignee_id" | "created_by_id", Value::Number(n)) => dir.user_name(n.as_i64()),
        ("closed_at", Value::String(t)) => t
            .parse::<chrono::DateTime<chrono::Utc>>()
            .map(|t| when(lg, t))
            .unwrap_or_else(|_| t.clone()),
        (f, Value::Number(n)) if collection(f).is_some() => by_id(
            collection(f).unwrap_or_default(),
            n.as_i64().unwrap_or_default(),
        ),
        (f, Value::Array(items)) => items
            .iter()
            .map(|x| match (collection(f), x) {
                (Some(kind), Value::Number(n)) => by_id(kind, n.as_i64().unwrap_or_default()),
                (_, Value::String(s)) => s.clone(),
                (_, other) => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Bool(b)) => if *b {
            tr!(lg, "yes", "да")
        } else {
            tr!(lg, "no", "нет")
        }
        .to_owned(),
        (_, other) => other.to_string(),
    }
}

#[component]
pub fn Audit(id: i64) -> impl IntoView {
    let l = lang();
    let audit = Fetch::<AuditPage>::new(format!("/api/v1/cases/{id}/audit?limit=100"));
    // Every change of the case shows up here as it happens.
    let feed = crate::live::live();
    Effect::new(move |_| {
        if feed.0.get().is_some_and(|e| e.case_id == id) {
            audit.reload();
        }
    });
    let dir = directory();
    let names: Names = RwSignal::new(HashMap::new());
    // The records the trail names, fetched once each, so that it reads by name.
    Effect::new(move |_| {
        let Load::Ready(page) = audit.get() else {
            return;
        };
        let mut wanted = BTreeSet::new();
        for a in &page.items {
            if let Some(kind) = collection(&a.field) {
                for id in ids(&a.old_value).into_iter().chain(ids(&a.new_value)) {
                    wanted.insert((kind, id));
                }
            }
        }
        for (kind, id) in wanted {
            if names.with_untracked(|n| n.contains_key(&(kind, id))) {
                continue;
            }
            spawn_local(async move {
                if let Ok(v) = api::get::<Value>(&format!("/api/v1/{kind}/{id}")).await {
                    if let Some(name) = name_of(kind, &v) {
                        names.update(|n| {
                            n.insert((kind, id), name);
                        });
                    }
                }
            });
        }
    });
    move || match audit.get() {
        Load::Ready(p) => {
            let lg = l.get();
            view! {
                <ol class="audit" data-test="audit">
                    {p.items.into_iter().map(|a| {
                        let field = a.field.clone();
                        let (old, new) = (a.old_value.clone(), a.new_value.clone());
                        view! {
                            <li>
                                <div class="hint">{when(lg, a.created_at)} " · " {match a.actor_user_id {
                                    Some(u) => dir.user_name(Some(u)),
                                    None => tr!(lg, "The helpdesk", "Система").to_owned(),
                                }}</div>
                                <strong data-test="audit-field">{field_label(lg, &a.field)}</strong>
                                ": "
                                <span data-test="audit-change">{move || {
                                    let f = field.clone();
                                    format!("{} → {}", shown(lg, &f, old.clone(), dir, names), shown(lg, &f, new.clone(), dir, names))
                                }}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
            .into_any()
        }
        other => pending(&other, move || audit.reload()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referenced_records_are_found_in_single_values_and_lists() {
        assert_eq!(ids(&Some("12".into())), [12]);
        assert_eq!(ids(&Some("[3,4]".into())), [3, 4]);
        assert!(ids(&None).is_empty());
        assert!(ids(&Some("\"open\"".into())).is_empty());
    }

    #[test]
    fn records_read_by_name() {
        let contact = serde_json::json!({ "first_name": "Анна", "last_name": "Орлова" });
        assert_eq!(
            name_of("contacts", &contact).as_deref(),
            Some("Анна Орлова")
        );
        let case = serde_json::json!({ "number": 1042, "subject": "Printer" });
        assert_eq!(name_of("cases", &case).as_deref(), Some("#1042 Printer"));
        assert_eq!(name_of("teams", &serde_json::json!({ "name": "" })), None);
    }

    #[test]
    fn every_case_field_has_a_label_in_both_languages() {
        for field in [
            "status",
            "assignee_id",
            "team_id",
            "contact_ids",
            "closed_at",
            "tags",
        ] {
            assert_ne!(field_label(Lang::En, field), field);
            assert_ne!(field_label(Lang::Ru, field), field_label(Lang::En, field));
        }
    }
}
