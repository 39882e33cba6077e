//! An agent works a case (queue, reply, note, files, knowledge base, a draft kept across a
//! reload), live updates with the browser notification, and a stranger's mail waiting in a
//! case as a suggested follow-up; merging by case number with the target shown first.

use super::*;

async fn agent_works_a_case(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Northwind").await;
    let admin = app.user(Role::Admin, None, None).await;
    let (s, _) = app
        .post(
            "/api/v1/sla-policies",
            &admin.token,
            json!({ "name": "Standard", "targets": { "normal": { "first_response_minutes": 60, "resolution_minutes": 240 } } }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer jams on tray 2", "description": "Since Monday", "requester_id": contact }),
        )
        .await;
    assert_eq!(s, 201);
    let id = case["id"].as_i64().unwrap();
    let (s, article) = app
        .post(
            "/api/v1/kb/articles",
            &agent.token,
            json!({ "title": "Worn rollers", "body_md": "Replace the pickup roller of the tray.", "status": "published" }),
        )
        .await;
    assert_eq!(s, 201, "{article}");

    let (_driver, c) = browser().await;
    c.goto(&app.url("/")).await.unwrap();
    sign_in(&c, &agent).await;
    // The queue: My cases with its count and the case with its SLA deadline.
    let rows = count_until(&c, "[data-test=cases] [data-test=case-row]", 1).await;
    assert!(rows[0].contains("Printer jams on tray 2"), "{rows:?}");
    assert!(rows[0].contains("Open"), "{rows:?}");
    assert_eq!(
        text_until(&c, "[data-test=count-mine]", |t| t == "1").await,
        "1"
    );
    let sla = find(&c, "[data-test=cases] [data-test=sla]").await;
    assert_eq!(
        sla.attr("data-state").await.unwrap().as_deref(),
        Some("due")
    );
    assert!(sla.text().await.unwrap().starts_with("due in"));
    screenshot(&c, backend, "queue").await;

    // Enter opens the selected case.
    key(&c, "Enter").await;
    text_until(&c, "[data-test=case-title]", |t| {
        t.contains("Printer jams on tray 2")
    })
    .await;
    assert_eq!(path_of(&c).await, format!("/cases/{id}"));
    // Who the customer is: the organization and the requester by name, with the address.
    text_until(&c, "[data-test=organization]", |t| t == "Northwind").await;
    text_until(&c, "[data-test=requester]", |t| {
        t == "Ivan Northwind northwind@example.test"
    })
    .await;
    text_until(&c, "[data-test=related-none]", |t| t == "No other cases.").await;
    // Only the moves an open case allows.
    let actions = texts(&c, "[data-test=actions] button").await;
    assert!(actions.iter().any(|a| a == "Resolve…"), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "Reopen"), "{actions:?}");

    // A public reply with a picture, uploaded through the file input with its progress row.
    let dir = std::env::temp_dir().join(format!(
        "helpdesk-browser-{}-{backend:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("tray.png");
    std::fs::write(&png, PNG_1X1).unwrap();
    find(&c, "[data-test=file-input]")
        .await
        .send_keys(png.to_str().unwrap())
        .await
        .unwrap();
    text_until(&c, "[data-test=upload]", |t| {
        t.contains("tray.png") && t.contains('✓')
    })
    .await;
    type_in(&c, "[data-test=composer-text]", "Please try the other tray").await;
    click(&c, "[data-test=send]").await;
    count_until(&c, "[data-test=entry][data-kind=public]", 2).await;
    // The picture shows as a preview under the reply.
    find(
        &c,
        "[data-test=entry][data-kind=public] [data-test=preview]",
    )
    .await;
    let (_, files) = app
        .get(&format!("/api/v1/cases/{id}/attachments"), &agent.token)
        .await;
    assert_eq!(files[0]["filename"], "tray.png");
    assert!(
        files[0]["entry_id"].is_i64(),
        "attached to the reply: {files}"
    );
    // `n` switches the composer to an internal note.
    key(&c, "n").await;
    text_until(&c, "[data-test=send]", |t| t == "Add note").await;
    type_in(&c, "[data-test=composer-text]", "tray 2 roller is worn").await;
    // Files dropped on the composer: one over 50 MB is refused before sending, the other is
    // uploaded and goes with the note.
    c.execute(
        "const dt = new DataTransfer();
         dt.items.add(new File([new Uint8Array(52 * 1024 * 1024)], 'disk.iso'));
         dt.items.add(new File(['paper jam at 10:02'], 'printer.log', { type: 'text/plain' }));
         const zone = document.querySelector('[data-test=drop]');
         zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
         zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));",
        vec![],
    )
    .await
    .unwrap();
    let refused = toast_until(&c, |t| t.starts_with("disk.iso")).await;
    assert!(refused.contains("larger than 50 MB"), "{refused}");
    text_until(&c, "[data-test=upload]", |t| {
        t.contains("printer.log") && t.contains('✓')
    })
    .await;
    click(&c, "[data-test=send]").await;
    let notes = count_until(&c, "[data-test=entry][data-kind=internal]", 1).await;
    assert!(notes[0].contains("Internal note") && notes[0].contains("tray 2 roller is worn"));
    let (_, files) = app
        .get(&format!("/api/v1/cases/{id}/attachments"), &agent.token)
        .await;
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["filename"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{files}");
    assert!(
        names.contains(&"printer.log") && !names.contains(&"disk.iso"),
        "{names:?}"
    );
    // Enter in the article search searches: it never sends the half-written note.
    type_in(&c, "[data-test=composer-text]", "Half a thought").await;
    type_in(&c, "[data-test=kb-search]", "roller\u{E007}").await;
    find(&c, "[data-test=kb-article]").await;
    let kinds = stream_kinds(&app, &agent.token, id).await;
    assert!(
        !kinds.iter().any(|(_, b)| b.contains("Half a thought")),
        "nothing was sent: {kinds:?}"
    );
    let composer = find(&c, "[data-test=composer-text]").await;
    assert_eq!(
        composer.prop("value").await.unwrap().as_deref(),
        Some("Half a thought")
    );
    composer
        .send_keys("\u{E009}a\u{E000}\u{E003}")
        .await
        .unwrap();
    // A knowledge-base article is inserted into the composer.
    click(&c, "[data-test=kb-article]").await;
    let inserted = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        inserted,
        "Worn rollers\n\nReplace the pickup roller of the tray."
    );
    // The article is internal: marked so for a note, not offered for a reply the customer reads.
    find(&c, "[data-test=kb-internal]").await;
    click(&c, "[data-test=mode-public]").await;
    count_until(&c, "[data-test=kb-article]", 0).await;
    click(&c, "[data-test=mode-internal]").await;
    count_until(&c, "[data-test=kb-article]", 1).await;
    // A change made elsewhere reloads the case without losing the draft.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &admin.token,
            json!({ "kind": "internal", "body": "Parts ordered" }),
        )
        .await;
    assert_eq!(s, 201);
    count_until(&c, "[data-test=entry][data-kind=internal]", 2).await;
    let draft = find(&c, "[data-test=composer-text]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(draft, inserted, "the draft survives the reload");
    find(&c, "[data-test=composer-text]")
        .await
        .clear()
        .await
        .unwrap();
    screenshot(&c, backend, "case").await;
    let kinds = stream_kinds(&app, &agent.token, id).await;
    assert!(kinds.contains(&("public".into(), "Please try the other tray".into())));
    assert!(kinds.contains(&("internal".into(), "tray 2 roller is worn".into())));
    // The reply put the case in "awaiting customer", and the page shows it.
    text_until(&c, "[data-test=case-status]", |t| t == "Awaiting customer").await;

    // An action with input: resolve with a resolution.
    click(&c, "[data-test=act-resolve]").await;
    type_in(&c, "[data-test=ask-input]", "Roller replaced").await;
    click(&c, "[data-test=ask-ok]").await;
    text_until(&c, "[data-test=case-status]", |t| t == "Resolved").await;
    let actions = texts(&c, "[data-test=actions] button").await;
    assert!(actions.iter().any(|a| a == "Reopen"), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "Resolve…"), "{actions:?}");

    // First render of the queue on a fresh page load (the session is kept): the app marks the
    // moment the list is on screen.
    c.goto(&app.url("/queues/mine")).await.unwrap();
    // The case is resolved now, so My cases is empty.
    find(&c, "[data-test=empty]").await;
    let mut mark = Value::Null;
    for _ in 0..100 {
        mark = c
            .execute(
                "const m = performance.getEntriesByName('queue-rendered'); return m.length ? m[0].startTime : null;",
                vec![],
            )
            .await
            .unwrap();
        if !mark.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ms = mark.as_f64().expect("the queue marks its first render");
    println!("first render of the queue ({backend:?}): {ms:.0} ms after navigation start");
    assert!(ms > 0.0 && ms < 10_000.0, "{ms}");

    // The language switch: every string changes, and the choice is kept on the account.
    click(&c, "[data-test=language]").await;
    text_until(&c, "[data-test=queue-title]", |t| t == "Мои обращения").await;
    let (_, me) = app.get("/api/v1/me", &agent.token).await;
    for _ in 0..50 {
        if app.get("/api/v1/me", &agent.token).await.1["language"] == "ru" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, me_after) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(me_after["language"], "ru", "was {}", me["language"]);
    c.refresh().await.unwrap();
    text_until(&c, "[data-test=queue-title]", |t| t == "Мои обращения").await;
    screenshot(&c, backend, "queue-ru").await;

    // The case's audit trail reads in Russian: fields and statuses in words, not codes.
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    click(&c, "[data-test=audit-toggle]").await;
    text_until(&c, "[data-test=audit]", |t| t.contains("Решено")).await;
    let rows: Vec<(String, String)> = texts(&c, "[data-test=audit-field]")
        .await
        .into_iter()
        .zip(texts(&c, "[data-test=audit-change]").await)
        .collect();
    assert!(
        rows.contains(&("Статус".into(), "Ожидает ответа клиента → Решено".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("Решение".into(), "— → Roller replaced".into())),
        "{rows:?}"
    );
    // The stream's system entries too: statuses in words, not the codes of the English text.
    let events = texts(&c, "[data-test=entry][data-kind=system] .body").await;
    assert!(
        events
            .iter()
            .any(|t| t == "Статус: В работе → Ожидает ответа клиента"),
        "{events:?}"
    );
    screenshot(&c, backend, "audit-ru").await;
    c.close().await.unwrap();
}

async fn live_update(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let colleague = app.user(Role::Agent, Some(1), None).await;
    let (_driver, c) = browser().await;
    c.goto(&app.url("/queues/all_open")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=empty]").await;
    assert_eq!(
        text_until(&c, "[data-test=count-all_open]", |t| t == "0").await,
        "0"
    );
    // Let the feed connect, then a colleague registers a case elsewhere.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = c
        .execute("return performance.timeOrigin;", vec![])
        .await
        .unwrap();
    let (s, _) = app
        .post(
            "/api/v1/cases",
            &colleague.token,
            json!({ "subject": "Arrived while you watched" }),
        )
        .await;
    assert_eq!(s, 201);
    let rows = count_until(&c, "[data-test=cases] [data-test=case-row]", 1).await;
    assert!(rows[0].contains("Arrived while you watched"));
    assert_eq!(
        text_until(&c, "[data-test=count-all_open]", |t| t == "1").await,
        "1"
    );
    let after = c
        .execute("return performance.timeOrigin;", vec![])
        .await
        .unwrap();
    assert_eq!(before, after, "the page was not reloaded");

    // A case assigned to the agent pops up a browser notification. The Notification API is
    // replaced by a recorder with the permission granted (headless Chromium shows none).
    c.execute(
        "window.shown = [];
         window.Notification = class {
             constructor(title, options) { window.shown.push(title + ' | ' + (options && options.body)); }
             static get permission() { return 'granted'; }
             static requestPermission() { return Promise.resolve('granted'); }
         };",
        vec![],
    )
    .await
    .unwrap();
    let (s, yours) = app
        .post(
            "/api/v1/cases",
            &colleague.token,
            json!({ "subject": "Yours now" }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{}/actions/assign", yours["id"]),
            &colleague.token,
            json!({ "assignee_id": agent.id }),
        )
        .await;
    assert_eq!(s, 200);
    // The worker writes the notification; the next event makes the app look.
    drain_outbox(&app).await;
    let (s, _) = app
        .post(
            "/api/v1/cases",
            &colleague.token,
            json!({ "subject": "Another one" }),
        )
        .await;
    assert_eq!(s, 201);
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = c.execute("return window.shown;", vec![]).await.unwrap();
        if shown.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = shown.as_array().cloned().unwrap_or_default();
    assert_eq!(shown.len(), 1, "{shown:?}");
    let popup = shown[0].as_str().unwrap();
    assert!(
        popup.starts_with("Helpdesk | ") && popup.contains("Yours now"),
        "{popup}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_works_a_case_sqlite() {
    agent_works_a_case(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_works_a_case_postgres() {
    agent_works_a_case(TestBackend::Postgres).await;
}

#[tokio::test]
async fn live_update_sqlite() {
    live_update(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn live_update_postgres() {
    live_update(TestBackend::Postgres).await;
}

/// A stranger's mail that names the customer's thread waits in the case as a suggested
/// follow-up; the agent reads it there and adds it to the case with one click.
async fn suggested_follow_up(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, mailbox) = app
        .post(
            "/api/v1/mailboxes",
            &admin.token,
            json!({ "name": "Support", "address": "support@helpdesk.test" }),
        )
        .await;
    assert_eq!(s, 201, "{mailbox}");
    let deliver = |raw: String| {
        app.client
            .post(app.url(&format!(
                "/api/v1/inbound/mailboxes/{}/messages",
                mailbox["mailbox"]["id"]
            )))
            .bearer_auth(mailbox["inbound_token"].as_str().unwrap())
            .header("content-type", "message/rfc822")
            .body(raw.replace('\n', "\r\n"))
            .send()
    };
    let mail = |from: &str, id: &str, extra: &str, body: &str| {
        format!("From: {from}\nTo: support@helpdesk.test\nSubject: Printer offline\nMessage-ID: <{id}>\n{extra}Content-Type: text/plain; charset=utf-8\n\n{body}\n")
    };
    let first: Value = deliver(mail(
        "ivan@customer.test",
        "p1@customer.test",
        "",
        "It is offline.",
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let case = first["case_id"].as_i64().unwrap();
    let second: Value = deliver(mail(
        "olga@customer.test",
        "p2@customer.test",
        "In-Reply-To: <p1@customer.test>\n",
        "Mine too, third floor.",
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(second["status"], "suggested", "{second}");

    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{case}"))).await.unwrap();
    sign_in(&c, &agent).await;
    let box_text = text_until(&c, "[data-test=suggested]", |t| {
        t.contains("not a participant")
    })
    .await;
    assert!(box_text.contains("Add to this case"), "{box_text}");
    let entry = text_until(&c, "[data-test=entry][data-kind=internal]", |t| {
        t.contains("Mine too")
    })
    .await;
    assert!(
        entry.contains("olga@customer.test") && entry.contains("Suggested follow-up"),
        "{entry}"
    );
    screenshot(&c, backend, "suggested-follow-up").await;
    click(&c, "[data-test=accept-suggested]").await;
    let public = count_until(&c, "[data-test=entry][data-kind=public]", 2).await;
    assert!(public.iter().any(|t| t.contains("Mine too")), "{public:?}");
    assert!(
        c.find(Locator::Css("[data-test=suggested]")).await.is_err(),
        "decided: the box is gone"
    );
}

#[tokio::test]
async fn suggested_follow_up_sqlite() {
    suggested_follow_up(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn suggested_follow_up_postgres() {
    suggested_follow_up(TestBackend::Postgres).await;
}

/// "Merge into…" takes the case number and shows the target before anything moves; another
/// organization's case is said plainly and needs a tick.
async fn merge_by_number(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, alpha) = org_with_contact(&app, &agent, "Alpha").await;
    let (_, beta) = org_with_contact(&app, &agent, "Beta").await;
    let mut cases = Vec::new();
    for (subject, requester) in [
        ("Alpha printer", alpha),
        ("Beta printer", beta),
        ("Beta printer again", beta),
    ] {
        let (s, case) = app
            .post(
                "/api/v1/cases",
                &agent.token,
                json!({ "subject": subject, "requester_id": requester }),
            )
            .await;
        assert_eq!(s, 201, "{case}");
        cases.push((
            case["id"].as_i64().unwrap(),
            case["number"].as_i64().unwrap(),
        ));
    }
    let [(alpha_case, alpha_number), (_, beta_number), (source, _)] = cases[..] else {
        unreachable!()
    };

    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{source}"))).await.unwrap();
    sign_in(&c, &agent).await;
    click(&c, "[data-test=act-merge]").await;
    // The same organization's case: shown, no warning.
    type_in(&c, "[data-test=merge-number]", &beta_number.to_string()).await;
    let preview = text_until(&c, "[data-test=merge-preview]", |t| {
        t.contains("Beta printer")
    })
    .await;
    assert!(
        preview.contains("Beta") && preview.contains("Ivan Beta"),
        "{preview}"
    );
    assert!(c
        .find(Locator::Css("[data-test=merge-other-org]"))
        .await
        .is_err());
    // Another organization's case: said plainly; Merge waits for the tick.
    let field = find(&c, "[data-test=merge-number]").await;
    field.clear().await.unwrap();
    field.send_keys(&format!("#{alpha_number}")).await.unwrap();
    let preview = text_until(&c, "[data-test=merge-preview]", |t| {
        t.contains("Alpha printer")
    })
    .await;
    assert!(preview.contains("another organization"), "{preview}");
    let ok = find(&c, "[data-test=ask-ok]").await;
    assert_eq!(
        ok.attr("disabled").await.unwrap().as_deref(),
        Some("true"),
        "not before the tick"
    );
    screenshot(&c, backend, "merge-other-organization").await;
    click(&c, "[data-test=merge-understood]").await;
    click(&c, "[data-test=ask-ok]").await;
    text_until(&c, "[data-test=case-status]", |t| t == "Merged").await;
    let (_, merged) = app
        .get(&format!("/api/v1/cases/{source}"), &agent.token)
        .await;
    assert_eq!(
        merged["merged_into_id"], alpha_case,
        "merged into the case shown, by number"
    );
}

#[tokio::test]
async fn merge_by_number_sqlite() {
    merge_by_number(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn merge_by_number_postgres() {
    merge_by_number(TestBackend::Postgres).await;
}

/// A mail's inline picture (`cid:`) shows on the case page through its signed link; a picture
/// from elsewhere loads only when the agent asks, through the proxy, with no cookie or referrer.
async fn inline_picture(backend: TestBackend) {
    // The "remote site" runs on this machine: let the proxy reach it.
    let (app, remote) = spa_customized(backend, |svc| {
        svc.webhooks.allow_private_targets = true;
    })
    .await;
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
    let png_bytes = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(png)
            .unwrap()
    };
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/pixel.png"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(png_bytes, "image/png"))
        .mount(&remote)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/page.html"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html></html>", "text/html"))
        .mount(&remote)
        .await;
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, mailbox) = app
        .post(
            "/api/v1/mailboxes",
            &admin.token,
            json!({ "name": "Support", "address": "support@helpdesk.test" }),
        )
        .await;
    assert_eq!(s, 201, "{mailbox}");
    let site = remote.uri();
    let raw = format!("From: ivan@customer.test\nTo: support@helpdesk.test\nSubject: Screenshot of the error\nMessage-ID: <pic@customer.test>\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"REL\"\n\n--REL\nContent-Type: text/html; charset=utf-8\n\n<p>See the picture:</p><img src=\"cid:shot@customer.test\" alt=\"screenshot\"><img src=\"{site}/pixel.png\" alt=\"pixel\"><img src=\"{site}/page.html\" alt=\"page\">\n--REL\nContent-Type: image/png\nContent-ID: <shot@customer.test>\nContent-Disposition: inline; filename=\"shot.png\"\nContent-Transfer-Encoding: base64\n\n{png}\n--REL--\n");
    let resp: Value = app
        .client
        .post(app.url(&format!(
            "/api/v1/inbound/mailboxes/{}/messages",
            mailbox["mailbox"]["id"]
        )))
        .bearer_auth(mailbox["inbound_token"].as_str().unwrap())
        .header("content-type", "message/rfc822")
        .body(raw.replace('\n', "\r\n"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = resp["case_id"].as_i64().unwrap_or_else(|| panic!("{resp}"));

    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{case}"))).await.unwrap();
    sign_in(&c, &agent).await;
    text_until(&c, "[data-test=entry][data-kind=public]", |t| {
        t.contains("See the picture")
    })
    .await;
    let width = |alt: &'static str| {
        let c = c.clone();
        async move {
            let mut last = json!(0);
            for _ in 0..50 {
                last = c
                    .execute(
                        "const i = document.querySelector(`[data-test=entry] img[alt=${arguments[0]}]`); return i && i.complete ? i.naturalWidth : 0;",
                        vec![json!(alt)],
                    )
                    .await
                    .unwrap();
                if last == json!(1) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            last
        }
    };
    assert_eq!(
        width("screenshot").await,
        json!(1),
        "the inline picture loaded through its signed link"
    );
    let fetched = |p: &'static str| {
        let remote = &remote;
        async move {
            remote
                .received_requests()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.url.path() == p)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        fetched("/pixel.png").await.is_empty(),
        "nothing from elsewhere loads by itself"
    );
    text_until(&c, ".remote-pictures", |t| t.contains("not shown")).await;
    screenshot(&c, backend, "inline-picture").await;

    // The agent asks: the picture comes through the proxy, without cookie or referrer.
    let proxied = c
        .execute(
            "return document.querySelector('[data-test=entry] img[alt=pixel]').getAttribute('data-remote-src');",
            vec![],
        )
        .await
        .unwrap();
    let proxied = proxied.as_str().unwrap().to_owned();
    assert!(proxied.starts_with("/api/v1/remote-images?"), "{proxied}");
    click(&c, "[data-test=show-remote-pictures]").await;
    assert_eq!(
        width("pixel").await,
        json!(1),
        "the remote picture loaded on request"
    );
    let asked = fetched("/pixel.png").await;
    assert!(!asked.is_empty());
    assert!(
        asked
            .iter()
            .all(|r| !r.headers.contains_key("cookie") && !r.headers.contains_key("referer")),
        "{asked:?}"
    );

    // What the proxy refuses: an altered link, and a page that is not a picture.
    let resp = app
        .client
        .get(app.url(&proxied.replace("signature=", "signature=x")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let page = c
        .execute(
            "return document.querySelector('[data-test=entry] img[alt=page]').getAttribute('src');",
            vec![],
        )
        .await
        .unwrap();
    let resp = app
        .client
        .get(app.url(page.as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502, "not a picture");
}

#[tokio::test]
async fn inline_picture_sqlite() {
    inline_picture(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn inline_picture_postgres() {
    inline_picture(TestBackend::Postgres).await;
}

/// "Request information" asks something: the agent picks whom (the customer here) and writes
/// the question; the case shows "Information requested" and the question in the stream.
async fn request_information(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Asked").await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer offline", "requester_id": contact }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{}", case["id"])))
        .await
        .unwrap();
    sign_in(&c, &agent).await;
    click(&c, "[data-test=act-request-info]").await;
    let whom = texts(&c, "[data-test=ask-whom] option").await;
    assert_eq!(whom[0], "The customer, in a public message", "{whom:?}");
    type_in(&c, "[data-test=ask-input]", "Which model is it?").await;
    screenshot(&c, backend, "request-information").await;
    click(&c, "[data-test=ask-ok]").await;
    text_until(&c, "[data-test=case-status]", |t| {
        t == "Information requested"
    })
    .await;
    let public = count_until(&c, "[data-test=entry][data-kind=public]", 1).await;
    assert!(public[0].contains("Which model is it?"), "{public:?}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn request_information_sqlite() {
    request_information(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn request_information_postgres() {
    request_information(TestBackend::Postgres).await;
}
