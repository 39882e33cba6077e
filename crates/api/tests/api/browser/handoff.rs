//! Assigning and escalating by name: a team and one of its members chosen for a case, then
//! the case escalated to the chosen team of the next line.

use super::*;

async fn agent_assigns_and_escalates_by_name(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let colleague = app.user(Role::Agent, Some(1), None).await;
    let admin = app.user(Role::Admin, None, None).await;
    let (_, who) = app
        .get(&format!("/api/v1/users/{}", colleague.id), &admin.token)
        .await;
    let colleague_name = who["name"].as_str().unwrap().to_owned();
    let mut teams = Vec::new();
    for (name, line, members) in [
        ("Printers", 1, vec![colleague.id]),
        ("Network", 2, vec![]),
        ("Hardware", 2, vec![]),
    ] {
        let (s, team) = app
            .post(
                "/api/v1/teams",
                &admin.token,
                json!({ "name": name, "support_line": line, "member_ids": members }),
            )
            .await;
        assert_eq!(s, 201, "{team}");
        teams.push(team);
    }
    let (_, contact) = org_with_contact(&app, &agent, "Handoff").await;
    let (s, case) = app
        .post(
            "/api/v1/cases",
            &agent.token,
            json!({ "subject": "Printer on fire", "requester_id": contact }),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();

    let (_driver, c) = browser().await;
    c.goto(&app.url(&format!("/cases/{id}"))).await.unwrap();
    sign_in(&c, &agent).await;
    // Assign: every team is offered (by name); once Printers is chosen its member comes first.
    click(&c, "[data-test=act-assign]").await;
    let offered = count_until(&c, "[data-test=ask-team] option", 4).await;
    assert_eq!(
        offered,
        ["— no team —", "Hardware", "Network", "Printers"],
        "{offered:?}"
    );
    click(
        &c,
        &format!("[data-test=ask-team] option[value='{}']", teams[0]["id"]),
    )
    .await;
    let people = text_until(&c, "[data-test=ask-input] option:nth-child(2)", |t| {
        t == colleague_name
    })
    .await;
    assert_eq!(people, colleague_name);
    click(
        &c,
        &format!("[data-test=ask-input] option[value='{}']", colleague.id),
    )
    .await;
    click(&c, "[data-test=ask-ok]").await;
    text_until(&c, "[data-test=assignee]", |t| t == colleague_name).await;
    let (_, now) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(
        (&now["team_id"], &now["assignee_id"]),
        (&teams[0]["id"], &json!(colleague.id))
    );

    // Escalate: only the second line's teams, the first chosen unless another is.
    click(&c, "[data-test=act-escalate]").await;
    let offered = count_until(&c, "[data-test=ask-team] option", 2).await;
    assert_eq!(offered, ["Hardware", "Network"], "{offered:?}");
    click(
        &c,
        &format!("[data-test=ask-team] option[value='{}']", teams[1]["id"]),
    )
    .await;
    type_in(&c, "[data-test=ask-input]", "Needs a new fuser").await;
    // A colleague writes meanwhile: the case is redrawn live, and the choice stays.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &colleague.token,
            json!({ "kind": "internal", "body": "Smells of toner" }),
        )
        .await;
    assert_eq!(s, 201);
    text_until(&c, "[data-test=stream]", |t| t.contains("Smells of toner")).await;
    let chosen = find(&c, "[data-test=ask-team]").await;
    assert_eq!(
        chosen.prop("value").await.unwrap(),
        Some(teams[1]["id"].to_string())
    );
    screenshot(&c, backend, "escalate").await;
    click(&c, "[data-test=ask-ok]").await;
    find(&c, "[data-test=actions]").await;
    let mut now = Value::Null;
    for _ in 0..50 {
        now = app
            .get(&format!("/api/v1/cases/{id}"), &agent.token)
            .await
            .1;
        if now["support_line"] == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        (&now["support_line"], &now["team_id"]),
        (&json!(2), &teams[1]["id"]),
        "{now}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_assigns_and_escalates_by_name_sqlite() {
    agent_assigns_and_escalates_by_name(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_assigns_and_escalates_by_name_postgres() {
    agent_assigns_and_escalates_by_name(TestBackend::Postgres).await;
}
