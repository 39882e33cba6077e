//! The new case form and the admin screens.

use super::*;

async fn new_case_form(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/cases/new")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=new-case]").await;
    // A wrong check digit is caught in the browser, at the field.
    type_in(&c, "[data-test=inn]", "7707083894\n").await;
    let err = text_until(&c, ".field-error", |t| !t.is_empty()).await;
    assert_eq!(err, "INN check digits do not match");
    // Saving is refused while it stands, with the subject missing too.
    click(&c, "[data-test=save]").await;
    let errors = count_until(&c, "[data-test=field-error]", 3).await;
    assert_eq!(
        errors,
        [
            "INN check digits do not match",
            "Required with an INN",
            "Required"
        ]
    );
    screenshot(&c, backend, "new-case-errors").await;
    // The right INN: Enter fills KPP and name from the registry.
    let inn = find(&c, "[data-test=inn]").await;
    inn.clear().await.unwrap();
    inn.send_keys(&format!("{}\n", crate::registry::SBER))
        .await
        .unwrap();
    text_until(&c, "[data-test=lookup-note]", |t| {
        t == "Filled from the registry."
    })
    .await;
    let kpp = find(&c, "[data-test=kpp]").await;
    assert_eq!(
        kpp.prop("value").await.unwrap().as_deref(),
        Some("773601001")
    );
    let name = find(&c, "[data-test=org-name]").await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("ПАО СБЕРБАНК")
    );
    // No contract: only a consultation.
    find(&c, "[data-test=no-contract]").await;
    type_in(&c, "[data-test=first-name]", "Ольга").await;
    type_in(&c, "[data-test=last-name]", "Кузнецова").await;
    type_in(&c, "[data-test=phone]", "84951234567 доб 12").await;
    assert_eq!(
        find(&c, "[data-test=phone]")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("+7 (495) 123-45-67 доб 12")
    );
    type_in(&c, "[data-test=subject]", "Не приходят уведомления").await;
    type_in(&c, "[data-test=description]", "С утра не приходят письма").await;
    // An address the server refuses (at `emails[0]`): shown at the field, after the
    // organization was already made by the first step.
    type_in(&c, "[data-test=email]", "olga@").await;
    click(&c, "[data-test=save]").await;
    let err = text_until(&c, "[data-test=field-error]", |t| t.contains("e-mail")).await;
    assert!(err.contains("olga@"), "{err}");
    let email = find(&c, "[data-test=email]").await;
    email.clear().await.unwrap();
    email.send_keys("olga@sber.test").await.unwrap();
    screenshot(&c, backend, "new-case").await;
    click(&c, "[data-test=save]").await;
    // The notice names the number; it is a link to the case.
    let toast = text_until(&c, "[data-test=toast]", |t| t.contains('#')).await;
    assert!(toast.starts_with("Case registered:"), "{toast}");
    let (_, cases) = app.get("/api/v1/cases?limit=5", &agent.token).await;
    let case = &cases["items"][0];
    assert_eq!(case["subject"], "Не приходят уведомления");
    assert!(toast.contains(&format!("#{}", case["number"])), "{toast}");
    click(&c, "[data-test=toast] a").await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Не приходят уведомления")
    })
    .await;
    assert_eq!(path_of(&c).await, format!("/cases/{}", case["id"]));
    // The organization and the applicant were created and linked.
    let (_, org) = app
        .get(
            &format!("/api/v1/organizations/{}", case["organization_id"]),
            &agent.token,
        )
        .await;
    assert_eq!(org["inn"], crate::registry::SBER);
    assert_eq!(org["kpp"], "773601001");
    let (_, same_inn) = app
        .get(
            &format!("/api/v1/organizations?inn={}", crate::registry::SBER),
            &agent.token,
        )
        .await;
    assert_eq!(
        same_inn["items"].as_array().map(Vec::len),
        Some(1),
        "saving twice made one organization: {same_inn}"
    );
    let (_, person) = app
        .get(
            &format!("/api/v1/contacts/{}", case["requester_id"]),
            &agent.token,
        )
        .await;
    assert_eq!(person["last_name"], "Кузнецова");
    assert_eq!(person["phones"], json!(["+74951234567;ext=12"]));
    assert_eq!(person["organization_id"], case["organization_id"]);

    // The organization's page lists the case; editing checks the KPP like the API does.
    c.goto(&app.url(&format!("/organizations/{}", case["organization_id"])))
        .await
        .unwrap();
    text_until(&c, "[data-test=record-title]", |t| t == "ПАО СБЕРБАНК").await;
    text_until(&c, "[data-test=record-cases]", |t| {
        t.contains("Не приходят уведомления")
    })
    .await;
    click(&c, "[data-test=edit]").await;
    let kpp = find(&c, "[data-test=record-form] input[name=kpp]").await;
    kpp.clear().await.unwrap();
    kpp.send_keys("77360100").await.unwrap();
    click(&c, "[data-test=record-form] [data-test=save]").await;
    let err = text_until(&c, "[data-test=record-form] [data-test=field-error]", |t| {
        !t.is_empty()
    })
    .await;
    assert!(err.starts_with("KPP is 9 characters"), "{err}");
    let kpp = find(&c, "[data-test=record-form] input[name=kpp]").await;
    kpp.clear().await.unwrap();
    kpp.send_keys("773601002").await.unwrap();
    click(&c, "[data-test=record-form] [data-test=save]").await;
    text_until(&c, "[data-test=record]", |t| t.contains("773601002")).await;
    screenshot(&c, backend, "organization").await;
    let (_, org) = app
        .get(
            &format!("/api/v1/organizations/{}", case["organization_id"]),
            &agent.token,
        )
        .await;
    assert_eq!(org["kpp"], "773601002");
    c.close().await.unwrap();
}

