//! The organization picker: type-ahead over the directory.

use helpdesk_api_types::crm::{Organization, OrganizationPage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, enc};
use crate::tr;
use crate::ui::lang;

/// Type-ahead over the organization directory; `picked` gets the chosen one.
#[component]
pub fn OrgPicker(
    picked: RwSignal<Option<Organization>>,
    #[prop(into)] label: Signal<&'static str>,
    test: &'static str,
) -> impl IntoView {
    let l = lang();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Organization>::new());
    let search = move |q: String| {
        if q.trim().chars().count() < 2 {
            found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(p) = api::get::<OrganizationPage>(&format!(
                "/api/v1/organizations?q={}&limit=8",
                enc(&q)
            ))
            .await
            {
                found.set(p.items);
            }
        });
    };
    view! {
        <div class="typeahead">
            <label class="field"><span class="label">{move || label.get()}</span>
                {move || match picked.get() {
                    Some(o) => view! {
                        <span class="picked" data-test=format!("{test}-picked")>{o.name.clone()} {o.inn.clone().map(|i| format!(" · ИНН {i}"))}
                            " " <button type="button" class="link" on:click=move |_| picked.set(None)>{tr!(l.get(), "change", "изменить")}</button>
                        </span>
                    }.into_any(),
                    None => view! {
                        <input type="search" data-test=test autocomplete="off"
                            placeholder=move || tr!(l.get(), "Type a name…", "Начните вводить название…")
                            prop:value=text on:input=move |ev| { let v = event_target_value(&ev); text.set(v.clone()); search(v); }/>
                    }.into_any(),
                }}
            </label>
            {move || (picked.get().is_none() && !found.with(Vec::is_empty)).then(|| view! {
                <ul class="suggest" role="listbox" data-test=format!("{test}-suggest")>
                    {found.get().into_iter().map(|o| {
                        let o2 = o.clone();
                        view! { <li role="option"><button type="button" class="link" on:click=move |_| { picked.set(Some(o2.clone())); found.set(Vec::new()); }>
                            {o.name.clone()} {o.inn.clone().map(|i| format!(" · {i}"))}</button></li> }
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}
