//! A session that outlives its access tokens: three tabs of one agent keep working while the
//! access token expires under them, with no sign-in page and one refresh at a time.

use fantoccini::wd::WindowHandle;

use super::*;

/// Access tokens live 1 second (plus the 5 seconds of leeway the server allows), and the server
/// forgives no second use of a refresh token: a tab refreshing on its own, or two requests of
/// one tab refreshing each, would end the session. Three tabs reload their queue at once with
/// a stale token (the queue, its counts, the directory, the notifications and the live feed of
/// each in flight), then work on.
async fn session_survives_expiry_in_three_tabs(backend: TestBackend) {
    let (app, _registry) = spa_customized(backend, |svc| {
        svc.auth.access_ttl_seconds = 1;
        svc.auth.refresh_reuse_grace_seconds = 0;
    })
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    for n in 1..=3 {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": format!("Tab case {n}") }),
            )
            .await;
        assert_eq!(s, 201, "{case}");
    }
    let queue = app.url("/queues/all_open");
    let rows = "[data-test=cases] [data-test=case-row]";

    let (_driver, c) = browser().await;
    c.goto(&queue).await.unwrap();
    sign_in(&c, &agent).await;
    count_until(&c, rows, 3).await;
    let mut tabs: Vec<WindowHandle> = vec![c.window().await.unwrap()];
    for _ in 0..2 {
        let tab = c.new_window(true).await.unwrap().handle;
        c.switch_to_window(tab.clone()).await.unwrap();
        c.goto(&queue).await.unwrap();
        count_until(&c, rows, 3).await;
        tabs.push(tab);
    }

    for round in 0..2 {
        // Every tab's access token is stale now.
        tokio::time::sleep(Duration::from_secs(7)).await;
        for tab in &tabs {
            c.switch_to_window(tab.clone()).await.unwrap();
            c.execute("setTimeout(() => location.reload(), 0);", vec![])
                .await
                .unwrap();
        }
        for (n, tab) in tabs.iter().enumerate() {
            c.switch_to_window(tab.clone()).await.unwrap();
            let found = count_until(&c, rows, 3).await;
            assert!(
                found.iter().any(|r| r.contains("Tab case 2")),
                "round {round}, tab {n}: {found:?}"
            );
            assert!(
                c.find(Locator::Css("input[name=password]")).await.is_err(),
                "round {round}, tab {n} is still signed in"
            );
        }
    }

    // Work goes on in the second tab with a stale token: an internal note on a case.
    tokio::time::sleep(Duration::from_secs(7)).await;
    c.switch_to_window(tabs[1].clone()).await.unwrap();
    click(&c, "[data-test=cases] [data-test=case-row] a").await;
    find(&c, "[data-test=case-title]").await;
    key(&c, "n").await;
    text_until(&c, "[data-test=send]", |t| t == "Add note").await;
    type_in(
        &c,
        "[data-test=composer-text]",
        "Written after the token expired",
    )
    .await;
    click(&c, "[data-test=send]").await;
    let notes = count_until(&c, "[data-test=entry][data-kind=internal]", 1).await;
    assert!(
        notes[0].contains("Written after the token expired"),
        "{notes:?}"
    );

    // One session, still in force: no refresh ever presented a used token.
    let db = app.services.db.clone();
    let user = agent.id;
    let sessions = tokio::task::spawn_blocking(move || {
        db.read(|c| {
            helpdesk_store::auth::live_sessions_of(
                c,
                user,
                chrono::Utc::now().naive_utc() - chrono::Duration::days(1),
            )
        })
    })
    .await
    .unwrap()
    .unwrap();
    let browser_sessions: Vec<_> = sessions
        .iter()
        .filter(|s| s.user_agent.contains("Chrome"))
        .collect();
    assert_eq!(browser_sessions.len(), 1, "{sessions:?}");
}

#[tokio::test]
async fn session_survives_expiry_in_three_tabs_sqlite() {
    session_survives_expiry_in_three_tabs(TestBackend::Sqlite).await
}

#[tokio::test]
async fn session_survives_expiry_in_three_tabs_postgres() {
    session_survives_expiry_in_three_tabs(TestBackend::Postgres).await
}
