//! `helpdesk demo-data`: a small, believable helpdesk in Russian and English, created through
//! the same use cases the API calls, so every rule applies to it.

use chrono::{Datelike, NaiveDate};
use helpdesk_api_types::cases::{
    MergeAction, NewCase, NewStreamEntry, PortalMessage, PortalNewCase, StatusChange, StreamKind,
};
use helpdesk_api_types::catalog::{NewContract, NewProduct};
use helpdesk_api_types::crm::{Address, ContactPatch, NewContact, NewOrganization};
use helpdesk_api_types::users::{NewTeam, NewUser};
use helpdesk_domain::inn::inn10_with_check_digit;
use helpdesk_domain::{CaseStatus, CaseType, Channel, Priority, Role, SupportLine};
use helpdesk_service::{Actor, AppError, Services};

const PASSWORD: &str = "demo-password-1";

fn actor(id: i64, role: Role, line: Option<i64>, contact: Option<i64>) -> Actor {
    Actor {
        user_id: id,
        role,
        contact_id: contact,
        line: line.and_then(|l| SupportLine::new(l).ok()),
        scopes: None,
        session_id: None,
        client: Default::default(),
    }
}

fn user(
    svc: &Services,
    email: &str,
    name: &str,
    role: Role,
    line: Option<i32>,
    contact: Option<i64>,
    language: &str,
) -> Result<i64, AppError> {
    Ok(svc
        .create_user(
            None,
            &NewUser {
                email: email.into(),
                name: name.into(),
                role,
                password: Some(PASSWORD.into()),
                support_line: line,
                language: Some(language.into()),
                contact_id: contact,
            },
        )?
        .id)
}

