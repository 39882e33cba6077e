//! The customer portal and the invitation to it.

use super::*;

async fn customer_portal(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact_a) = org_with_contact(&app, &agent, "BrowserA").await;
    let (_, contact_b) = org_with_contact(&app, &agent, "BrowserB").await;
    let portal_a = app.user(Role::Portal, None, Some(contact_a)).await;
    let mut ids = Vec::new();
    for (subject, requester) in [
        ("Printer jams on tray 2", contact_a),
        ("VPN drops every hour", contact_b),
    ] {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": subject, "requester_id": requester }),
            )
            .await;
        assert_eq!(s, 201);
        ids.push(case["id"].as_i64().unwrap());
    }
    for (kind, body) in [
        ("public", "Try the other tray"),
        ("internal", "secret: tray 2 is broken"),
    ] {
        let (s, _) = app
            .post(
                &format!("/api/v1/cases/{}/stream", ids[0]),
                &agent.token,
                json!({ "kind": kind, "body": body }),
            )
            .await;
        assert_eq!(s, 201);
    }
    drain_outbox(&app).await;
    let guide = kb_for_customers(&app, &agent.token).await;

    let (_driver, c) = browser().await;
    // An agent address typed by a customer lands on the portal home.
    c.goto(&app.url("/queues/all_open")).await.unwrap();
    sign_in(&c, &portal_a).await;
    let rows = count_until(&c, "[data-test=portal-cases] [data-test=case-row]", 1).await;
    assert!(rows[0].contains("Printer jams on tray 2"));
    assert_eq!(path_of(&c).await, "/portal");
    assert!(c.find(Locator::Css("[data-test=cases]")).await.is_err());
    assert!(!c.source().await.unwrap().contains("VPN drops every hour"));
    // The bell counts the public reply, not the note.
    assert_eq!(
        text_until(&c, "[data-test=unread]", |t| t == "1").await,
        "1"
    );
    screenshot(&c, backend, "portal").await;

    // The notification opens the case it is about and counts as read.
    click(&c, "[data-test=bell]").await;
    click(&c, "[data-test=notification] button").await;
    text_until(&c, "[data-test=case-title]", |t| t.contains("Printer jams")).await;
    assert_eq!(path_of(&c).await, format!("/portal/cases/{}", ids[0]));
    text_until(&c, "[data-test=unread]", |t| t == "0").await;
    let mut count = Value::Null;
    for _ in 0..50 {
        count = app
            .get("/api/v1/notifications/unread-count", &portal_a.token)
            .await
            .1;
        if count["unread"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count["unread"], 0, "marked read on the server: {count}");

    // The case: the public reply, never the internal note; the customer answers.
    let entries = count_until(&c, "[data-test=entry]", 1).await;
    assert!(entries[0].contains("Try the other tray"), "{entries:?}");
    assert!(!c.source().await.unwrap().contains("tray 2 is broken"));
    type_in(
        &c,
        "[data-test=composer-text]",
        "The other tray works, thanks",
    )
    .await;
    click(&c, "[data-test=send]").await;
    count_until(&c, "[data-test=entry]", 2).await;
    let kinds = stream_kinds(&app, &agent.token, ids[0]).await;
    assert!(kinds.contains(&("public".into(), "The other tray works, thanks".into())));
    // In the customer's words: support's reply, their own message, a box for writing to support.
    assert_eq!(
        texts(&c, "[data-test=entry] .entry-head strong").await,
        ["Support", "You"]
    );
    let placeholder = find(&c, "[data-test=composer-text]")
        .await
        .attr("placeholder")
        .await
        .unwrap();
    assert_eq!(placeholder.as_deref(), Some("Your message to support"));

    // The link in a mail (`/cases/{id}`, the same for agents and customers) opens the case.
    c.goto(&app.url(&format!("/cases/{}", ids[0])))
        .await
        .unwrap();
    text_until(&c, "[data-test=case-title]", |t| t.contains("Printer jams")).await;
    assert_eq!(path_of(&c).await, format!("/portal/cases/{}", ids[0]));

    // The customer closes the case, with a last word; writing later would open it again.
    click(&c, "[data-test=close-ask]").await;
    type_in(
        &c,
        "[data-test=close-message]",
        "Solved with the other tray",
    )
    .await;
    click(&c, "[data-test=close-confirm]").await;
    text_until(&c, "[data-test=case-status]", |t| t == "Closed").await;
    find(&c, "[data-test=reopen-hint]").await;
    assert!(c.find(Locator::Css("[data-test=close-ask]")).await.is_err());
    count_until(&c, "[data-test=entry]", 3).await;
    screenshot(&c, backend, "portal-case-closed").await;
    let (_, closed) = app
        .get(&format!("/api/v1/cases/{}", ids[0]), &agent.token)
        .await;
    assert_eq!(closed["status"], "closed");
    let kinds = stream_kinds(&app, &agent.token, ids[0]).await;
    assert!(kinds.contains(&("public".into(), "Solved with the other tray".into())));
    // Another customer's case by its address: not found, and nothing of it on the page.
    c.goto(&app.url(&format!("/portal/cases/{}", ids[1])))
        .await
        .unwrap();
    find(&c, "[data-test=load-error]").await;
    assert!(!c.source().await.unwrap().contains("VPN drops every hour"));

    // A new case from the portal.
    c.goto(&app.url("/portal/cases/new")).await.unwrap();
    type_in(&c, "[data-test=subject]", "Scanner is offline").await;
    type_in(&c, "[data-test=description]", "Since the update").await;
    let dir = std::env::temp_dir().join(format!(
        "helpdesk-portal-{}-{backend:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("scanner.log");
    std::fs::write(&log, "error 42: no paper\n").unwrap();
    find(&c, "[data-test=new-case-files]")
        .await
        .send_keys(log.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "[data-test=save]").await;
    let toast = text_until(&c, "[data-test=toast]", |t| t.contains('#')).await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Scanner is offline")
    })
    .await;
    let (_, mine) = app.get("/api/v1/portal/cases", &portal_a.token).await;
    let created = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["subject"] == "Scanner is offline")
        .expect("the new case is the customer's")
        .clone();
    assert!(
        toast.contains(&format!("#{}", created["number"])),
        "{toast}"
    );
    let (_, as_agent) = app
        .get(&format!("/api/v1/cases/{}", created["id"]), &agent.token)
        .await;
    assert_eq!(as_agent["channel"], "portal");
    assert_eq!(as_agent["requester_id"], contact_a);
    // The file chosen on the form went up with the case: the agent has it.
    let (_, files) = app
        .get(
            &format!("/api/v1/cases/{}/attachments", created["id"]),
            &agent.token,
        )
        .await;
    assert_eq!(files[0]["filename"], "scanner.log", "{files}");
    text_until(&c, "[data-test=portal-case]", |t| t.contains("scanner.log")).await;

    // The knowledge base: the portal's articles by category, a search, an article's files.
    click(&c, "a[href='/portal/kb']").await;
    let categories = count_until(&c, "[data-test=kb-category]", 1).await;
    assert_eq!(categories, ["Printers"]);
    let articles = count_until(&c, "[data-test=kb-article]", 1).await;
    assert!(
        articles[0].starts_with("Clearing a paper jam"),
        "{articles:?}"
    );
    assert!(!c
        .source()
        .await
        .unwrap()
        .contains("Jam codes for engineers"));
    type_in(&c, "[data-test=kb-query]", "roller").await;
    click(&c, "[data-test=kb-search]").await;
    let hits = count_until(&c, "[data-test=kb-hit]", 1).await;
    assert!(hits[0].contains("Clearing a paper jam"), "{hits:?}");
    screenshot(&c, backend, "portal-kb").await;
    click(&c, "[data-test=kb-hit] a").await;
    text_until(&c, "[data-test=kb-article-page] h1", |t| {
        t == "Clearing a paper jam"
    })
    .await;
    assert_eq!(path_of(&c).await, format!("/portal/kb/{guide}"));
    let files = count_until(&c, "[data-test=kb-file]", 1).await;
    assert!(files[0].starts_with("jam-guide.txt"), "{files:?}");
    screenshot(&c, backend, "portal-kb-article").await;
    // Signing out forgets the session: a reload asks to sign in again.
    sign_out(&c).await;
    c.refresh().await.unwrap();
    find(&c, "input[name=email]").await;
    assert!(c
        .find(Locator::Css("[data-test=portal-cases]"))
        .await
        .is_err());
    c.close().await.unwrap();
}

