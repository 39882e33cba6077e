//! Choosing records by name instead of by id: type a few letters (for organizations and
//! contacts also an INN, a phone or an address), then pick with the arrows and Enter or the
//! mouse. The chosen records show as chips with their names; the form keeps their ids.

use std::collections::HashMap;
use std::time::Duration;

use helpdesk_api_types::search::SearchResults;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::api::{self, enc, ApiError};
use crate::route::{Link, Route};
use crate::tr;
use crate::ui::{lang, list_arrows};

/// What is picked.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Pick {
    Organization,
    Contact,
    Product,
    Team,
    /// Agents and admins.
    Staff,
}

/// One record offered: its id, its name and a line that tells it apart (HTML, escaped).
#[derive(Clone, PartialEq)]
struct Offer {
    id: i64,
    name: String,
    detail: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The ids a field's text holds (`"3, 5"`).
pub fn ids(text: &str) -> Vec<i64> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter_map(|x| x.parse().ok())
        .collect()
}

fn joined(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record's name as people know it.
fn name_of(pick: Pick, v: &Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or("").trim().to_owned();
    match pick {
        Pick::Contact => format!("{} {}", s("first_name"), s("last_name")),
        _ => s("name"),
    }
}

/// Whether `name` (or `extra`) holds every word of `text`, in any case.
fn matches(text: &str, name: &str, extra: &str) -> bool {
    let hay = format!("{name} {extra}").to_lowercase();
    text.to_lowercase()
        .split_whitespace()
        .all(|w| hay.contains(w))
}

fn items(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        mut v => v["items"].take().as_array().cloned().unwrap_or_default(),
    }
}

impl Pick {
    fn path(self) -> &'static str {
        match self {
            Pick::Organization => "/api/v1/organizations",
            Pick::Contact => "/api/v1/contacts",
            Pick::Product => "/api/v1/products",
            Pick::Team => "/api/v1/teams",
            Pick::Staff => "/api/v1/users",
        }
    }

    async fn name(self, id: i64) -> Option<String> {
        let v: Value = api::get(&format!("{}/{id}", self.path())).await.ok()?;
        Some(name_of(self, &v)).filter(|n| !n.is_empty())
    }

    /// At most eight records for the text typed so far.
    async fn offers(self, text: String) -> Result<Vec<Offer>, ApiError> {
        let kind = match self {
            Pick::Organization => Some("organization"),
            Pick::Contact => Some("contact"),
            _ => None,
        };
        if let Some(kind) = kind {
            // The search finds names as they are typed, INNs, phones and addresses.
            let path = format!("/api/v1/search?kinds={kind}&limit=8&q={}", enc(text.trim()));
            let found: SearchResults = api::get(&path).await?;
            return Ok(found
                .items
                .into_iter()
                .map(|h| Offer {
                    id: h.id,
                    name: h.title,
                    detail: h.snippet,
                })
                .collect());
        }
        let list = match self {
            Pick::Product => "/api/v1/products?limit=200",
            Pick::Staff => "/api/v1/users?limit=200",
            _ => "/api/v1/teams",
        };
        let all: Value = api::get(list).await?;
        Ok(items(all)
            .into_iter()
            .filter(|v| self != Pick::Staff || v["role"] != "portal")
            .filter_map(|v| {
                let name = name_of(self, &v);
                let extra = v["email"].as_str().unwrap_or_default().to_owned();
                matches(&text, &name, &extra).then(|| Offer {
                    id: v["id"].as_i64().unwrap_or_default(),
                    detail: escape(&extra),
                    name,
                })
            })
            .take(8)
            .collect())
    }
}

/// Each record's name once known (`None` while it is being asked for). Reference-counted
/// signals: they outlive the component that first asked, unlike those owned by a component.
type Names = HashMap<(Pick, i64), ArcRwSignal<Option<String>>>;

thread_local! {
    /// Names already asked for, so that a list naming the same record on every row asks once.
    static NAMES: std::cell::RefCell<Names> = std::cell::RefCell::new(HashMap::new());
}

/// A record's name, asked for once per page load (`None` until it is known).
fn known_name(pick: Pick, id: i64) -> ArcRwSignal<Option<String>> {
    if let Some(name) = NAMES.with(|n| n.borrow().get(&(pick, id)).cloned()) {
        return name;
    }
    let name = ArcRwSignal::new(None);
    NAMES.with(|n| n.borrow_mut().insert((pick, id), name.clone()));
    let setter = name.clone();
    spawn_local(async move { setter.set(pick.name(id).await) });
    name
}

/// A chosen record shown by name, linked to its page where it has one.
#[component]
pub fn RecordName(pick: Pick, id: i64) -> impl IntoView {
    let name = known_name(pick, id);
    let shown = move || name.get().unwrap_or_else(|| format!("#{id}"));
    let route = match pick {
        Pick::Organization => Some(Route::Organization(id)),
        Pick::Contact => Some(Route::Contact(id)),
        Pick::Product => Some(Route::Product(id)),
        Pick::Team | Pick::Staff => None,
    };
    match route {
        Some(to) => {
            view! { <Link to><span data-test="record-name">{shown}</span></Link> }.into_any()
        }
        None => view! { <span data-test="record-name">{shown}</span> }.into_any(),
    }
}

/// How long the picker waits for the next key before it asks.
const PAUSE: Duration = Duration::from_millis(150);

