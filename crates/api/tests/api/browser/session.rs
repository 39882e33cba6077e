//! A session that outlives its access tokens: three tabs of one agent keep working while the
//! access token expires under them, with no sign-in page and one refresh at a time; and a draft
//! that outlives a network blip, a reload and a trip to the queue.

use fantoccini::wd::WindowHandle;

use super::*;

/// Access tokens live 1 second (plus the 5 seconds of leeway the server allows), and the server
/// forgives no second use of a refresh token: a tab refreshing on its own, or two requests of
/// one tab refreshing each, would end the session. Three tabs switch queue views at once with a
/// stale token (each view's list and counts in flight in every tab), then work on. (A page
/// reloaded in the middle of a refresh loses its answer: that is what the server's grace period
/// is for, tested in the API tests; here there is none, to prove the single flight.)
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

    for (round, view) in ["mine", "all_open"].into_iter().enumerate() {
        // Every tab's access token is stale now.
        tokio::time::sleep(Duration::from_secs(7)).await;
        for tab in &tabs {
            c.switch_to_window(tab.clone()).await.unwrap();
            c.execute(
                "document.querySelector(`[data-test=view-${arguments[0]}]`).click();",
                vec![json!(view)],
            )
            .await
            .unwrap();
        }
        for (n, tab) in tabs.iter().enumerate() {
            c.switch_to_window(tab.clone()).await.unwrap();
            text_until(&c, "[data-test=queue-title]", |t| !t.is_empty()).await;
            assert_eq!(path_of(&c).await, format!("/queues/{view}"));
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
    session_survives_expiry_in_three_tabs(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn session_survives_expiry_in_three_tabs_postgres() {
    session_survives_expiry_in_three_tabs(TestBackend::Postgres).await;
}

/// The network drops while an agent writes: the case stays on screen with a quiet banner, the
/// page catches up by itself when the network is back, and the draft survives a reload and a
/// trip to the queue until it is sent.
async fn draft_survives_a_network_blip_and_a_reload(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Router reboots" }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();

    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=case-title]").await;
    // Let the live feed connect before the network goes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    type_in(&c, "[data-test=composer-text]", "A long answer in progress").await;

    // The network drops (every new request fails), and a colleague's note arrives on the feed
    // already open: the page's reload fails.
    c.execute(
        "window.__fetch = window.fetch; window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));",
        vec![],
    )
    .await
    .unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &admin.token,
            json!({ "kind": "internal", "body": "Firmware 2.1 fixes it" }),
        )
        .await;
    assert_eq!(s, 201);
    text_until(&c, "[data-test=offline]", |t| t.contains("retrying")).await;
    assert!(
        c.find(Locator::Css("[data-test=load-error]"))
            .await
            .is_err(),
        "the last good page stays"
    );
    let kept = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("A long answer in progress"));

    // The network is back: the page catches up by itself and the banner goes.
    c.execute("window.fetch = window.__fetch;", vec![])
        .await
        .unwrap();
    count_until(&c, "[data-test=entry][data-kind=internal]", 1).await;
    for _ in 0..100 {
        if c.find(Locator::Css("[data-test=offline]")).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c.find(Locator::Css("[data-test=offline]")).await.is_err());

    // A reload, then a trip to the queue and back: the draft is there each time.
    c.refresh().await.unwrap();
    let restored = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(restored.as_deref(), Some("A long answer in progress"));
    c.goto(&app.url("/queues/all_open")).await.unwrap();
    find(&c, "[data-test=cases]").await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    let restored = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(restored.as_deref(), Some("A long answer in progress"));

    // Sent: the draft is gone.
    click(&c, "[data-test=send]").await;
    count_until(&c, "[data-test=entry][data-kind=public]", 1).await;
    c.refresh().await.unwrap();
    let empty = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(empty.as_deref(), Some(""));
}

#[tokio::test]
async fn draft_survives_a_network_blip_and_a_reload_sqlite() {
    draft_survives_a_network_blip_and_a_reload(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn draft_survives_a_network_blip_and_a_reload_postgres() {
    draft_survives_a_network_blip_and_a_reload(TestBackend::Postgres).await;
}

/// The profile lists where the user is signed in, this browser marked, and signs another
/// browser out at once.
async fn sessions_on_the_profile(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    // Signed in once already (the test's own sign-in, from a script without a browser name).
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/profile")).await.unwrap();
    sign_in(&c, &agent).await;
    let rows = count_until(&c, "[data-test=session]", 2).await;
    let this = find(&c, "[data-test=session][data-current=true]").await;
    let this = this.text().await.unwrap();
    assert!(
        this.contains("this browser") && this.contains("Chrome"),
        "{this}"
    );
    assert!(
        rows.iter().any(|r| r.contains("Unknown browser")),
        "{rows:?}"
    );
    let (s, me) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200);
    let name = find(&c, "[data-test=profile-name]").await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        me["name"].as_str(),
        "the profile shows the name right after signing in"
    );
    screenshot(&c, backend, "sessions").await;
    click(&c, "[data-test=end-session]").await;
    count_until(&c, "[data-test=session]", 1).await;
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401, "the other session ended at once");
}

