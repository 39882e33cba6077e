//! On a phone (390 px wide) nothing is wider than the screen: the queue reads as cards, the
//! case page is stacked. With the system in dark mode the app is dark, and axe-core still finds
//! no serious or critical violation (contrast included) on the queue and a case.

use super::*;

/// A case to look at, and the agent who looks.
async fn a_case(app: &TestApp) -> (TestUser, i64) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(app, &agent, "Looks").await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "The invoice PDF opens blank on the phone", "requester_id": contact,
                    "description": "Since Monday every invoice in the portal opens as a blank page." }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    (agent, case["id"].as_i64().unwrap())
}

/// How much wider than the window the page is (0 when it fits).
async fn overflow(c: &Client) -> i64 {
    c.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap()
}

/// The elements that reach past the window's right edge, to say what does not fit.
async fn too_wide(c: &Client) -> Value {
    c.execute(
        "const w = document.documentElement.clientWidth; \
         return [...document.querySelectorAll('body *')] \
           .filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 12) \
           .map(e => `${e.tagName}.${e.className}[${e.dataset.test || ''}] ${Math.round(e.getBoundingClientRect().width)}`);",
        vec![],
    )
    .await
    .unwrap()
}

async fn fits_a_phone(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let (agent, id) = a_case(&app).await;
    let (_driver, c) = browser_with(
        &[],
        Some(json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1.0 } })),
    )
    .await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    let width = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(390));
    sign_in(&c, &agent).await;
    find(&c, "[data-test=case-row]").await;
    assert_eq!(
        overflow(&c).await,
        0,
        "the queue fits: {}",
        too_wide(&c).await
    );
    screenshot(&c, backend, "phone-queue").await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    find(&c, "[data-test=stream] [data-test=entry]").await;
    find(&c, "[data-test=customer-card] [data-test=customer-email]").await;
    assert_eq!(
        overflow(&c).await,
        0,
        "the case page fits: {}",
        too_wide(&c).await
    );
    screenshot(&c, backend, "phone-case").await;
    c.goto(&app.url("/cases/new")).await.unwrap();
    find(&c, "[data-test=case-type]").await;
    assert_eq!(
        overflow(&c).await,
        0,
        "the new-case form fits: {}",
        too_wide(&c).await
    );
    c.close().await.unwrap();
}

async fn dark_when_the_system_is(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let (agent, id) = a_case(&app).await;
    let (_driver, c) = browser_with(&["--force-dark-mode"], None).await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=case-row]").await;
    let background = c
        .execute(
            "return getComputedStyle(document.documentElement).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background, json!("rgb(15, 20, 27)"));
    let mut found: Vec<String> = violations(&c).await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    find(&c, "[data-test=stream] [data-test=entry]").await;
    find(&c, "[data-test=customer-card] [data-test=customer-email]").await;
    found.extend(violations(&c).await);
    assert!(found.is_empty(), "{found:#?}");
    screenshot(&c, backend, "case-dark").await;
    click(&c, "[data-test=language]").await;
    text_until(&c, "[data-test=language]", |t| t == "English").await;
    screenshot(&c, backend, "case-dark-ru").await;
    c.close().await.unwrap();
}

/// At 1440 px the header is one line in Russian too (its longest words).
async fn header_is_one_line(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let (agent, _) = a_case(&app).await;
    let (_driver, c) = browser_with(&["--window-size=1440,900"], None).await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=case-row]").await;
    click(&c, "[data-test=language]").await;
    text_until(&c, "[data-test=language]", |t| t == "English").await;
    let tops = c
        .execute(
            "return [...document.querySelectorAll('.bar a, .bar button, .bar input')] \
               .map(e => Math.round(e.getBoundingClientRect().top));",
            vec![],
        )
        .await
        .unwrap();
    let tops: Vec<i64> = serde_json::from_value(tops).unwrap();
    let (lowest, highest) = (tops.iter().min().unwrap(), tops.iter().max().unwrap());
    assert!(highest - lowest < 20, "one line: {tops:?}");
    screenshot(&c, backend, "header-ru-1440").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn header_is_one_line_sqlite() {
    header_is_one_line(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn header_is_one_line_postgres() {
    header_is_one_line(TestBackend::Postgres).await;
}

#[tokio::test]
async fn fits_a_phone_sqlite() {
    fits_a_phone(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn fits_a_phone_postgres() {
    fits_a_phone(TestBackend::Postgres).await;
}

#[tokio::test]
async fn dark_when_the_system_is_sqlite() {
    dark_when_the_system_is(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn dark_when_the_system_is_postgres() {
    dark_when_the_system_is(TestBackend::Postgres).await;
}
