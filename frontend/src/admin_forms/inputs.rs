//! The inputs of the nested editors, each bound to a place in the edited JSON.

use super::*;

/// The accessible name of an input without a label of its own (in the targets grid, in the
/// rows of conditions and actions), named like `conditions.0.op`: "Condition · 1 · Operator".
pub(super) fn aria(l: Lang, name: &str) -> String {
    name.split('.')
        .map(|part| match part.parse::<usize>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) => i18n::code(l, part),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A text input bound to a pointer of the record.
pub(super) fn text_input(
    doc: RwSignal<Value>,
    ptr: String,
    name: String,
    numeric: bool,
) -> impl IntoView {
    let l = lang();
    let p = ptr.clone();
    let label = name.clone();
    view! {
        <input name=name aria-label=move || label.contains('.').then(|| aria(l.get(), &label)) inputmode=if numeric { "numeric" } else { "text" }
            prop:value=move || doc.with(|d| text_of(d.pointer(&p)))
            on:input=move |ev| {
                let t = event_target_value(&ev);
                let v = if numeric { number(&t) } else { json!(t) };
                doc.update(|d| set(d, &ptr, v));
            }/>
    }
}

pub(super) fn select_input(
    doc: RwSignal<Value>,
    ptr: String,
    name: String,
    options: &'static [&'static str],
    empty: bool,
) -> impl IntoView {
    let l = lang();
    let p = ptr.clone();
    let current = move || doc.with(|d| text_of(d.pointer(&p)));
    let label = name.clone();
    view! {
        <select name=name aria-label=move || label.contains('.').then(|| aria(l.get(), &label)) on:change=move |ev| {
            let t = event_target_value(&ev);
            doc.update(|d| set(d, &ptr, if t.is_empty() { Value::Null } else { json!(t) }));
        }>
            {empty.then(|| view! { <option value="">"—"</option> })}
            {options.iter().map(|o| {
                let current = current.clone();
                view! { <option value=*o selected=move || current() == *o>{move || i18n::code(l.get(), o)}</option> }
            }).collect_view()}
        </select>
    }
}

pub(super) fn check_input(doc: RwSignal<Value>, ptr: String, name: String) -> impl IntoView {
    let p = ptr.clone();
    view! {
        <input type="checkbox" name=name
            prop:checked=move || doc.with(|d| d.pointer(&p).and_then(Value::as_bool).unwrap_or(false))
            on:change=move |ev| { let on = event_target_checked(&ev); doc.update(|d| set(d, &ptr, json!(on))); }/>
    }
}

/// Checkboxes over a list of values (an empty list matches anything).
pub(super) fn multi_check(
    doc: RwSignal<Value>,
    ptr: &'static str,
    options: &'static [&'static str],
) -> impl IntoView {
    let l = lang();
    view! {
        <span class="checks" data-test=ptr.trim_start_matches('/').replace('/', "-")>
            {options.iter().map(|o| {
                let has = move || doc.with(|d| d.pointer(ptr).and_then(Value::as_array).is_some_and(|a| a.iter().any(|x| x == o)));
                view! {
                    <label class="inline"><input type="checkbox" value=*o prop:checked=has
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            doc.update(|d| {
                                let mut items: Vec<Value> = d.pointer(ptr).and_then(Value::as_array).cloned().unwrap_or_default();
                                items.retain(|x| x != o);
                                if on { items.push(json!(o)); }
                                set(d, ptr, Value::Array(items));
                            });
                        }/>{move || i18n::code(l.get(), o)}</label>
                }
            }).collect_view()}
        </span>
    }
}