#[tokio::test]
async fn sessions_on_the_profile_sqlite() {
    sessions_on_the_profile(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn sessions_on_the_profile_postgres() {
    sessions_on_the_profile(TestBackend::Postgres).await;
}

/// Forgotten password: the sign-in page's link asks for the address, the mailed link opens the
/// page where a new password is chosen (a common one refused at its field), and the user is
/// signed in. Then the profile changes it again, the wrong current password shown at its field.
async fn passwords_reset_and_changed(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/mine")).await.unwrap();
    click(&c, "[data-test=forgot]").await;
    type_in(
        &c,
        "[data-test=forgot-form] input[name=email]",
        &agent.email,
    )
    .await;
    click(&c, "[data-test=send-reset]").await;
    text_until(&c, "[data-test=reset-sent] h1", |t| t == "Check your mail").await;
    let token = crate::reset_token(&app, &agent.email)
        .await
        .expect("a reset mail");

    c.goto(&app.url(&format!("/reset/{token}"))).await.unwrap();
    text_until(&c, "[data-test=reset-form] strong", |t| t == agent.email).await;
    type_in(&c, "input[name=password]", "qwertyuiop").await;
    type_in(&c, "input[name=again]", "qwertyuiop").await;
    click(&c, "[data-test=set-new-password]").await;
    let err = text_until(&c, "[data-test=field-error]", |t| !t.is_empty()).await;
    assert_eq!(err, "is one of the most common passwords; choose another");
    screenshot(&c, backend, "password-reset").await;
    for name in ["password", "again"] {
        let input = find(&c, &format!("input[name={name}]")).await;
        input.clear().await.unwrap();
        input.send_keys("my own new passphrase").await.unwrap();
    }
    click(&c, "[data-test=set-new-password]").await;
    text_until(&c, "[data-test=who]", |t| t.contains("agent")).await;
    assert_eq!(path_of(&c).await, "/queues/mine");
    let (s, _) = app.login(&agent.email, "my own new passphrase").await;
    assert_eq!(s, 200, "the password chosen signs in");

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
    assert_eq!(err, "is not your current password");
    let current = find(&c, "input[name=current-password]").await;
    current.clear().await.unwrap();
    current.send_keys("my own new passphrase").await.unwrap();
    click(&c, "[data-test=save-password]").await;
    let toast = toast_until(&c, |t| t.starts_with("Password changed")).await;
    assert_eq!(
        toast,
        "Password changed. You were signed out everywhere else."
    );
    screenshot(&c, backend, "password-change").await;
    let (s, _) = app.login(&agent.email, "a third passphrase").await;
    assert_eq!(s, 200);
    c.close().await.unwrap();
}

#[tokio::test]
async fn passwords_reset_and_changed_sqlite() {
    passwords_reset_and_changed(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn passwords_reset_and_changed_postgres() {
    passwords_reset_and_changed(TestBackend::Postgres).await;
}

/// An admin reads the security log in the app: a stranger's refused sign-in with its reason and
/// address, filtered by kind.
async fn security_log_screen(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    let (s, _) = app.login(&agent.email, "a stranger's guess").await;
    assert_eq!(s, 401);
    let (_driver, c) = browser().await;
    c.goto(&app.url("/admin/security-log")).await.unwrap();
    sign_in(&c, &admin).await;
    find(&c, "[data-test=security-table]").await;
    let kinds = texts(&c, "[data-test=security-row] td:nth-child(2)").await;
    assert!(kinds.iter().any(|k| k == "Sign-in refused"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "Signed in"), "{kinds:?}");
    c.execute(
        "const s = document.querySelector('[data-test=security-kind]'); s.value = 'sign_in_failed'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    let rows = count_until(&c, "[data-test=security-row][data-kind=sign_in_failed]", 1).await;
    assert_eq!(rows.len(), 1);
    count_until(&c, "[data-test=security-row]", 1).await;
    let details = texts(&c, "[data-test=security-row] td").await;
    assert!(
        details.contains(&"wrong password".to_owned()),
        "{details:?}"
    );
    assert!(details.contains(&"127.0.0.1".to_owned()), "{details:?}");
    assert!(
        details.iter().any(|d| d.starts_with("agent ")),
        "the account by name: {details:?}"
    );
    screenshot(&c, backend, "security-log").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn security_log_screen_sqlite() {
    security_log_screen(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn security_log_screen_postgres() {
    security_log_screen(TestBackend::Postgres).await;
}

/// An admin ends another user's sessions from the users screen: the user's token is refused at
/// once.
async fn admin_ends_a_users_sessions(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/admin/users")).await.unwrap();
    sign_in(&c, &admin).await;
    count_until(&c, "[data-test=admin-row]", 2).await;
    c.execute(
        "const row = [...document.querySelectorAll('[data-test=admin-row]')].find(r => r.textContent.includes(arguments[0])); row.querySelector('[data-test=user-sessions]').click();",
        vec![json!(agent.email)],
    )
    .await
    .unwrap();
    let sessions = count_until(&c, "[data-test=sessions] [data-test=session]", 1).await;
    assert!(sessions[0].contains("127.0.0.1"), "{sessions:?}");
    screenshot(&c, backend, "admin-user-sessions").await;
    click(&c, "[data-test=end-all-sessions]").await;
    find(&c, "[data-test=no-sessions]").await;
    let (s, _) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 401, "the agent's session ended at once");
    c.close().await.unwrap();
}

#[tokio::test]
async fn admin_ends_a_users_sessions_sqlite() {
    admin_ends_a_users_sessions(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn admin_ends_a_users_sessions_postgres() {
    admin_ends_a_users_sessions(TestBackend::Postgres).await;
}
