//! Who the customer is, beside the stream: the requester (title, addresses and phones as links,
//! whether they may be written to or called, portal access), the case's other contacts, the
//! contract holder when it is not the requester's organization, and the contracts in force
//! with their products — each a link to its record.

use helpdesk_api_types::cases::Case;
use helpdesk_api_types::catalog::{Contract, ContractPage};
use helpdesk_api_types::crm::Contact;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::Lang;
use crate::picker::{Pick, RecordName};
use crate::tr;
use crate::ui::{lang, Fetch};

/// A phone number as a `tel:` link: the digits and a leading `+`, the extension after `;ext=`
/// (RFC 3966) when one is written (`доб.`, `ext.`, `x`).
pub(crate) fn tel_href(phone: &str) -> String {
    let lower = phone.to_lowercase();
    let (main, ext) = ["доб.", "доб", "ext.", "ext", "x"]
        .iter()
        .find_map(|m| {
            lower
                .find(m)
                .map(|i| (&lower[..i], Some(&lower[i + m.len()..])))
        })
        .unwrap_or((&lower[..], None));
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let plus = if main.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    let mut href = format!("tel:{plus}{}", digits(main));
    if let Some(e) = ext.map(digits).filter(|e| !e.is_empty()) {
        href.push_str(";ext=");
        href.push_str(&e);
    }
    href
}

/// A stored phone number (`+74951002030;ext=123`) as people write it:
/// `+7 (495) 100-20-30 доб. 123`.
pub(crate) fn phone_shown(lg: Lang, phone: &str) -> String {
    let (main, ext) = match phone.split_once(";ext=") {
        Some((m, e)) => (m, Some(e)),
        None => (phone, None),
    };
    let mut out = crate::new_case::mask_phone(main);
    if let Some(e) = ext {
        out.push_str(tr!(lg, " ext. ", " доб. "));
        out.push_str(e);
    }
    out
}

/// The contracts in force of the case's contract holder (its customer, else its organization),
/// fetched again when the holder changes; `None` until known. One fetch for the whole case page:
/// the customer card lists them, the details card offers the case types they allow.
pub(crate) fn contracts_in_force(case: Fetch<Case>) -> RwSignal<Option<Vec<Contract>>> {
    let contracts = RwSignal::new(None);
    let holder = Memo::new(move |_| {
        case.value()
            .and_then(|c| c.customer_id.or(c.organization_id))
    });
    Effect::new(move |_| {
        let Some(h) = holder.get() else {
            contracts.set(Some(Vec::new()));
            return;
        };
        spawn_local(async move {
            let path = format!("/api/v1/contracts?organization_id={h}&limit=200");
            if let Ok(p) = api::get::<ContractPage>(&path).await {
                let _ =
                    contracts.try_set(Some(p.items.into_iter().filter(|c| c.in_force).collect()));
            }
        });
    });
    contracts
}

