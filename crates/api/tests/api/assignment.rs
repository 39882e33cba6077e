//! Automatic assignment: a team's new unassigned cases spread by rotation or by load, exactly,
//! even when they are created at the same moment; agents who are away are passed over.

use futures_util::future::join_all;
use helpdesk_api_types::Role;
use helpdesk_test_support::{api_test, TestApp, TestUser};
use serde_json::json;

async fn create_many(app: &TestApp, admin: &TestUser, team: i64, n: usize, tag: &str) {
    let calls = (0..n).map(|i| {
        let token = admin.token.clone();
        async move {
            let (s, case) = app
                .post(
                    "/api/v1/cases",
                    &token,
                    json!({ "subject": format!("{tag} {i}"), "team_id": team }),
                )
                .await;
            assert_eq!(s, 201, "{case}");
            assert_eq!(case["status"], "open", "an assigned case is open: {case}");
        }
    });
    join_all(calls).await;
}

async fn load(app: &TestApp, admin: &TestUser, agents: &[&TestUser]) -> Vec<usize> {
    let mut out = Vec::new();
    for a in agents {
        let (s, page) = app
            .get(
                &format!("/api/v1/cases?assignee={}&limit=200", a.id),
                &admin.token,
            )
            .await;
        assert_eq!(s, 200);
        out.push(page["items"].as_array().unwrap().len());
    }
    out
}

api_test!(async fn cases_spread_by_rotation_and_by_load(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let a1 = app.user(Role::Agent, Some(1), None).await;
    let a2 = app.user(Role::Agent, Some(1), None).await;
    let a3 = app.user(Role::Agent, Some(1), None).await;
    let (s, team) = app
        .post("/api/v1/teams", &admin.token, json!({ "name": "First line", "support_line": 1,
            "member_ids": [a1.id, a2.id, a3.id], "assignment": "round_robin" }))
        .await;
    assert_eq!(s, 201, "{team}");
    assert_eq!(team["assignment"], "round_robin");
    let team = team["id"].as_i64().unwrap();
    let agents = [&a1, &a2, &a3];

    // Thirty cases at once: ten each, as the rotation says.
    create_many(&app, &admin, team, 30, "Rotation").await;
    assert_eq!(load(&app, &admin, &agents).await, vec![10, 10, 10]);

    // The second agent goes on leave: the next ten go to the other two.
    let (s, me) = app.call(reqwest::Method::PUT, "/api/v1/me/availability", Some(&a2.token), Some(&json!({ "available": false }))).await;
    assert_eq!(s, 200);
    assert_eq!(me["available"], false);
    create_many(&app, &admin, team, 10, "Leave").await;
    assert_eq!(load(&app, &admin, &agents).await, vec![15, 10, 15]);

    // Back, and the team gives cases out by load: the second agent catches up first; a tie
    // goes to the lowest id.
    app.call(reqwest::Method::PUT, "/api/v1/me/availability", Some(&a2.token), Some(&json!({ "available": true }))).await;
    let (s, _) = app.patch(&format!("/api/v1/teams/{team}"), &admin.token, json!({ "assignment": "least_busy" })).await;
    assert_eq!(s, 200);
    create_many(&app, &admin, team, 6, "Load").await;
    assert_eq!(load(&app, &admin, &agents).await, vec![16, 15, 15]);

    // An agent who creates a case on the first line keeps it; manual teams leave cases alone.
    let (_, own) = app.post("/api/v1/cases", &a3.token, json!({ "subject": "Walk-in", "team_id": team })).await;
    assert_eq!(own["assignee_id"], a3.id);
    app.patch(&format!("/api/v1/teams/{team}"), &admin.token, json!({ "assignment": "manual" })).await;
    let (_, queued) = app.post("/api/v1/cases", &admin.token, json!({ "subject": "Queue", "team_id": team })).await;
    assert!(queued["assignee_id"].is_null(), "{queued}");
    assert_eq!(queued["status"], "new");
});
