//! The new case form: organization from the directory (type-ahead) or by INN with the registry
//! filling KPP and name, the applicant picked or entered, product and component with the
//! contracted ones marked, the case type limited to consultation without a contract.

mod checks;
mod org_picker;
mod submit;

pub use checks::{inn_error, kpp_error, mask_phone};
pub use org_picker::OrgPicker;

use helpdesk_api_types::catalog::{ContractPage, ProductPage};
use helpdesk_api_types::crm::{Contact, ContactPage, Organization, OrganizationPage};
use helpdesk_api_types::registry::RegistryParty;
use helpdesk_api_types::{CaseType, Channel, Priority};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api::{self};
use crate::chosen_files::{ChosenFiles, FileChooser};
use crate::i18n::{self};
use crate::route::Route;
use crate::tr;
use crate::ui::{lang, toasts, Fetch, Field};
use checks::phone_error;
use submit::{submit, FIELDS, FORM};

#[component]
pub fn NewCasePage() -> impl IntoView {
    let l = lang();
    let org = RwSignal::new(None::<Organization>);
    let customer = RwSignal::new(None::<Organization>);
    let customer_differs = RwSignal::new(false);
    // A new organization entered by INN.
    let inn = RwSignal::new(String::new());
    let kpp = RwSignal::new(String::new());
    let org_name = RwSignal::new(String::new());
    let lookup_note = RwSignal::new(None::<String>);
    // The applicant: an existing contact of the organization, or a new one.
    let contacts = RwSignal::new(Vec::<Contact>::new());
    let contact_id = RwSignal::new(None::<i64>);
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    // The case.
    let products = Fetch::<ProductPage>::new("/api/v1/products?limit=200");
    let contracted = RwSignal::new(Vec::<i64>::new());
    let product = RwSignal::new(None::<i64>);
    let component = RwSignal::new(None::<i64>);
    let case_type = RwSignal::new(CaseType::Consultation);
    let channel = RwSignal::new(Channel::Phone);
    let priority = RwSignal::new(Priority::Normal);
    let system_info = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let errors = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let busy = RwSignal::new(false);
    let chosen = ChosenFiles::new();
    let err = move |k: &'static str| Signal::derive(move || errors.with(|e| e.get(k).cloned()));
    // Errors no field of the form shows (the request's own, or a field it has no input for)
    // are listed at the top: an error is never invisible.
    let unplaced = Signal::derive(move || {
        errors.with(|e| {
            e.iter()
                .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
                .map(|(k, v)| {
                    if k == FORM {
                        v.clone()
                    } else {
                        format!("{k}: {v}")
                    }
                })
                .collect::<Vec<_>>()
        })
    });

    // Picking an organization loads its contacts and contracts.
    Effect::new(move |_| {
        let holder = if customer_differs.get() {
            customer.get()
        } else {
            org.get()
        };
        let o = org.get();
        contact_id.set(None);
        contacts.set(Vec::new());
        contracted.set(Vec::new());
        if let Some(o) = o {
            spawn_local(async move {
                if let Ok(p) = api::get::<ContactPage>(&format!(
                    "/api/v1/contacts?organization_id={}&limit=100",
                    o.id
                ))
                .await
                {
                    contacts.set(p.items);
                }
            });
        }
        if let Some(h) = holder {
            spawn_local(async move {
                if let Ok(p) = api::get::<ContractPage>(&format!(
                    "/api/v1/contracts?organization_id={}&limit=200",
                    h.id
                ))
                .await
                {
                    contracted.set(
                        p.items
                            .into_iter()
                            .filter(|c| c.in_force)
                            .map(|c| c.product_id)
                            .collect(),
                    );
                }
            });
        }
    });
    let has_contract = move || product.get().is_some_and(|p| contracted.get().contains(&p));
    // Without a contract for the product only a consultation is possible.
    Effect::new(move |_| {
        if !has_contract() {
            case_type.set(CaseType::Consultation);
        }
    });

    // Enter in the INN field: check the digits, then look the company up.
    let lookup = move || {
        let lg = l.get_untracked();
        let value = inn.get_untracked().trim().to_owned();
        let problem = inn_error(lg, &value);
        errors.update(|e| match &problem {
            Some(p) => {
                e.insert("inn".into(), p.clone());
            }
            None => {
                e.remove("inn");
            }
        });
        if problem.is_some() || value.is_empty() {
            return;
        }
        lookup_note.set(Some(tr!(lg, "Looking up…", "Ищем…").to_owned()));
        spawn_local(async move {
            // Already in the directory?
            if let Ok(p) =
                api::get::<OrganizationPage>(&format!("/api/v1/organizations?inn={value}&limit=1"))
                    .await
            {
                if let Some(o) = p.items.into_iter().next() {
                    org.set(Some(o));
                    lookup_note.set(Some(
                        tr!(lg, "Found in the directory.", "Найдена в справочнике.").to_owned(),
                    ));
                    return;
                }
            }
            match api::get::<RegistryParty>(&format!("/api/v1/registry/organizations/{value}"))
                .await
            {
                Ok(party) => {
                    org_name.set(party.short_name.clone().unwrap_or(party.name.clone()));
                    kpp.set(party.kpp.clone().unwrap_or_default());
                    lookup_note.set(Some(
                        tr!(lg, "Filled from the registry.", "Заполнено из реестра.").to_owned(),
                    ));
                }
                Err(e) => lookup_note.set(Some(
                    match e.status() {
                        Some(404) => tr!(
                            lg,
                            "Not in the registry; enter the name.",
                            "В реестре не найдено; введите название."
                        ),
                        // The server's words are for the administrator; the agent is told
                        // what to do.
                        Some(503) => tr!(
                            lg,
                            "The registry is not connected; enter the details by hand.",
                            "Реестр не подключён; введите реквизиты вручную."
                        ),
                        _ => tr!(
                            lg,
                            "The registry did not answer; enter the details by hand.",
                            "Реестр не ответил; введите реквизиты вручную."
                        ),
                    }
                    .to_owned(),
                )),
            }
        });
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lg = l.get_untracked();
        let mut local = std::collections::BTreeMap::new();
        if subject.get_untracked().trim().is_empty() {
            local.insert(
                "subject".to_owned(),
                tr!(lg, "Required", "Обязательное поле").to_owned(),
            );
        }
        if org.get_untracked().is_none() {
            if let Some(e) = inn_error(lg, &inn.get_untracked()) {
                local.insert("inn".into(), e);
            }
            if let Some(e) = kpp_error(lg, &kpp.get_untracked()) {
                local.insert("kpp".into(), e);
            }
            if !inn.get_untracked().trim().is_empty() && org_name.get_untracked().trim().is_empty()
            {
                local.insert(
                    "org_name".into(),
                    tr!(lg, "Required with an INN", "Обязательно при вводе ИНН").to_owned(),
                );
            }
        }
        if contact_id.get_untracked().is_none() {
            if let Some(e) = phone_error(lg, &phone.get_untracked()) {
                local.insert("phones".into(), e);
            }
            let named =
                !first.get_untracked().trim().is_empty() || !last.get_untracked().trim().is_empty();
            if !named
                && (!email.get_untracked().trim().is_empty()
                    || !phone.get_untracked().trim().is_empty())
            {
                local.insert(
                    "last_name".into(),
                    tr!(lg, "Name the applicant", "Укажите заявителя").to_owned(),
                );
            }
        }
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = submit(
                org.get_untracked(), (inn.get_untracked(), kpp.get_untracked(), org_name.get_untracked()),
                if customer_differs.get_untracked() { customer.get_untracked().map(|c| c.id) } else { None },
                contact_id.get_untracked(),
                (first.get_untracked(), last.get_untracked(), email.get_untracked(), phone.get_untracked()),
                // What a step created stays chosen: a second Save after an error later on does
                // not create the organization or the applicant again.
                move |o: Organization| org.set(Some(o)),
                move |c: i64| contact_id.set(Some(c)),
                json!({
                    "subject": subject.get_untracked(),
                    "description": text.get_untracked(),
                    "priority": priority.get_untracked(),
                    "case_type": case_type.get_untracked(),
                    "channel": channel.get_untracked(),
                    "product_id": product.get_untracked(),
                    "component_id": component.get_untracked(),
                    "system_info": Some(system_info.get_untracked()).filter(|s| !s.trim().is_empty()),
                }),
            ).await;
            busy.set(false);
            match result {
                Ok(case) => {
                    toasts().push(
                        tr!(lg, "Case registered:", "Обращение зарегистрировано:").to_owned(),
                        Some((format!("#{}", case.number), Route::Case(case.id))),
                        false,
                    );
                    // Files chosen on the form go onto the new case; the page follows once
                    // they are up.
                    let path = format!("/api/v1/cases/{}/attachments", case.id);
                    chosen.send_then_go(path, Route::Case(case.id));
                }
                Err((prefix, e)) => {
                    let mut map = e.errors_by_input();
                    // The organization's own name has its own input.
                    if prefix == "org" {
                        if let Some(v) = map.remove("name") {
                            map.insert("org_name".to_owned(), v);
                        }
                    }
                    errors.set(map);
                }
            }
        });
    };

    let types = [
        CaseType::Consultation,
        CaseType::Error,
        CaseType::Enhancement,
        CaseType::Configuration,
    ];
    let channels = [
        Channel::Phone,
        Channel::Agent,
        Channel::Email,
        Channel::Portal,
        Channel::WebForm,
        Channel::Api,
    ];
    let prios = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    let t = move |en: &'static str, ru: &'static str| Signal::derive(move || tr!(l.get(), en, ru));
    view! {
        <form class="card form new-case" data-test="new-case" on:submit=save novalidate>
            <h1>{move || tr!(l.get(), "New case", "Новое обращение")}</h1>
            {move || {
                let list = unplaced.get();
                (!list.is_empty()).then(|| view! {
                    <div class="problem" role="alert" data-test="form-errors">
                        <ul>{list.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <fieldset>
                <legend>{move || tr!(l.get(), "Organization", "Организация")}</legend>
                <OrgPicker picked=org label=t("From the directory", "Из справочника") test="org"/>
                {move || org.get().is_none().then(|| view! {
                    <div class="row">
                        <Field label=t("or INN (Enter looks it up)", "или ИНН (Enter — поиск в реестре)") error=err("inn")>
                            <input name="inn" data-test="inn" inputmode="numeric" maxlength="12"
                                prop:value=inn on:input=move |ev| inn.set(event_target_value(&ev))
                                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); lookup(); }
                                on:blur=move |_| { let lg = l.get_untracked(); let e = inn_error(lg, &inn.get_untracked()); errors.update(|m| { match e { Some(x) => { m.insert("inn".into(), x); } None => { m.remove("inn"); } } }); }/>
                        </Field>
                        <Field label=t("KPP", "КПП") error=err("kpp")>
                            <input name="kpp" data-test="kpp" maxlength="9" prop:value=kpp on:input=move |ev| kpp.set(event_target_value(&ev))/>
                        </Field>
                        <Field label=t("Name", "Наименование") error=err("org_name")>
                            <input name="org_name" data-test="org-name" prop:value=org_name on:input=move |ev| org_name.set(event_target_value(&ev))/>
                        </Field>
                    </div>
                    {move || lookup_note.get().map(|n| view! { <p class="muted" data-test="lookup-note">{n}</p> })}
                })}
                <label class="check"><input type="checkbox" prop:checked=customer_differs on:change=move |ev| customer_differs.set(event_target_checked(&ev))/>
                    {move || tr!(l.get(), "The contract holder (customer) is another organization", "Держатель договора (заказчик) — другая организация")}</label>
                {move || customer_differs.get().then(|| view! { <OrgPicker picked=customer label=t("Customer", "Заказчик") test="customer"/> })}
            </fieldset>
            <fieldset>
                <legend>{move || tr!(l.get(), "Applicant", "Заявитель")}</legend>
                {move || (!contacts.with(Vec::is_empty)).then(|| view! {
                    <Field label=t("Contact of the organization", "Контакт организации") error=err("requester_id")>
                        <select data-test="contact" on:change=move |ev| contact_id.set(event_target_value(&ev).parse().ok())>
                            <option value="">{move || tr!(l.get(), "— a new person —", "— новый человек —")}</option>
                            {contacts.get().into_iter().map(|c| view! { <option value=c.id.to_string()>{format!("{} {}", c.first_name, c.last_name)}</option> }).collect_view()}
                        </select>
                    </Field>
                })}
                {move || contact_id.get().is_none().then(|| view! {
                    <div class="row">
                        <Field label=t("First name", "Имя") error=err("first_name")>
                            <input data-test="first-name" autocomplete="given-name" prop:value=first on:input=move |ev| first.set(event_target_value(&ev))/>
                        </Field>
                        <Field label=t("Last name", "Фамилия") error=err("last_name")>
                            <input data-test="last-name" autocomplete="family-name" prop:value=last on:input=move |ev| last.set(event_target_value(&ev))/>
                        </Field>
                        <Field label=t("Email", "Эл. почта") error=err("emails")>
                            <input type="email" data-test="email" placeholder="name@example.com" prop:value=email on:input=move |ev| email.set(event_target_value(&ev))/>
                        </Field>
                        <Field label=t("Phone", "Телефон") error=err("phones")>
                            <input type="tel" data-test="phone" placeholder="+7 (XXX) XXX-XX-XX ext 123" prop:value=phone
                                on:input=move |ev| phone.set(mask_phone(&event_target_value(&ev)))/>
                        </Field>
                    </div>
                })}
            </fieldset>
            <fieldset>
                <legend>{move || tr!(l.get(), "Case", "Обращение")}</legend>
                <div class="row">
                    <Field label=t("Product", "Продукт") error=err("product_id")>
                        <select data-test="product" on:change=move |ev| { product.set(event_target_value(&ev).parse().ok()); component.set(None); }>
                            <option value="">"—"</option>
                            {move || products.value().map(|p| p.items.into_iter().filter(|p| p.active).map(|p| {
                                let under = contracted.get().contains(&p.id);
                                view! { <option value=p.id.to_string() class:contracted=under>
                                    {p.name.clone()} {under.then(|| format!(" ★ {}", tr!(l.get(), "under contract", "по договору")))}
                                </option> }
                            }).collect_view())}
                        </select>
                    </Field>
                    <Field label=t("Component", "Компонент") error=err("component_id")>
                        <select data-test="component" on:change=move |ev| component.set(event_target_value(&ev).parse().ok())>
                            <option value="">"—"</option>
                            {move || products.value().and_then(|p| p.items.into_iter().find(|x| Some(x.id) == product.get())).map(|p| p.components.into_iter().map(|c| view! {
                                <option value=c.id.to_string()>{c.name}</option>
                            }).collect_view())}
                        </select>
                    </Field>
                    <Field label=t("Type", "Тип") error=err("case_type")>
                        <select data-test="case-type" on:change=move |ev| if let Ok(v) = serde_json::from_value(Value::String(event_target_value(&ev))) { case_type.set(v) }>
                            {types.into_iter().map(|ty| view! {
                                <option value=ty.as_str() prop:selected=move || case_type.get() == ty
                                    disabled=move || ty != CaseType::Consultation && !has_contract()>{move || i18n::case_type(l.get(), ty)}</option>
                            }).collect_view()}
                        </select>
                        {move || (!has_contract()).then(|| view! { <small class="muted" data-test="no-contract">{tr!(l.get(), "No contract for this product: consultation only", "Нет договора на продукт: только консультация")}</small> })}
                    </Field>
                </div>
                <div class="row">
                    <Field label=t("Channel", "Канал") error=err("channel")>
                        <select on:change=move |ev| if let Ok(v) = serde_json::from_value(Value::String(event_target_value(&ev))) { channel.set(v) }>
                            {channels.into_iter().map(|c| view! { <option value=c.as_str()>{move || i18n::channel(l.get(), c)}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field label=t("Priority", "Приоритет") error=err("priority")>
                        <select on:change=move |ev| if let Ok(v) = serde_json::from_value(Value::String(event_target_value(&ev))) { priority.set(v) }>
                            {prios.into_iter().map(|p| view! { <option value=p.as_str() prop:selected=p == Priority::Normal>{move || i18n::priority(l.get(), p)}</option> }).collect_view()}
                        </select>
                    </Field>
                </div>
                <Field label=t("Subject", "Тема") required=true error=err("subject")>
                    <input name="subject" data-test="subject" required prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev))/>
                </Field>
                <Field label=t("Text", "Текст") error=err("description")>
                    <textarea rows="6" data-test="description" prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </Field>
                <Field label=t("System information", "Информация о системе") error=err("system_info")>
                    <textarea rows="2" prop:value=system_info on:input=move |ev| system_info.set(event_target_value(&ev))></textarea>
                </Field>
            </fieldset>
            <FileChooser chosen/>
            <button type="submit" data-test="save" disabled=move || busy.get() || chosen.sending()>{move || tr!(l.get(), "Register", "Зарегистрировать")}</button>
        </form>
    }
}
