//! Records chosen by name, never by id: an organization found by its name or INN for a contact
//! and a contract, a product by the first letters of its name; chosen ones shown by name and
//! linked; a choice taken back.

use super::*;

async fn records_are_picked_by_name(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (_, org) = app
        .post(
            "/api/v1/organizations",
            &agent.token,
            json!({ "name": "Северный ветер", "inn": "7707083893" }),
        )
        .await;
    let (_, other_org) = app
        .post(
            "/api/v1/organizations",
            &agent.token,
            json!({ "name": "Северное сияние" }),
        )
        .await;
    let mut products = Vec::new();
    for name in ["Backup service", "Monitoring"] {
        let (s, p) = app
            .post("/api/v1/products", &admin.token, json!({ "name": name }))
            .await;
        assert_eq!(s, 201, "{p}");
        products.push(p);
    }
    let (s, contract) = app
        .post(
            "/api/v1/contracts",
            &admin.token,
            json!({ "organization_id": org["id"], "product_id": products[0]["id"],
                    "number": "Д-17", "starts_on": "2026-01-01" }),
        )
        .await;
    assert_eq!(s, 201, "{contract}");

    let (_driver, c) = browser().await;
    c.goto(&app.url("/contacts/new")).await.unwrap();
    sign_in(&c, &agent).await;
    type_in(&c, "[data-test=record-form] input[name=first_name]", "Анна").await;
    type_in(
        &c,
        "[data-test=record-form] input[name=last_name]",
        "Полякова",
    )
    .await;
    // Two organizations begin the same way; the arrows choose the second, Enter takes it and
    // does not send the form.
    type_in(&c, "[data-test=pick-organization_id] input", "Север").await;
    let offered = count_until(
        &c,
        "[data-test=pick-organization_id] [data-test=pick-option]",
        2,
    )
    .await;
    let want = offered
        .iter()
        .position(|o| o.starts_with("Северный ветер"))
        .unwrap();
    type_in(
        &c,
        "[data-test=pick-organization_id] input",
        &"\u{E015}".repeat(want),
    )
    .await;
    type_in(&c, "[data-test=pick-organization_id] input", "\u{E007}").await;
    text_until(
        &c,
        "[data-test=pick-organization_id] [data-test=picked]",
        |t| t.starts_with("Северный ветер"),
    )
    .await;
    screenshot(&c, backend, "picker").await;
    assert_eq!(path_of(&c).await, "/contacts/new", "Enter did not save");
    click(&c, "[data-test=record-form] [data-test=save]").await;
    text_until(&c, "[data-test=record-title]", |t| t == "Анна Полякова").await;
    text_until(&c, "[data-test=record] [data-test=record-name]", |t| {
        t == "Северный ветер"
    })
    .await;
    let contact_id: i64 = path_of(&c)
        .await
        .trim_start_matches("/contacts/")
        .parse()
        .unwrap();
    let (_, saved) = app
        .get(&format!("/api/v1/contacts/{contact_id}"), &agent.token)
        .await;
    assert_eq!(saved["organization_id"], org["id"]);

    // Taking the choice back clears the field.
    click(&c, "[data-test=edit]").await;
    text_until(
        &c,
        "[data-test=pick-organization_id] [data-test=picked]",
        |t| t.starts_with("Северный ветер"),
    )
    .await;
    click(&c, "[data-test=pick-organization_id] [data-test=unpick]").await;
    click(&c, "[data-test=record-form] [data-test=save]").await;
    find(&c, "[data-test=record]").await;
    let mut now = Value::Null;
    for _ in 0..50 {
        now = app
            .get(&format!("/api/v1/contacts/{contact_id}"), &agent.token)
            .await
            .1;
        if now["organization_id"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(now["organization_id"].is_null(), "{now}");

    // An admin makes a contract: its organization found by INN, its product by the first
    // letters of its name; both shown by name in the list and on its page, where they stay.
    sign_out(&c).await;
    c.goto(&app.url("/contracts")).await.unwrap();
    sign_in(&c, &admin).await;
    let row = text_until(&c, "[data-test=directory-row]", |t| {
        t.contains("Северный ветер") && t.contains("Backup service")
    })
    .await;
    assert!(row.starts_with("Д-17"), "{row}");
    click(&c, "[data-test=create]").await;
    let form = "[data-test=create-form]";
    type_in(
        &c,
        &format!("{form} [data-test=pick-organization_id] input"),
        "7707083893",
    )
    .await;
    click(
        &c,
        &format!("{form} [data-test=pick-organization_id] [data-test=pick-option]"),
    )
    .await;
    type_in(
        &c,
        &format!("{form} [data-test=pick-product_id] input"),
        "mon",
    )
    .await;
    click(
        &c,
        &format!("{form} [data-test=pick-product_id] [data-test=pick-option]"),
    )
    .await;
    text_until(
        &c,
        &format!("{form} [data-test=pick-product_id] [data-test=picked]"),
        |t| t.starts_with("Monitoring"),
    )
    .await;
    type_in(&c, &format!("{form} input[name=number]"), "М-3").await;
    c.execute(
        "const d = document.querySelector('[data-test=create-form] input[name=starts_on]'); \
         d.value = '2026-02-01'; d.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![],
    )
    .await
    .unwrap();
    click(&c, &format!("{form} [data-test=save]")).await;
    // (Names come a moment after the row.)
    text_until(&c, "[data-test=directory]", |t| {
        t.lines()
            .any(|row| row.starts_with("М-3 Северный ветер Monitoring"))
    })
    .await;
    let (_, all) = app.get("/api/v1/contracts?limit=50", &agent.token).await;
    let made = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["number"] == "М-3")
        .cloned()
        .unwrap();
    assert_eq!(made["organization_id"], org["id"]);
    assert_ne!(made["organization_id"], other_org["id"]);
    assert_eq!(made["product_id"], products[1]["id"]);
    c.goto(&app.url(&format!("/contracts/{}", made["id"])))
        .await
        .unwrap();
    click(&c, "[data-test=edit]").await;
    let fixed = texts(&c, "[data-test=record-form] .fixed").await;
    assert_eq!(fixed.len(), 2, "{fixed:?}");
    text_until(&c, "[data-test=record-form] .fixed", |t| {
        t == "Северный ветер"
    })
    .await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn records_are_picked_by_name_sqlite() {
    records_are_picked_by_name(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn records_are_picked_by_name_postgres() {
    records_are_picked_by_name(TestBackend::Postgres).await;
}
