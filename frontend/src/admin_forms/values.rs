//! Reading and writing the edited JSON: pointers, numbers, lists, intervals, holidays.

use super::*;

/// Sets the value at a JSON pointer, making the objects on the way (an array index past the
/// end is ignored).
pub(super) fn set(doc: &mut Value, ptr: &str, v: Value) {
    let parts: Vec<&str> = ptr.trim_start_matches('/').split('/').collect();
    set_at(doc, &parts, v);
}

pub(super) fn set_at(at: &mut Value, parts: &[&str], v: Value) {
    let Some((first, rest)) = parts.split_first() else {
        *at = v;
        return;
    };
    if let Some(items) = at.as_array_mut() {
        if let Some(slot) = first.parse::<usize>().ok().and_then(|n| items.get_mut(n)) {
            set_at(slot, rest, v);
        }
        return;
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let Some(obj) = at.as_object_mut() {
        set_at(
            obj.entry((*first).to_owned()).or_insert(Value::Null),
            rest,
            v,
        );
    }
}

pub(super) fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| text_of(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

/// A number, or the text as typed (so that the API names the field), or null when empty.
pub(super) fn number(text: &str) -> Value {
    let t = text.trim();
    if t.is_empty() {
        Value::Null
    } else {
        t.parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(t))
    }
}

pub(super) fn list(text: &str, numbers: bool) -> Value {
    Value::Array(
        text.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| if numbers { number(x) } else { json!(x) })
            .collect(),
    )
}

/// A condition's value as typed: a list for `in`, a number when it is one, null when empty.
pub(super) fn condition_value(op: &str, text: &str) -> Value {
    if op == "in" {
        return list(text, false)
            .as_array()
            .map(|a| {
                Value::Array(
                    a.iter()
                        .map(|x| number(x.as_str().unwrap_or_default()))
                        .collect(),
                )
            })
            .unwrap_or_default();
    }
    number(text)
}

/// `09:00-13:00, 14:00-18:00` as intervals; an empty text is a day off.
pub(super) fn intervals(text: &str) -> Result<Value, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (start, end) = part
            .split_once('-')
            .ok_or_else(|| format!("`{part}`: write start-end, like 09:00-18:00"))?;
        out.push(json!({ "start": start.trim(), "end": end.trim() }));
    }
    Ok(Value::Array(out))
}

pub(super) fn intervals_text(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|i| format!("{}-{}", text_of(i.get("start")), text_of(i.get("end"))))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// One holiday per line: `2026-01-01..2026-01-08 New year` or `2026-06-12 Russia Day`.
pub(super) fn holidays(text: &str) -> Value {
    Value::Array(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (dates, name) = l.split_once(' ').unwrap_or((l, ""));
                let (from, to) = dates.split_once("..").unwrap_or((dates, ""));
                json!({ "from": from, "to": (!to.is_empty()).then_some(to),
                        "name": (!name.trim().is_empty()).then(|| name.trim()) })
            })
            .collect(),
    )
}

pub(super) fn holidays_text(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    let mut line = text_of(h.get("from"));
                    if let Some(to) = h.get("to").and_then(Value::as_str) {
                        line.push_str(&format!("..{to}"));
                    }
                    if let Some(name) = h.get("name").and_then(Value::as_str) {
                        line.push_str(&format!(" {name}"));
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

pub(super) fn weekday(l: Lang, i: usize) -> &'static str {
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const RU: [&str; 7] = [
        "Понедельник",
        "Вторник",
        "Среда",
        "Четверг",
        "Пятница",
        "Суббота",
        "Воскресенье",
    ];
    tr!(l, EN[i % 7], RU[i % 7])
}