/// The form field `name` of the admin form.
fn admin_field(name: &str) -> String {
    format!("[data-test=admin-form] [name='{name}']")
}

/// Clicks a row's button (`edit`, `edit-json`) in the row that shows `text`.
async fn row_button(c: &Client, text: &str, button: &str) {
    let xpath = format!(
        "//tr[@data-test='admin-row'][contains(., '{text}')]//button[@data-test='{button}']"
    );
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath} appears: {e}"))
        .click()
        .await
        .unwrap();
}

/// An admin adds an agent, a team and a mailbox in forms and edits them; every JSON example
/// creates its record as it stands.
async fn admin_screens(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/admin/users")).await.unwrap();
    sign_in(&c, &admin).await;
    find(&c, "[data-test=admin-users]").await;

    // A new agent; a bad address is named at its field.
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("email"), "pavel.example.test").await;
    type_in(&c, &admin_field("name"), "Pavel Orlov").await;
    type_in(&c, &admin_field("password"), "a long enough password").await;
    type_in(&c, &admin_field("support_line"), "2").await;
    click(&c, &format!("{} option[value=ru]", admin_field("language"))).await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(
        &c,
        "[data-test=admin-form] label:has([name=email]) [data-test=field-error]",
        |t| !t.is_empty(),
    )
    .await;
    let email = find(&c, &admin_field("email")).await;
    email.clear().await.unwrap();
    email.send_keys("pavel@example.test").await.unwrap();
    screenshot(&c, backend, "admin-user").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("pavel@example.test")
    })
    .await;
    let (_, users) = app.get("/api/v1/users?limit=100", &admin.token).await;
    let pavel = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "pavel@example.test")
        .expect("the agent was created")
        .clone();
    assert_eq!(
        (&pavel["role"], &pavel["support_line"], &pavel["language"]),
        (&json!("agent"), &json!(2), &json!("ru"))
    );
    let (s, _) = app
        .login("pavel@example.test", "a long enough password")
        .await;
    assert_eq!(s, 200, "the password set in the form signs in");

    // Editing: the address is fixed, the rest changes; only what changed is sent.
    row_button(&c, "pavel@example.test", "edit").await;
    assert!(find(&c, &admin_field("email"))
        .await
        .attr("readonly")
        .await
        .unwrap()
        .is_some());
    click(&c, &admin_field("active")).await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("pavel@example.test")
    })
    .await;
    let pavel_id = pavel["id"].as_i64().unwrap();
    for _ in 0..100 {
        let (_, now) = app
            .get(&format!("/api/v1/users/{pavel_id}"), &admin.token)
            .await;
        if now["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, now) = app
        .get(&format!("/api/v1/users/{pavel_id}"), &admin.token)
        .await;
    assert_eq!(
        (&now["active"], &now["name"]),
        (&json!(false), &json!("Pavel Orlov"))
    );

    // A team with him as member, given out round-robin.
    c.goto(&app.url("/admin/teams")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Second line").await;
    // Members are chosen by name (he is listed though inactive).
    type_in(
        &c,
        "[data-test=admin-form] [data-test=pick-member_ids] input",
        "pavel",
    )
    .await;
    click(
        &c,
        "[data-test=admin-form] [data-test=pick-member_ids] [data-test=pick-option]",
    )
    .await;
    text_until(&c, "[data-test=admin-form] [data-test=picked]", |t| {
        t.starts_with("Pavel Orlov")
    })
    .await;
    click(
        &c,
        &format!("{} option[value=round_robin]", admin_field("assignment")),
    )
    .await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| t.contains("Second line")).await;
    let (_, teams) = app.get("/api/v1/teams", &admin.token).await;
    let team = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Second line")
        .unwrap();
    assert_eq!(
        (&team["member_ids"], &team["assignment"]),
        (&json!([pavel_id]), &json!("round_robin"))
    );

    // A mailbox is replaced as a whole; its stored password stays when left empty.
    c.goto(&app.url("/admin/mailboxes")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Support").await;
    type_in(&c, &admin_field("address"), "support@example.test").await;
    type_in(&c, &admin_field("imap_host"), "imap.example.test").await;
    type_in(&c, &admin_field("imap_password"), "imap secret").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    find(&c, "[data-test=secret]").await;
    row_button(&c, "support@example.test", "edit").await;
    let name = find(&c, &admin_field("name")).await;
    name.clear().await.unwrap();
    name.send_keys("Support desk").await.unwrap();
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("Support desk")
    })
    .await;
    let (_, boxes) = app.get("/api/v1/mailboxes", &admin.token).await;
    let support = boxes
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["address"] == "support@example.test")
        .unwrap();
    assert_eq!(
        (
            &support["name"],
            &support["imap_host"],
            &support["imap_password_set"]
        ),
        (
            &json!("Support desk"),
            &json!("imap.example.test"),
            &json!(true)
        )
    );

    // The nested records in their editors: a calendar (a malformed day is caught first), an
    // SLA policy on it, and a workflow rule, edited again afterwards.
    c.goto(&app.url("/admin/calendars")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Moscow office").await;
    let monday = find(&c, &admin_field("day0")).await;
    monday.clear().await.unwrap();
    monday.send_keys("9 to 5").await.unwrap();
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    let err = text_until(&c, "[data-test=form-errors]", |t| !t.is_empty()).await;
    assert!(err.starts_with("Monday: `9 to 5`"), "{err}");
    monday.clear().await.unwrap();
    monday.send_keys("09:00-13:00, 14:00-18:00").await.unwrap();
    type_in(
        &c,
        &admin_field("holidays"),
        "2027-01-01..2027-01-08 New year",
    )
    .await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("Moscow office")
    })
    .await;
    let (_, calendars) = app.get("/api/v1/calendars", &admin.token).await;
    let calendar = calendars
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Moscow office")
        .unwrap()
        .clone();
    assert_eq!(
        calendar["week"][0],
        json!([{ "start": "09:00", "end": "13:00" }, { "start": "14:00", "end": "18:00" }])
    );
    assert_eq!(
        calendar["week"][1],
        json!([{ "start": "09:00", "end": "18:00" }])
    );
    assert_eq!(calendar["week"][5], json!([]));
    assert_eq!(
        (
            &calendar["holidays"][0]["from"],
            &calendar["holidays"][0]["to"],
            &calendar["holidays"][0]["name"]
        ),
        (
            &json!("2027-01-01"),
            &json!("2027-01-08"),
            &json!("New year")
        )
    );

    c.goto(&app.url("/admin/sla-policies")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "Gold").await;
    click(
        &c,
        &format!(
            "{} option[value='{}']",
            admin_field("calendar_id"),
            calendar["id"]
        ),
    )
    .await;
    type_in(&c, &admin_field("urgent.first_response_minutes"), "30").await;
    type_in(&c, &admin_field("urgent.resolution_minutes"), "240").await;
    click(&c, "[data-test=conditions-priorities] input[value=urgent]").await;
    screenshot(&c, backend, "admin-sla-policy").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| t.contains("Gold")).await;
    let (_, policies) = app.get("/api/v1/sla-policies", &admin.token).await;
    let gold = policies
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Gold")
        .unwrap();
    assert_eq!(gold["calendar_id"], calendar["id"]);
    assert_eq!(gold["targets"]["urgent"]["first_response_minutes"], 30);
    assert_eq!(gold["targets"]["urgent"]["resolution_minutes"], 240);
    assert_eq!(gold["conditions"]["priorities"], json!(["urgent"]));

    c.goto(&app.url("/admin/workflow-rules")).await.unwrap();
    click(&c, "[data-test=create]").await;
    type_in(&c, &admin_field("name"), "VIP to Pavel").await;
    click(&c, "[data-test=add-condition]").await;
    click(
        &c,
        &format!("{} option[value=tags]", admin_field("conditions.0.field")),
    )
    .await;
    click(
        &c,
        &format!("{} option[value=contains]", admin_field("conditions.0.op")),
    )
    .await;
    type_in(&c, &admin_field("conditions.0.value"), "vip").await;
    click(&c, "[data-test=add-action]").await;
    click(
        &c,
        &format!(
            "{} option[value=notify_users]",
            admin_field("actions.0.type")
        ),
    )
    .await;
    type_in(
        &c,
        &admin_field("actions.0.user_ids"),
        &pavel_id.to_string(),
    )
    .await;
    type_in(&c, &admin_field("actions.0.text"), "A VIP case").await;
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("VIP to Pavel")
    })
    .await;
    // Renamed: the whole rule is replaced, its conditions and actions kept.
    row_button(&c, "VIP to Pavel", "edit").await;
    let name = find(&c, &admin_field("name")).await;
    name.clear().await.unwrap();
    name.send_keys("VIP cases to Pavel").await.unwrap();
    click(&c, "[data-test=admin-form] [data-test=save]").await;
    text_until(&c, "[data-test=admin-table]", |t| {
        t.contains("VIP cases to Pavel")
    })
    .await;
    let (_, rules) = app.get("/api/v1/workflow-rules", &admin.token).await;
    let rule = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "VIP cases to Pavel")
        .unwrap();
    assert_eq!(rule["trigger"], "case_created");
    assert_eq!(
        rule["conditions"],
        json!([{ "field": "tags", "op": "contains", "value": "vip" }])
    );
    assert_eq!(
        rule["actions"],
        json!([{ "type": "notify_users", "user_ids": [pavel_id], "text": "A VIP case" }])
    );

    // Every example offered as JSON is accepted as it stands (webhooks' needs a DNS lookup).
    // Eight page loads in a row: a live feed left open by a page would hold one of the
    // browser's six connections to the server, and the later pages would hang.
    for (key, button) in [
        ("users", "create-json"),
        ("teams", "create-json"),
        ("mailboxes", "create-json"),
        ("sla-policies", "create-json"),
        ("calendars", "create-json"),
        ("workflow-rules", "create-json"),
        ("web-forms", "create-json"),
        ("api-tokens", "create-json"),
    ] {
        c.goto(&app.url(&format!("/admin/{key}"))).await.unwrap();
        let rows = format!("[data-test=admin-{key}] [data-test=admin-row]");
        find(
            &c,
            &format!("[data-test=admin-{key}] [data-test=admin-table]"),
        )
        .await;
        let before = texts(&c, &rows).await.len();
        click(&c, &format!("[data-test={button}]")).await;
        click(&c, "[data-test=json-save]").await;
        let toast = toast_until(&c, |_| true).await;
        assert_eq!(toast, "Saved.", "{key}: the example as it stands");
        for _ in 0..200 {
            if texts(&c, &rows).await.len() > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(texts(&c, &rows).await.len(), before + 1, "{key}");
    }
    c.close().await.unwrap();
}