/// A field whose `value` is the chosen record's id (or, with `many`, ids separated by commas).
#[component]
pub fn Picker(
    pick: Pick,
    value: RwSignal<String>,
    name: &'static str,
    #[prop(optional)] many: bool,
) -> impl IntoView {
    let l = lang();
    let names = RwSignal::new(HashMap::<i64, String>::new());
    // Records chosen before (or set from outside, as a reload brings them) are named too.
    Effect::new(move |_| {
        for id in ids(&value.get()) {
            if names.with_untracked(|m| m.contains_key(&id)) {
                continue;
            }
            spawn_local(async move {
                if let Some(n) = pick.name(id).await {
                    let _ = names.try_update(|m| {
                        m.insert(id, n);
                    });
                }
            });
        }
    });
    let text = RwSignal::new(String::new());
    let offers = RwSignal::new(None::<Result<Vec<Offer>, String>>);
    let active = RwSignal::new(0usize);
    let open = RwSignal::new(false);
    let asked = StoredValue::new(0u64);
    let ask = move |now: String| {
        let n = asked.get_value() + 1;
        asked.set_value(n);
        if now.trim().is_empty() {
            offers.set(None);
            return;
        }
        set_timeout(
            move || {
                if asked.try_get_value() != Some(n) {
                    return;
                }
                spawn_local(async move {
                    let found = pick.offers(now).await.map_err(|e| e.message());
                    if asked.try_get_value() == Some(n) {
                        active.set(0);
                        offers.set(Some(found));
                    }
                });
            },
            PAUSE,
        );
    };
    let choose = move |o: &Offer| {
        names.update(|m| {
            m.insert(o.id, o.name.clone());
        });
        let mut list = if many {
            ids(&value.get_untracked())
        } else {
            Vec::new()
        };
        if !list.contains(&o.id) {
            list.push(o.id);
        }
        value.set(joined(&list));
        text.set(String::new());
        offers.set(None);
    };
    let remove = move |id: i64| {
        let list: Vec<i64> = ids(&value.get_untracked())
            .into_iter()
            .filter(|x| *x != id)
            .collect();
        value.set(joined(&list));
    };
    let shown = move || match offers.get() {
        Some(Ok(o)) => o,
        _ => Vec::new(),
    };
    let keys = move |ev: web_sys::KeyboardEvent| {
        let n = shown().len();
        if list_arrows(&ev, n, active, open) {
            return;
        }
        match ev.key().as_str() {
            // Enter picks; it never submits the form around the picker.
            "Enter" => {
                ev.prevent_default();
                if let Some(o) = shown().get(active.get_untracked()) {
                    choose(o);
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let list_id = format!("pick-{name}-offers");
    view! {
        <div class="picker" data-test=format!("pick-{name}")>
            <input type="search" name=name autocomplete="off" role="combobox"
                aria-controls=list_id.clone() aria-autocomplete="list"
                aria-expanded=move || (open.get() && offers.get().is_some()).to_string()
                placeholder=move || if many || value.get().is_empty() {
                    tr!(l.get(), "Type to find…", "Начните вводить…")
                } else {
                    tr!(l.get(), "Type to change…", "Начните вводить, чтобы заменить…")
                }
                prop:value=text
                on:input=move |ev| {
                    let now = event_target_value(&ev);
                    text.set(now.clone());
                    open.set(true);
                    ask(now);
                }
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=keys/>
            <ul id=list_id class="picker-offers" role="listbox"
                hidden=move || !open.get() || offers.get().is_none()>
                {move || match offers.get() {
                    None => ().into_any(),
                    Some(Err(why)) => view! { <li class="error">{why}</li> }.into_any(),
                    Some(Ok(o)) if o.is_empty() => view! {
                        <li class="hint" data-test="pick-none">{tr!(l.get(), "Nothing found.", "Ничего не найдено.")}</li>
                    }.into_any(),
                    Some(Ok(o)) => o.into_iter().enumerate().map(|(i, offer)| {
                        let title = offer.name.clone();
                        let detail = offer.detail.clone();
                        view! {
                            <li role="option" data-test="pick-option" class:active=move || active.get() == i
                                aria-selected=move || (active.get() == i).to_string()
                                on:mousedown=move |ev| ev.prevent_default()
                                on:mouseenter=move |_| active.set(i)
                                on:click=move |_| choose(&offer)>
                                <strong>{title}</strong>
                                " " <span class="snippet" inner_html=detail></span>
                            </li>
                        }
                    }).collect_view().into_any(),
                }}
            </ul>
            // After the input, so that the label around the field points at the input, not at a
            // chip's button; the style shows the chips first.
            <ul class="chips">
                {move || ids(&value.get()).into_iter().map(|id| view! {
                    <li class="chip" data-test="picked">
                        {move || names.with(|m| m.get(&id).cloned()).unwrap_or_else(|| format!("#{id}"))}
                        <button type="button" class="link" data-test="unpick"
                            aria-label=move || tr!(l.get(), "Remove", "Убрать")
                            on:click=move |_| remove(id)>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_and_written_as_the_form_keeps_them() {
        assert_eq!(ids("3, 5 8,,x"), [3, 5, 8]);
        assert_eq!(joined(&[3, 5]), "3, 5");
        assert_eq!(joined(&[]), "");
    }

    #[test]
    fn every_word_typed_must_match() {
        assert!(matches("pav orl", "Pavel Orlov", ""));
        assert!(matches("PAVEL", "Pavel Orlov", "pavel@example.test"));
        assert!(matches("example.test", "Pavel Orlov", "pavel@example.test"));
        assert!(!matches("pavel ivanov", "Pavel Orlov", ""));
    }
}