/// A category with one published portal article (with a file) and one internal article;
/// returns the portal article's id.
async fn kb_for_customers(app: &TestApp, agent: &str) -> i64 {
    let (s, category) = app
        .post(
            "/api/v1/kb/categories",
            agent,
            json!({ "name": "Printers" }),
        )
        .await;
    assert_eq!(s, 201, "{category}");
    let mut ids = Vec::new();
    for (title, visibility) in [
        ("Clearing a paper jam", "portal"),
        ("Jam codes for engineers", "internal"),
    ] {
        let body = json!({
            "title": title, "body_md": "Open the cover and turn the **tray roller** by hand.",
            "category_id": category["id"], "status": "published", "visibility": visibility,
        });
        let (s, article) = app.post("/api/v1/kb/articles", agent, body).await;
        assert_eq!(s, 201, "{article}");
        ids.push(article["id"].as_i64().unwrap());
    }
    let (s, files) = app
        .upload(
            &format!("/api/v1/kb/articles/{}/attachments", ids[0]),
            agent,
            vec![("jam-guide.txt", "text/plain", b"Step 1".to_vec())],
        )
        .await;
    assert_eq!(s, 201, "{files}");
    ids[0]
}

/// An agent gives a contact portal access in the app; the customer opens the mailed link,
/// chooses a password and lands in the portal; a replaced or used link is refused.
async fn portal_invitation(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let email = "vera@customer.test";
    let (_driver, c) = browser().await;
    c.goto(&app.url("/contacts/new")).await.unwrap();
    sign_in(&c, &agent).await;
    type_in(&c, "[data-test=record-form] input[name=first_name]", "Vera").await;
    type_in(
        &c,
        "[data-test=record-form] input[name=last_name]",
        "Sokolova",
    )
    .await;
    type_in(&c, "[data-test=record-form] textarea[name=emails]", email).await;
    click(&c, "[data-test=record-form] input[name=portal_access]").await;
    click(&c, "[data-test=record-form] [data-test=save]").await;
    let toast = toast_until(&c, |t| t.contains(email)).await;
    assert_eq!(toast, format!("Invitation to the portal sent to {email}."));
    text_until(&c, "[data-test=record-title]", |t| t == "Vera Sokolova").await;
    let first = crate::invitation_token(&app, email)
        .await
        .expect("an invitation mail");
    // Sending again from the contact's page: a new link, the first one void.
    click(&c, "[data-test=invite]").await;
    let mut second = first.clone();
    for _ in 0..100 {
        second = crate::invitation_token(&app, email).await.unwrap();
        if second != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(second, first, "a second invitation was queued");
    sign_out(&c).await;

    c.goto(&app.url(&format!("/invite/{first}"))).await.unwrap();
    find(&c, "[data-test=invite-invalid]").await;
    c.goto(&app.url(&format!("/invite/{second}")))
        .await
        .unwrap();
    text_until(&c, "[data-test=invite-form] h1", |t| {
        t == "Welcome, Vera Sokolova"
    })
    .await;
    type_in(&c, "input[name=password]", "a long new password").await;
    type_in(&c, "input[name=again]", "a long new passwore").await;
    click(&c, "[data-test=accept-invitation]").await;
    let err = text_until(&c, "[data-test=field-error]", |t| !t.is_empty()).await;
    assert_eq!(err, "The passwords differ");
    let again = find(&c, "input[name=again]").await;
    again.clear().await.unwrap();
    again.send_keys("a long new password").await.unwrap();
    screenshot(&c, backend, "portal-invitation").await;
    click(&c, "[data-test=accept-invitation]").await;
    text_until(&c, "[data-test=who]", |t| t.contains("Vera Sokolova")).await;
    text_until(&c, "[data-test=empty]", |t| t == "You have no cases yet.").await;
    assert_eq!(path_of(&c).await, "/portal");

    // The link worked once; the password chosen signs in.
    sign_out(&c).await;
    c.goto(&app.url(&format!("/invite/{second}")))
        .await
        .unwrap();
    find(&c, "[data-test=invite-invalid]").await;
    let (s, _) = app.login(email, "a long new password").await;
    assert_eq!(s, 200);
    c.close().await.unwrap();
}

#[tokio::test]
async fn customer_portal_sqlite() {
    customer_portal(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn customer_portal_postgres() {
    customer_portal(TestBackend::Postgres).await;
}

#[tokio::test]
async fn portal_invitation_sqlite() {
    portal_invitation(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn portal_invitation_postgres() {
    portal_invitation(TestBackend::Postgres).await;
}