#[tokio::test]
async fn new_case_form_sqlite() {
    new_case_form(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn new_case_form_postgres() {
    new_case_form(TestBackend::Postgres).await;
}

#[tokio::test]
async fn admin_screens_sqlite() {
    admin_screens(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn admin_screens_postgres() {
    admin_screens(TestBackend::Postgres).await;
}

/// Queues a mail in `status` (what the mailer leaves after a refusal or a cut hand-over).
async fn mail_in(app: &TestApp, recipient: &str, status: &str, why: &str) {
    let db = app.services.db.clone();
    let (recipient, status, why) = (recipient.to_owned(), status.to_owned(), why.to_owned());
    tokio::task::spawn_blocking(move || {
        use helpdesk_store::notifications as mails;
        let now = chrono::Utc::now().naive_utc();
        db.write(|c| {
            mails::insert_mails(
                c,
                &[mails::NewMail {
                    event_id: 0,
                    message_id: format!("<{recipient}@helpdesk.test>"),
                    recipient: recipient.clone(),
                    kind: "reply".into(),
                    case_id: None,
                    subject: format!("Answer for {recipient}"),
                    body: "Text".into(),
                    status: status.clone(),
                    next_attempt_at: now,
                    created_at: now,
                    from_address: None,
                    in_reply_to: None,
                    references_header: None,
                    auto_submitted: "auto-generated".into(),
                    mailbox_id: None,
                    attachment_ids: "[]".into(),
                }],
            )?;
            let page = mails::list_mails(c, &[], 1, None)?;
            helpdesk_store::queue::MailQueue::finish(c, page.items[0].id, &status, Some(&why))
        })
    })
    .await
    .unwrap()
    .unwrap();
}

/// An admin finds the mails that need attention, with why, and sends them again: a failed one
/// at once, one whose delivery is unknown only after saying yes to the warning.
async fn outgoing_mail(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    mail_in(&app, "sent@customer.test", "sent", "").await;
    mail_in(
        &app,
        "refused@customer.test",
        "failed",
        "550 mailbox unavailable",
    )
    .await;
    mail_in(
        &app,
        "cut@customer.test",
        "unknown",
        "the worker stopped during the SMTP conversation; it may have been delivered",
    )
    .await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/admin/outgoing-mail")).await.unwrap();
    sign_in(&c, &admin).await;
    let rows = count_until(&c, "[data-test=mail-row]", 2).await;
    assert!(
        rows.iter().any(|r| r.contains("refused@customer.test")
            && r.contains("550 mailbox unavailable")
            && r.contains("Failed")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("cut@customer.test") && r.contains("Delivery unknown")),
        "{rows:?}"
    );
    assert!(
        !rows.iter().any(|r| r.contains("sent@customer.test")),
        "only what needs attention"
    );
    screenshot(&c, backend, "admin-outgoing-mail").await;

    click(
        &c,
        "[data-test=mail-row][data-status=failed] [data-test=mail-resend]",
    )
    .await;
    toast_until(&c, |t| t.contains("Queued to be sent again")).await;
    count_until(&c, "[data-test=mail-row]", 1).await;

    click(
        &c,
        "[data-test=mail-row][data-status=unknown] [data-test=mail-resend]",
    )
    .await;
    let ask = text_until(&c, "[data-test=mail-ask]", |t| !t.is_empty()).await;
    assert!(ask.contains("could get it twice"), "{ask}");
    let (_, still) = app
        .get("/api/v1/outgoing-mail?status=unknown", &admin.token)
        .await;
    assert_eq!(
        still["items"].as_array().unwrap().len(),
        1,
        "nothing sent before the yes"
    );
    click(&c, "[data-test=mail-resend-anyway]").await;
    text_until(&c, "[data-test=mail-empty]", |t| {
        t.contains("Nothing needs attention")
    })
    .await;

    click(&c, "[data-test=mail-all]").await;
    let all = count_until(&c, "[data-test=mail-row]", 3).await;
    assert_eq!(
        all.iter().filter(|r| r.contains("Waiting")).count(),
        2,
        "{all:?}"
    );
    let (_, queued) = app
        .get("/api/v1/outgoing-mail?status=pending", &admin.token)
        .await;
    let mut to: Vec<&str> = queued["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["recipient"].as_str().unwrap())
        .collect();
    to.sort();
    assert_eq!(to, ["cut@customer.test", "refused@customer.test"]);

    // Received mail that failed every retry is on the same screen, with why; processed again
    // on a click.
    let db = app.services.db.clone();
    tokio::task::spawn_blocking(move || {
        use helpdesk_store::email;
        db.write(|c| {
            let id = email::insert_inbound(
                c,
                &email::NewInbound {
                    mailbox_id: None,
                    message_id: "broken@customer.test",
                    raw_sha256: "0000",
                    size: 1,
                    source: "inbound",
                    from_address: Some("broken@customer.test"),
                    subject: Some("Cannot be read"),
                    status: "received",
                    received_at: chrono::Utc::now().naive_utc(),
                },
            )?;
            helpdesk_store::queue::ReceivedQueue::finish(
                c,
                id,
                "failed",
                Some("reading a stored message: not found"),
            )
        })
    })
    .await
    .unwrap()
    .unwrap();
    c.refresh().await.unwrap();
    let received = text_until(&c, "[data-test=received-row][data-status=failed]", |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        received.contains("broken@customer.test") && received.contains("reading a stored message"),
        "{received}"
    );
    click(&c, "[data-test=received-row] [data-test=retry-received]").await;
    toast_until(&c, |t| t.contains("processed again")).await;
    text_until(&c, "[data-test=received-none]", |t| !t.is_empty()).await;
}

#[tokio::test]
async fn outgoing_mail_sqlite() {
    outgoing_mail(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn outgoing_mail_postgres() {
    outgoing_mail(TestBackend::Postgres).await;
}

/// A Russian-speaking agent's day without a company registry: the INN lookup says so in
/// Russian (not the server's English words for the administrator), and walking a long queue
/// with the keyboard keeps the selected row on screen.
async fn russian_agent_without_registry(backend: TestBackend) {
    let (app, _registry) = spa_customized(backend, |svc| svc.registry = None).await;
    let agent = app
        .user_speaking(Role::Agent, Some(1), None, Some("ru"))
        .await;
    for n in 0..30 {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": format!("Очередь {n}") }),
            )
            .await;
        assert_eq!(s, 201, "{case}");
    }
    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    sign_in(&c, &agent).await;
    count_until(&c, "[data-test=cases] [data-test=case-row]", 30).await;
    for _ in 0..29 {
        key(&c, "j").await;
    }
    let selected_bottom = c
        .execute(
            "const r = document.querySelector('[data-test=cases] tr.selected').getBoundingClientRect(); \
             return [r.top, r.bottom, window.innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    let (top, bottom, height) = (
        selected_bottom[0].as_f64().unwrap(),
        selected_bottom[1].as_f64().unwrap(),
        selected_bottom[2].as_f64().unwrap(),
    );
    assert!(
        top >= 0.0 && bottom <= height,
        "the selected row is off screen: {top}..{bottom} of {height}"
    );

    c.goto(&app.url("/cases/new")).await.unwrap();
    type_in(
        &c,
        "[data-test=inn]",
        &format!("{}\n", crate::registry::SBER),
    )
    .await;
    text_until(&c, "[data-test=lookup-note]", |t| {
        t == "Реестр не подключён; введите реквизиты вручную."
    })
    .await;

    // A refusal the server writes reaches the Russian page in Russian, at its field.
    c.goto(&app.url("/profile")).await.unwrap();
    type_in(&c, "input[name=current-password]", "not my password").await;
    type_in(&c, "input[name=new-password]", "a third passphrase").await;
    type_in(&c, "input[name=again]", "a third passphrase").await;
    click(&c, "[data-test=save-password]").await;
    let err = text_until(
        &c,
        "[data-test=change-password] [data-test=field-error]",
        |t| !t.is_empty(),
    )
    .await;
    assert_eq!(err, "это не ваш текущий пароль");
    c.close().await.unwrap();
}

#[tokio::test]
async fn russian_agent_without_registry_sqlite() {
    russian_agent_without_registry(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn russian_agent_without_registry_postgres() {
    russian_agent_without_registry(TestBackend::Postgres).await;
}
