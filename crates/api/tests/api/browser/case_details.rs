//! Who the customer is, beside the stream (how to reach them, portal access, the contracts in
//! force, the description as theirs "registered by" the agent), and the case's details edited
//! in place: the subject (a blank one refused at its field), the
//! priority, the product by name, then a type its contract allows and one of its components,
//! tags and a contact — each saved by itself, each change appearing in the audit trail while it
//! is open.

use super::*;

/// Polls the case through the API until `ok` holds for it.
async fn case_until(app: &TestApp, token: &str, id: i64, ok: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (_, case) = app.get(&format!("/api/v1/cases/{id}"), token).await;
        if ok(&case) {
            return case;
        }
        last = case;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the case never became as expected: {last}");
}

async fn agent_edits_a_case_in_place(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (org, requester) = org_with_contact(&app, &agent, "Details").await;
    let (s, colleague) = app
        .post(
            "/api/v1/contacts",
            &agent.token,
            json!({ "first_name": "Олег", "last_name": "Смирнов", "organization_id": org,
                    "emails": ["oleg@details.test"] }),
        )
        .await;
    assert_eq!(s, 201, "{colleague}");
    let (_, product) = app
        .post(
            "/api/v1/products",
            &admin.token,
            json!({ "name": "Backup service" }),
        )
        .await;
    let (s, with_part) = app
        .post(
            &format!("/api/v1/products/{}/components", product["id"]),
            &admin.token,
            json!({ "name": "Agent" }),
        )
        .await;
    assert_eq!(s, 201, "{with_part}");
    let part = with_part["components"][0]["id"].clone();
    let (s, contract) = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({ "organization_id": org, "product_id": product["id"], "number": "Д-5",
                    "starts_on": "2026-01-01" }),
        )
        .await;
    assert_eq!(s, 201, "{contract}");
    let (s, patched) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/contacts/{requester}"),
            Some(&agent.token),
            Some(&json!({ "phones": ["+7 495 100-20-30 доб. 123"], "title": "Office manager" })),
        )
        .await;
    assert_eq!(s, 200, "{patched}");
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer jams", "requester_id": requester,
                    "description": "It jams on every second page." }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();

    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=case-details]").await;

    // Who the customer is: how to reach them, portal access, the contracts in force.
    let card = "[data-test=customer-card]";
    text_until(&c, &format!("{card} [data-test=record-name]"), |t| {
        t == "Ivan Details"
    })
    .await;
    let phone = find(&c, &format!("{card} [data-test=customer-phone]")).await;
    assert_eq!(
        phone.attr("href").await.unwrap().as_deref(),
        Some("tel:+74951002030;ext=123")
    );
    let mail = find(&c, &format!("{card} [data-test=customer-email]")).await;
    assert_eq!(
        mail.attr("href").await.unwrap().as_deref(),
        Some("mailto:details@example.test")
    );
    let access = find(&c, &format!("{card} [data-test=portal-access]")).await;
    assert_eq!(
        access.attr("data-on").await.unwrap().as_deref(),
        Some("true")
    );
    text_until(&c, &format!("{card} [data-test=contracts]"), |t| {
        t.contains("Д-5") && t.contains("Backup service")
    })
    .await;
    // The description is the customer's, written down by the agent.
    text_until(
        &c,
        "[data-test=entry]:first-child [data-test=entry-author]",
        |t| t == "Ivan Details",
    )
    .await;
    let by = text_until(
        &c,
        "[data-test=entry]:first-child [data-test=registered-by]",
        |t| !t.is_empty(),
    )
    .await;
    assert!(by.starts_with("registered by"), "{by}");
    screenshot(&c, backend, "case-customer").await;
    click(&c, "[data-test=audit-toggle]").await;

    // The subject: a blank one is refused at its field, the editor keeps it; then a real one.
    click(&c, "[data-test=edit-subject]").await;
    find(&c, "[data-test=edit-subject-input]")
        .await
        .clear()
        .await
        .unwrap();
    type_in(&c, "[data-test=edit-subject-input]", "   \n").await;
    let refused = text_until(
        &c,
        "[data-test=case-details] [data-test=field-error]",
        |t| !t.is_empty(),
    )
    .await;
    assert!(!refused.is_empty());
    find(&c, "[data-test=edit-subject-input]")
        .await
        .clear()
        .await
        .unwrap();
    type_in(
        &c,
        "[data-test=edit-subject-input]",
        "Printer jams on page 2\n",
    )
    .await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.ends_with("Printer jams on page 2")
    })
    .await;
    text_until(&c, "[data-test=audit]", |t| t.contains("Subject")).await;

    // Priority, saved on choosing.
    click(&c, "[data-test=edit-priority] option[value=high]").await;
    case_until(&app, &agent.token, id, |c| c["priority"] == "high").await;
    text_until(&c, "[data-test=audit]", |t| t.contains("Priority")).await;

    // Without a product under contract only a consultation may be chosen.
    find(&c, "[data-test=case-details] [data-test=no-contract]").await;
    let error_type = find(&c, "[data-test=edit-type] option[value=error]").await;
    assert_eq!(
        error_type.prop("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    type_in(&c, "[data-test=pick-edit-product] input", "Back").await;
    count_until(
        &c,
        "[data-test=pick-edit-product] [data-test=pick-option]",
        1,
    )
    .await;
    type_in(&c, "[data-test=pick-edit-product] input", "\n").await;
    case_until(&app, &agent.token, id, |c| c["product_id"] == product["id"]).await;
    for _ in 0..100 {
        if c.find(Locator::Css(
            "[data-test=case-details] [data-test=no-contract]",
        ))
        .await
        .is_err()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(&c, "[data-test=edit-type] option[value=error]").await;
    case_until(&app, &agent.token, id, |c| c["case_type"] == "error").await;
    // The product's components are offered once it is chosen.
    click(
        &c,
        &format!("[data-test=edit-component] option[value='{part}']"),
    )
    .await;
    case_until(&app, &agent.token, id, |c| c["component_id"] == part).await;

    // Tags as typed, Enter saves; a contact found by name.
    type_in(&c, "[data-test=edit-tags]", "vip, billing ,vip\n").await;
    let tagged = case_until(&app, &agent.token, id, |c| {
        c["tags"].as_array().is_some_and(|t| !t.is_empty())
    })
    .await;
    assert_eq!(tagged["tags"], json!(["vip", "billing"]));
    type_in(&c, "[data-test=pick-edit-contacts] input", "Смирнов").await;
    count_until(
        &c,
        "[data-test=pick-edit-contacts] [data-test=pick-option]",
        1,
    )
    .await;
    type_in(&c, "[data-test=pick-edit-contacts] input", "\n").await;
    let with_contact = case_until(&app, &agent.token, id, |c| {
        c["contact_ids"]
            .as_array()
            .is_some_and(|l| l.contains(&colleague["id"]))
    })
    .await;
    assert!(
        with_contact["contact_ids"]
            .as_array()
            .unwrap()
            .contains(&json!(requester)),
        "{with_contact}"
    );

    // The trail has each change, in words, as it happened.
    let trail = text_until(&c, "[data-test=audit]", |t| {
        t.contains("Tags") && t.contains("Contacts")
    })
    .await;
    for field in ["Subject", "Priority", "Product", "Type", "Component"] {
        assert!(trail.contains(field), "{field} in {trail}");
    }
    assert!(trail.contains("Backup service"), "names, not ids: {trail}");
    c.execute(
        "document.querySelector('[data-test=case-details]').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, backend, "case-details").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_edits_a_case_in_place_sqlite() {
    agent_edits_a_case_in_place(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_edits_a_case_in_place_postgres() {
    agent_edits_a_case_in_place(TestBackend::Postgres).await;
}
