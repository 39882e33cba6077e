//! The header's search: `/` from anywhere, results as the agent types, found by case number,
//! INN and phone, opened with the keyboard or the mouse.

use super::*;

async fn agent_searches_from_the_header(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, org) = app
        .post(
            "/api/v1/organizations",
            &agent.token,
            json!({ "name": "Северный ветер", "inn": "7707083893" }),
        )
        .await;
    assert_eq!(s, 201, "{org}");
    let (s, contact) = app
        .post(
            "/api/v1/contacts",
            &agent.token,
            json!({ "first_name": "Анна", "last_name": "Полякова", "organization_id": org["id"],
                    "phones": ["+7 916 123-45-67"], "emails": ["anna@veter.test"] }),
        )
        .await;
    assert_eq!(s, 201, "{contact}");
    let mut cases = Vec::new();
    for subject in ["Scanner offline", "Invoices are not arriving"] {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": subject, "requester_id": contact["id"] }),
            )
            .await;
        assert_eq!(s, 201, "{case}");
        cases.push(case);
    }
    let (s, article) = app
        .post(
            "/api/v1/kb/articles",
            &agent.token,
            json!({ "title": "Scanner drivers", "body_md": "Install the **TWAIN** driver first." }),
        )
        .await;
    assert_eq!(s, 201, "{article}");
    let wanted = &cases[1];
    let number = wanted["number"].as_i64().unwrap();

    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    sign_in(&c, &agent).await;
    count_until(&c, "[data-test=cases] [data-test=case-row]", 2).await;
    // `/` from the queue goes to the header's search; the number with its sign finds the case,
    // and Enter opens it.
    key(&c, "/").await;
    let focused = c
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("global-search"));
    type_in(&c, "[data-test=global-search]", &format!("#{number}")).await;
    let first = text_until(&c, "[data-test=search-hit]", |t| !t.is_empty()).await;
    assert!(
        first.starts_with(&format!("#{number} Invoices are not arriving")),
        "{first}"
    );
    screenshot(&c, backend, "search-number").await;
    type_in(&c, "[data-test=global-search]", "\u{E007}").await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Invoices are not arriving")
    })
    .await;
    assert_eq!(path_of(&c).await, format!("/cases/{}", wanted["id"]));
    let input = find(&c, "[data-test=global-search]").await;
    assert_eq!(input.prop("value").await.unwrap().as_deref(), Some(""));

    // The INN finds the organization, under its own heading; a click opens it.
    type_in(&c, "[data-test=global-search]", "7707083893").await;
    let groups = {
        text_until(&c, "[data-test=search-hit][data-kind=organization]", |t| {
            t.starts_with("Северный ветер")
        })
        .await;
        texts(&c, "[data-test=search-results] h3").await
    };
    // (Headings are shown in capitals.)
    assert_eq!(groups[0].to_lowercase(), "organizations", "{groups:?}");
    click(&c, "[data-test=search-hit][data-kind=organization]").await;
    find(&c, "[data-test=record]").await;
    assert_eq!(path_of(&c).await, format!("/organizations/{}", org["id"]));

    // A phone as people say it, without the country code: the contact, chosen with the arrows.
    type_in(&c, "[data-test=global-search]", "916 123-45-67").await;
    let hit = text_until(&c, "[data-test=search-hit][data-kind=contact]", |t| {
        t.contains("+79161234567")
    })
    .await;
    assert!(hit.starts_with("Анна Полякова"), "{hit}");
    let kinds: Vec<Option<String>> = {
        let mut out = Vec::new();
        for e in c
            .find_all(Locator::Css("[data-test=search-hit]"))
            .await
            .unwrap()
        {
            out.push(e.attr("data-kind").await.unwrap());
        }
        out
    };
    let at = kinds
        .iter()
        .position(|k| k.as_deref() == Some("contact"))
        .unwrap();
    type_in(&c, "[data-test=global-search]", &"\u{E015}".repeat(at)).await;
    let active = find(&c, "[data-test=search-hit].active").await;
    assert_eq!(
        active.attr("data-kind").await.unwrap().as_deref(),
        Some("contact")
    );
    type_in(&c, "[data-test=global-search]", "\u{E007}").await;
    find(&c, "[data-test=record]").await;
    assert_eq!(path_of(&c).await, format!("/contacts/{}", contact["id"]));

    // Words being typed, and nothing found said so; Escape closes the list.
    type_in(&c, "[data-test=global-search]", "scann").await;
    text_until(&c, "[data-test=search-hit][data-kind=case]", |t| {
        t.contains("Scanner offline")
    })
    .await;
    // An article opens as agents read it, draft or not.
    click(&c, "[data-test=search-hit][data-kind=article]").await;
    text_until(&c, "[data-test=kb-status]", |t| t == "Draft").await;
    text_until(&c, "[data-test=kb-visibility]", |t| t == "Agents only").await;
    text_until(&c, "[data-test=kb-body]", |t| t.contains("TWAIN")).await;
    assert_eq!(path_of(&c).await, format!("/kb/{}", article["id"]));
    let input = find(&c, "[data-test=global-search]").await;
    input.send_keys("zzqx").await.unwrap();
    text_until(&c, "[data-test=search-none]", |t| t == "Nothing found.").await;
    input.send_keys("\u{E00C}").await.unwrap();
    let hidden = find(&c, "[data-test=search-results]")
        .await
        .attr("hidden")
        .await
        .unwrap();
    assert!(hidden.is_some(), "Escape closes the results");
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_searches_from_the_header_sqlite() {
    agent_searches_from_the_header(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_searches_from_the_header_postgres() {
    agent_searches_from_the_header(TestBackend::Postgres).await;
}