#[component]
pub fn CustomerCard(
    case: Fetch<Case>,
    contracts: RwSignal<Option<Vec<Contract>>>,
) -> impl IntoView {
    let l = lang();
    let requester = Memo::new(move |_| case.value().and_then(|c| c.requester_id));
    let contact = RwSignal::new(None::<Contact>);
    Effect::new(move |_| {
        let Some(id) = requester.get() else {
            contact.set(None);
            return;
        };
        spawn_local(async move {
            if let Ok(c) = api::get::<Contact>(&format!("/api/v1/contacts/{id}")).await {
                let _ = contact.try_set(Some(c));
            }
        });
    });
    // The contract holder: the organization the case is for, unless another one holds the
    // contract.
    let orgs = Memo::new(move |_| {
        case.value()
            .map(|c| (c.organization_id, c.customer_id))
            .unwrap_or_default()
    });
    let others = move || {
        case.value()
            .map(|c| {
                c.contact_ids
                    .into_iter()
                    .filter(|id| Some(*id) != c.requester_id)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    view! {
        <section class="card customer" data-test="customer-card">
            <h2>{move || tr!(l.get(), "Customer", "Клиент")}</h2>
            {move || requester.get().map(|id| { let lg = l.get(); view! {
                <p class="who"><RecordName pick=Pick::Contact id/>
                    {move || contact.get().and_then(|c| c.title).map(|t| view! { <span class="hint">" · " {t}</span> })}
                </p>
                {move || contact.get().map(|c| view! {
                    <ul class="reach">
                        {c.emails.iter().map(|e| view! {
                            <li><a href=format!("mailto:{e}") data-test="customer-email">{e.clone()}</a></li>
                        }).collect_view()}
                        {c.phones.iter().map(|p| view! {
                            <li><a href=tel_href(p) data-test="customer-phone">{phone_shown(lg, p)}</a></li>
                        }).collect_view()}
                        {c.do_not_email.then(|| view! { <li class="hint">{tr!(lg, "Does not want email", "Не писать по почте")}</li> })}
                        {c.do_not_call.then(|| view! { <li class="hint">{tr!(lg, "Does not want calls", "Не звонить")}</li> })}
                        <li data-test="portal-access" data-on=c.portal_access.to_string()>{if c.portal_access {
                            tr!(lg, "Has portal access", "Есть доступ к порталу")
                        } else {
                            tr!(lg, "No portal access", "Нет доступа к порталу")
                        }}</li>
                    </ul>
                })}
            }})}
            {move || {
                let list = others();
                (!list.is_empty()).then(|| view! {
                    <h3>{move || tr!(l.get(), "Also on the case", "Также по обращению")}</h3>
                    <ul data-test="case-contacts">
                        {list.into_iter().map(|id| view! { <li><RecordName pick=Pick::Contact id/></li> }).collect_view()}
                    </ul>
                })
            }}
            {move || match orgs.get() {
                (org, Some(holder)) if Some(holder) != org => Some(view! {
                    <h3>{move || tr!(l.get(), "Contract holder", "Заказчик")}</h3>
                    <p data-test="holder"><RecordName pick=Pick::Organization id=holder/></p>
                }),
                _ => None,
            }}
            {move || {
                let list = contracts.get().unwrap_or_default();
                let lg = l.get();
                (orgs.get().0.is_some() || orgs.get().1.is_some()).then(|| view! {
                    <h3>{tr!(lg, "Contracts in force", "Действующие договоры")}</h3>
                    {if list.is_empty() {
                        view! { <p class="hint" data-test="no-contracts">{tr!(lg, "None: consultations only.", "Нет: только консультации.")}</p> }.into_any()
                    } else {
                        view! {
                            <ul data-test="contracts">
                                {list.into_iter().map(|k| view! {
                                    <li>"№ " {k.number} " · " <RecordName pick=Pick::Product id=k.product_id/>
                                        {k.ends_on.map(|d| view! { <span class="hint">" · " {tr!(lg, "until", "до")} " " {d.format("%d.%m.%Y").to_string()}</span> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                })
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_tel_links_with_their_extension() {
        assert_eq!(tel_href("+7 (916) 123-45-67"), "tel:+79161234567");
        assert_eq!(
            tel_href("8 495 100-20-30 доб. 123"),
            "tel:84951002030;ext=123"
        );
        assert_eq!(tel_href("+1 555 0100 ext 7"), "tel:+15550100;ext=7");
        assert_eq!(tel_href("495 100 20 30 x"), "tel:4951002030");
        assert_eq!(tel_href("+74951002030;ext=123"), "tel:+74951002030;ext=123");
    }

    #[test]
    fn stored_phones_read_as_people_write_them() {
        assert_eq!(
            phone_shown(Lang::Ru, "+74951002030;ext=123"),
            "+7 (495) 100-20-30 доб. 123"
        );
        assert_eq!(
            phone_shown(Lang::En, "+74951002030;ext=123"),
            "+7 (495) 100-20-30 ext. 123"
        );
        assert_eq!(phone_shown(Lang::En, "+79161234567"), "+7 (916) 123-45-67");
    }
}