pub fn load(svc: &Services) -> Result<String, AppError> {
    let already = svc
        .db
        .read(|c| helpdesk_store::auth::setting(c, "demo_data_loaded"))?;
    if already.is_some() {
        return Ok("demo data is already loaded".into());
    }
    let admin_id = user(
        svc,
        "demo.admin@helpdesk.local",
        "Demo Admin",
        Role::Admin,
        None,
        None,
        "en",
    )?;
    let admin = actor(admin_id, Role::Admin, None, None);
    let anna = user(
        svc,
        "anna.smirnova@helpdesk.local",
        "Анна Смирнова",
        Role::Agent,
        Some(1),
        None,
        "ru",
    )?;
    let john = user(
        svc,
        "john.carter@helpdesk.local",
        "John Carter",
        Role::Agent,
        Some(1),
        None,
        "en",
    )?;
    let pavel = user(
        svc,
        "pavel.orlov@helpdesk.local",
        "Павел Орлов",
        Role::Agent,
        Some(2),
        None,
        "ru",
    )?;
    let first = svc.create_team(
        &admin,
        &NewTeam {
            name: "Первая линия / First line".into(),
            support_line: Some(1),
            description: Some("Приём и консультации".into()),
            member_ids: vec![anna, john],
            assignment: None,
        },
    )?;
    let second = svc.create_team(
        &admin,
        &NewTeam {
            name: "Вторая линия / Second line".into(),
            support_line: Some(2),
            description: Some("Ошибки и настройка".into()),
            member_ids: vec![pavel],
            assignment: None,
        },
    )?;

    let ledger = svc.create_product(
        &admin,
        &NewProduct {
            name: "Учёт ПРО".into(),
            description: Some("Бухгалтерия и склад".into()),
            active: true,
            components: vec!["Склад".into(), "Зарплата".into(), "Отчётность".into()],
        },
    )?;
    let sync = svc.create_product(
        &admin,
        &NewProduct {
            name: "CloudSync".into(),
            description: Some("File synchronisation for teams".into()),
            active: true,
            components: vec!["Desktop client".into(), "Web console".into()],
        },
    )?;

    let orgs = [
        (
            "ООО «Северный ветер»",
            "Северный ветер",
            "771234567",
            "773601001",
            "Москва, ул. Тверская, д. 7",
            "+7 495 123-45-67",
        ),
        (
            "АО «Уральские станки»",
            "Уральские станки",
            "667012345",
            "667001001",
            "Екатеринбург, пр. Ленина, д. 24",
            "8 343 222-33-44",
        ),
        (
            "Blue Harbor Logistics Ltd",
            "Blue Harbor",
            "770912345",
            "",
            "12 Dock Road, London",
            "+44 20 7946 0958",
        ),
    ];
    let mut org_ids = Vec::new();
    for (name, short, seed, kpp, address, phone) in orgs {
        let inn = inn10_with_check_digit(seed)
            .ok_or_else(|| AppError::Internal("demo INN seed".into()))?;
        let org = svc.create_organization(
            &admin,
            &NewOrganization {
                name: name.into(),
                short_name: Some(short.into()),
                inn: Some(inn),
                kpp: (!kpp.is_empty()).then(|| kpp.into()),
                org_type: Some("customer".into()),
                industry: Some(
                    if name.contains("станки") {
                        "Машиностроение"
                    } else {
                        "Logistics"
                    }
                    .into(),
                ),
                phones: vec![phone.into()],
                addresses: vec![Address {
                    kind: Some("legal".into()),
                    text: address.into(),
                }],
                ..Default::default()
            },
        )?;
        org_ids.push(org.id);
    }

    let people = [
        (
            "Иван",
            "Петров",
            "i.petrov@severveter.test",
            "+7 916 111-22-33",
            0,
            true,
        ),
        (
            "Ольга",
            "Кузнецова",
            "o.kuznetsova@severveter.test",
            "+7 916 444-55-66",
            0,
            false,
        ),
        (
            "Сергей",
            "Волков",
            "volkov@uralstanki.test",
            "8 912 777-88-99",
            1,
            true,
        ),
        (
            "Emily",
            "Hart",
            "emily.hart@blueharbor.test",
            "+44 7700 900123",
            2,
            true,
        ),
    ];
    let mut contacts = Vec::new();
    // Portal access is switched on once the demo's portal users exist, so that only a contact
    // without one is invited (when mail is configured).
    for (first_name, last_name, email, phone, org, _) in people {
        let c = svc.create_contact(
            &admin,
            &NewContact {
                first_name: first_name.into(),
                last_name: last_name.into(),
                emails: vec![email.into()],
                phones: vec![phone.into()],
                organization_id: Some(org_ids[org]),
                portal_sees_organization: org == 0,
                ..Default::default()
            },
        )?;
        contacts.push(c.id);
    }
    let ivan_portal = user(
        svc,
        "i.petrov@severveter.test",
        "Иван Петров",
        Role::Portal,
        None,
        Some(contacts[0]),
        "ru",
    )?;
    let emily_portal = user(
        svc,
        "emily.hart@blueharbor.test",
        "Emily Hart",
        Role::Portal,
        None,
        Some(contacts[3]),
        "en",
    )?;
    for (contact, (.., portal)) in contacts.iter().zip(people) {
        if portal {
            svc.update_contact(
                &admin,
                *contact,
                &ContactPatch {
                    portal_access: Some(true),
                    ..Default::default()
                },
            )?;
        }
    }

    let today = svc.clock.now().date();
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    svc.create_contract(
        &admin,
        &NewContract {
            organization_id: org_ids[0],
            product_id: ledger.id,
            number: "СП-2026/014".into(),
            starts_on: year_start,
            ends_on: None,
            active: true,
        },
    )?;
    svc.create_contract(
        &admin,
        &NewContract {
            organization_id: org_ids[2],
            product_id: sync.id,
            number: "BH-SUP-7".into(),
            starts_on: year_start,
            ends_on: None,
            active: true,
        },
    )?;

    let anna_a = actor(anna, Role::Agent, Some(1), None);
    let john_a = actor(john, Role::Agent, Some(1), None);
    let pavel_a = actor(pavel, Role::Agent, Some(2), None);
    struct Plan<'a> {
        by: &'a Actor,
        subject: &'a str,
        text: &'a str,
        contact: usize,
        product: i64,
        case_type: CaseType,
        priority: Priority,
        path: &'a [CaseStatus],
        reply: Option<&'a str>,
        note: Option<&'a str>,
    }
    use CaseStatus::*;
    let plans = [
        Plan { by: &anna_a, subject: "Не формируется отчёт по складу", text: "При формировании отчёта «Остатки» появляется ошибка 0x1F.", contact: 0, product: ledger.id, case_type: CaseType::Error, priority: Priority::High, path: &[], reply: Some("Иван, пришлите, пожалуйста, снимок экрана с ошибкой."), note: Some("Похоже на известную проблему с кэшем отчётов.") },
        Plan { by: &anna_a, subject: "Как добавить нового сотрудника в расчёт зарплаты?", text: "Подскажите порядок действий.", contact: 1, product: ledger.id, case_type: CaseType::Consultation, priority: Priority::Normal, path: &[AwaitingCustomer], reply: Some("Откройте «Зарплата → Сотрудники → Добавить». Помогло?"), note: None },
        Plan { by: &pavel_a, subject: "Настройка обмена с банком", text: "Нужно настроить выгрузку платёжных поручений.", contact: 0, product: ledger.id, case_type: CaseType::Configuration, priority: Priority::Normal, path: &[OnHold], reply: None, note: Some("Ждём ответа банка по формату выгрузки.") },
        Plan { by: &anna_a, subject: "Консультация по лицензиям", text: "Сколько рабочих мест входит в лицензию?", contact: 2, product: ledger.id, case_type: CaseType::Consultation, priority: Priority::Low, path: &[Resolved], reply: Some("В базовую лицензию входит 5 рабочих мест."), note: None },
        Plan { by: &anna_a, subject: "Старый вопрос по отчётности", text: "Вопрос решён по телефону.", contact: 2, product: ledger.id, case_type: CaseType::Consultation, priority: Priority::Normal, path: &[Resolved, Closed], reply: None, note: None },
        Plan { by: &anna_a, subject: "Реклама: продвижение сайта", text: "Предлагаем услуги SEO.", contact: 1, product: ledger.id, case_type: CaseType::Consultation, priority: Priority::Low, path: &[Rejected], reply: None, note: Some("Спам, отклоняю.") },
        Plan { by: &john_a, subject: "Desktop client stops syncing after update", text: "Since version 4.2 the client shows 'Waiting for network' forever.", contact: 3, product: sync.id, case_type: CaseType::Error, priority: Priority::Urgent, path: &[], reply: Some("Thanks Emily — could you send us the client log from Help → Diagnostics?"), note: Some("Same symptom as two other tickets this week; escalate if the log shows TLS errors.") },
        Plan { by: &john_a, subject: "Add SSO for the web console", text: "We would like to sign in with our identity provider.", contact: 3, product: sync.id, case_type: CaseType::Enhancement, priority: Priority::Normal, path: &[AwaitingCustomer], reply: Some("Which protocol does your provider support — SAML or OIDC?"), note: None },
        Plan { by: &john_a, subject: "How do I share a folder with a partner?", text: "Partner has no account yet.", contact: 3, product: sync.id, case_type: CaseType::Consultation, priority: Priority::Normal, path: &[Resolved], reply: Some("Use Share → Invite by e-mail; the partner gets a guest account."), note: None },
    ];
    let mut created = 0;
    for plan in &plans {
        let case = svc.create_case(
            plan.by,
            &NewCase {
                subject: plan.subject.into(),
                description: plan.text.into(),
                priority: Some(plan.priority),
                case_type: Some(plan.case_type),
                channel: Some(if created % 3 == 0 {
                    Channel::Phone
                } else {
                    Channel::Agent
                }),
                requester_id: Some(contacts[plan.contact]),
                product_id: Some(plan.product),
                team_id: Some(if plan.by.line == SupportLine::new(2).ok() {
                    second.id
                } else {
                    first.id
                }),
                assignee_id: Some(plan.by.user_id),
                ..Default::default()
            },
        )?;
        if let Some(reply) = plan.reply {
            svc.add_stream_entry(
                plan.by,
                case.id,
                &NewStreamEntry {
                    kind: StreamKind::Public,
                    body: reply.into(),
                    attachment_ids: Vec::new(),
                },
            )?;
        }
        if let Some(note) = plan.note {
            svc.add_stream_entry(
                plan.by,
                case.id,
                &NewStreamEntry {
                    kind: StreamKind::Internal,
                    body: note.into(),
                    attachment_ids: Vec::new(),
                },
            )?;
        }
        for status in plan.path {
            // A public reply already moved the case to `awaiting_customer`.
            if svc.get_case(plan.by, case.id)?.status != *status {
                svc.change_status(plan.by, case.id, &StatusChange { status: *status })?;
            }
        }
        created += 1;
    }
    // Two cases the customers opened themselves in the portal: unassigned, status `new`.
    let ivan = actor(ivan_portal, Role::Portal, None, Some(contacts[0]));
    let portal_case = svc.portal_create_case(
        &ivan,
        &PortalNewCase {
            subject: "Не приходят уведомления на почту".into(),
            description: "После смены пароля перестали приходить письма.".into(),
            product_id: Some(ledger.id),
            ..Default::default()
        },
    )?;
    svc.portal_post_message(
        &ivan,
        portal_case.id,
        &PortalMessage {
            body: "Проверил папку «Спам» — писем нет.".into(),
            attachment_ids: Vec::new(),
        },
    )?;
    // Ivan wrote about the same problem twice; the agent merges the duplicate into the first.
    let duplicate = svc.portal_create_case(
        &ivan,
        &PortalNewCase {
            subject: "Письма не доходят".into(),
            description: "Уведомления так и не приходят.".into(),
            product_id: Some(ledger.id),
            ..Default::default()
        },
    )?;
    svc.merge(
        &anna_a,
        duplicate.id,
        &MergeAction {
            target_id: Some(portal_case.id),
            ..Default::default()
        },
    )?;
    created += 1;
    // Anna picks the remaining report up: it is `open`, hers.
    svc.take(&anna_a, portal_case.id)?;
    let emily = actor(emily_portal, Role::Portal, None, Some(contacts[3]));
    svc.portal_create_case(
        &emily,
        &PortalNewCase {
            subject: "Invoice address change".into(),
            description: "Please update our billing address to 14 Dock Road.".into(),
            ..Default::default()
        },
    )?;
    created += 2;
    svc.db
        .write(|c| helpdesk_store::auth::setting_or_insert(c, "demo_data_loaded", "1"))?;
    Ok(format!(
        "demo data loaded: 3 organizations, 4 contacts, 2 products, 2 contracts, {created} cases.\n\
         Sign in with password `{PASSWORD}` as:\n  \
         demo.admin@helpdesk.local (admin)\n  anna.smirnova@helpdesk.local, john.carter@helpdesk.local (first line), pavel.orlov@helpdesk.local (second line)\n  \
         i.petrov@severveter.test, emily.hart@blueharbor.test (portal)"
    ))
}
