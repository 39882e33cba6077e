//! SLA calendars and policies through the API, and the clocks they put on cases: computed on
//! every change, paused while waiting on the customer, fired once by the timers, recomputed
//! after a policy change. Time is a manual clock moved by the test, never a sleep.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime, Utc};
use helpdesk_api_types::Role;
use helpdesk_service::{Clock, ManualClock};
use helpdesk_test_support::{TestApp, TestBackend, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{ids, org_with_contact};

async fn app_with_clock(backend: TestBackend) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let handle = clock.clone();
    let app = TestApp::spawn_customized(backend, Default::default(), move |svc| {
        svc.clock = handle;
    })
    .await;
    (app, clock)
}

fn office_week() -> Value {
    let day = json!([{ "start": "09:00", "end": "13:00" }, { "start": "14:00", "end": "18:00" }]);
    json!([day, day, day, day, day, [], []])
}

fn time(v: &Value) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
        .naive_utc()
}

fn clock<'a>(case: &'a Value, metric: &str) -> &'a Value {
    case["sla"]["clocks"]
        .as_array()
        .unwrap_or_else(|| panic!("clocks on {case}"))
        .iter()
        .find(|c| c["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} clock on {case}"))
}

async fn run_timers(app: &TestApp) -> usize {
    let svc = app.services.clone();
    tokio::task::spawn_blocking(move || svc.run_due_jobs(100))
        .await
        .unwrap()
        .unwrap()
}

async fn admin_and_agent(app: &TestApp) -> (TestUser, TestUser) {
    (
        app.user(Role::Admin, None, None).await,
        app.user(Role::Agent, Some(1), None).await,
    )
}

async fn sla_admin_and_validation(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let (admin, agent) = admin_and_agent(&app).await;
    let body = json!({ "name": "Office", "time_zone": "Europe/Moscow", "week": office_week(),
                       "holidays": [{ "from": "2027-01-01", "to": "2027-01-08", "name": "New Year" }] });
    let (s, _) = app
        .post("/api/v1/calendars", &agent.token, body.clone())
        .await;
    assert_eq!(s, 403, "agents do not change calendars");
    for (bad, field) in [
        (json!({ "time_zone": "Mars/Olympus" }), "time_zone"),
        (
            json!({ "week": [[{ "start": "09:00", "end": "25:00" }], [], [], [], [], [], []] }),
            "week[0][0]",
        ),
        (
            json!({ "week": [[{ "start": "09:00", "end": "13:00" }, { "start": "12:00", "end": "18:00" }], [], [], [], [], [], []] }),
            "week",
        ),
        (json!({ "week": [[], [], []] }), "week"),
        (json!({ "week": [[], [], [], [], [], [], []] }), "week"),
        (
            json!({ "holidays": [{ "from": "2027-01-08", "to": "2027-01-01" }] }),
            "holidays",
        ),
    ] {
        let mut input = body.clone();
        for (k, v) in bad.as_object().unwrap() {
            input[k] = v.clone();
        }
        let (s, problem) = app.post("/api/v1/calendars", &admin.token, input).await;
        assert_eq!(s, 422, "{bad} -> {problem}");
        assert!(
            problem["errors"].get(field).is_some(),
            "{bad} names {field}: {problem}"
        );
    }
    let (s, calendar) = app.post("/api/v1/calendars", &admin.token, body).await;
    assert_eq!(s, 201, "{calendar}");
    assert_eq!(calendar["week"][0][1]["end"], "18:00");
    assert_eq!(calendar["holidays"][0]["to"], "2027-01-08");
    let cal = calendar["id"].as_i64().unwrap();

    let policy = json!({ "name": "Standard", "calendar_id": cal,
                         "targets": { "normal": { "first_response_minutes": 240, "resolution_minutes": 960 } } });
    let mut unknown = policy.clone();
    unknown["calendar_id"] = json!(cal + 1000);
    let (s, problem) = app
        .post("/api/v1/sla-policies", &admin.token, unknown)
        .await;
    assert_eq!(s, 422);
    assert!(problem["errors"].get("calendar_id").is_some(), "{problem}");
    let mut zero = policy.clone();
    zero["targets"]["normal"]["first_response_minutes"] = json!(0);
    let (s, problem) = app.post("/api/v1/sla-policies", &admin.token, zero).await;
    assert_eq!(s, 422);
    assert!(problem["errors"].get("targets").is_some(), "{problem}");
    let (s, created) = app.post("/api/v1/sla-policies", &admin.token, policy).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["warn_percent"], 80);
    let (s, list) = app.get("/api/v1/sla-policies", &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);

    // A calendar in use is not deleted; an unused one is.
    let (s, problem) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/calendars/{cal}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(s, 409, "{problem}");
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/sla-policies/{}", created["id"]),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/calendars/{cal}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(s, 204);

    // Customers see no SLA administration.
    let (_, contact) = org_with_contact(&app, &agent, "Acme").await;
    let portal = app.user(Role::Portal, None, Some(contact)).await;
    for path in ["/api/v1/calendars", "/api/v1/sla-policies"] {
        let (s, _) = app.get(path, &portal.token).await;
        assert_eq!(s, 403, "{path}");
    }
}

#[tokio::test]
async fn sla_admin_and_validation_sqlite() {
    sla_admin_and_validation(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn sla_admin_and_validation_postgres() {
    sla_admin_and_validation(TestBackend::Postgres).await;
}

async fn clocks_follow_the_case(backend: TestBackend) {
    let (app, now) = app_with_clock(backend).await;
    let (admin, agent) = admin_and_agent(&app).await;
    let (org, contact) = org_with_contact(&app, &agent, "Acme").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;
    // Round the clock: due times are plain arithmetic. A second policy for Acme's urgent cases
    // comes first.
    let (s, standard) = app
        .post("/api/v1/sla-policies", &admin.token, json!({ "name": "Standard", "position": 100,
            "targets": { "normal": { "first_response_minutes": 60, "next_response_minutes": 30, "resolution_minutes": 240 },
                         "urgent": { "first_response_minutes": 30, "resolution_minutes": 120 } } }))
        .await;
    assert_eq!(s, 201, "{standard}");
    let (s, vip) = app
        .post(
            "/api/v1/sla-policies",
            &admin.token,
            json!({ "name": "Acme urgent", "position": 10,
            "conditions": { "organization_ids": [org], "priorities": ["urgent"] },
            "targets": { "urgent": { "first_response_minutes": 15 } } }),
        )
        .await;
    assert_eq!(s, 201, "{vip}");

    let created_at = now.now();
    let (s, case) = app
        .post("/api/v1/cases", &agent.token, json!({ "subject": "VPN down", "description": "since the update", "requester_id": contact }))
        .await;
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["sla"]["policy_id"], standard["id"]);
    let first = clock(&case, "first_response");
    assert_eq!(first["state"], "running");
    assert_eq!(time(&first["due_at"]), created_at + Duration::minutes(60));
    assert_eq!(time(&first["warn_at"]), created_at + Duration::minutes(48));
    assert_eq!(
        time(&clock(&case, "resolution")["due_at"]),
        created_at + Duration::minutes(240)
    );
    assert_eq!(
        time(&case["sla"]["due_at"]),
        created_at + Duration::minutes(60)
    );

    // Answered after 20 minutes: first response met; awaiting the customer pauses the rest.
    now.advance(Duration::minutes(20));
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/stream"),
            &agent.token,
            json!({ "kind": "public", "body": "Which client version?" }),
        )
        .await;
    assert_eq!(s, 201);
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(case["status"], "awaiting_customer");
    assert_eq!(clock(&case, "first_response")["state"], "met");
    assert_eq!(clock(&case, "first_response")["elapsed_seconds"], 20 * 60);
    let resolution = clock(&case, "resolution");
    assert_eq!(resolution["state"], "paused");
    assert_eq!(resolution["left_seconds"], 220 * 60);

    // Two hours later the customer answers: the next-response clock starts, and resolution
    // resumes with the pause left out.
    now.advance(Duration::hours(2));
    let answered_at = now.now();
    let (s, _) = app
        .post(
            &format!("/api/v1/portal/cases/{id}/messages"),
            &customer.token,
            json!({ "body": "Version 5.2" }),
        )
        .await;
    assert_eq!(s, 201);
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(case["status"], "open");
    let next = clock(&case, "next_response");
    assert_eq!(next["state"], "running");
    assert_eq!(time(&next["due_at"]), answered_at + Duration::minutes(30));
    assert_eq!(
        time(&clock(&case, "resolution")["due_at"]),
        answered_at + Duration::minutes(220)
    );

    // An urgent Acme case gets the Acme policy.
    let (_, urgent) = app
        .post("/api/v1/cases", &agent.token, json!({ "subject": "Server on fire", "description": "smoke", "priority": "urgent", "requester_id": contact }))
        .await;
    assert_eq!(urgent["sla"]["policy_id"], vip["id"]);
    assert_eq!(
        time(&clock(&urgent, "first_response")["due_at"]),
        answered_at + Duration::minutes(15)
    );
    let urgent_id = urgent["id"].as_i64().unwrap();
    // A case an admin types in without a requester: the description is the request, not a
    // reply, so its first-response clock runs.
    let (_, typed) = app
        .post(
            "/api/v1/cases",
            &admin.token,
            json!({ "subject": "Phoned in", "description": "caller says the VPN is down" }),
        )
        .await;
    assert_eq!(
        clock(&typed, "first_response")["state"],
        "running",
        "{typed}"
    );
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{}/actions/resolve", typed["id"]),
            &admin.token,
            json!({ "resolution": "duplicate" }),
        )
        .await;
    assert_eq!(s, 200);

    // 13 minutes on: both are breaching soon, nothing is breached; the urgent case's warning
    // is due.
    now.advance(Duration::minutes(13));
    let (_, soon) = app
        .get(
            "/api/v1/cases?sla=breaching_soon&sla_within_minutes=30",
            &agent.token,
        )
        .await;
    let mut soon_ids = ids(&soon);
    soon_ids.sort_unstable();
    assert_eq!(soon_ids, vec![id, urgent_id]);
    let (_, late) = app.get("/api/v1/cases?sla=breached", &agent.token).await;
    assert!(ids(&late).is_empty(), "{late}");
    // The deadline queue: soonest first, a page at a time.
    let (s, first) = app
        .get("/api/v1/cases?sort=sla_due&limit=1", &agent.token)
        .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(ids(&first), vec![urgent_id]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (_, second) = app
        .get(
            &format!("/api/v1/cases?sort=sla_due&limit=1&cursor={cursor}"),
            &agent.token,
        )
        .await;
    assert_eq!(ids(&second), vec![id]);
    // Then every case without a running deadline (paused, stopped, none): none is hidden.
    let mut rest = Vec::new();
    let mut cursor = second["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let (_, page) = app
            .get(
                &format!("/api/v1/cases?sort=sla_due&limit=1&cursor={c}"),
                &agent.token,
            )
            .await;
        rest.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let (_, all) = app.get("/api/v1/cases?limit=200", &agent.token).await;
    let mut every = ids(&all);
    every.retain(|c| *c != id && *c != urgent_id);
    every.sort_unstable();
    assert_eq!(rest, every, "after the deadlines, the others in case order");
    assert!(rest.contains(&typed["id"].as_i64().unwrap()));
    assert_eq!(
        run_timers(&app).await,
        1,
        "the urgent case's warning (12 of 15 minutes)"
    );

    // 21 minutes after the customer's message: both overdue.
    now.advance(Duration::minutes(18));
    let (_, late) = app.get("/api/v1/cases?sla=breached", &agent.token).await;
    let mut late_ids = ids(&late);
    late_ids.sort_unstable();
    assert_eq!(
        late_ids,
        vec![id, urgent_id],
        "past due is breached before any timer ran"
    );
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    let next = clock(&case, "next_response");
    assert_eq!(next["state"], "breached");
    assert_eq!(next["left_seconds"], -60);
    // The next-response warning (24 min) and breach (30), the urgent breach: each once.
    assert_eq!(run_timers(&app).await, 3);
    assert_eq!(run_timers(&app).await, 0, "nothing fires twice");
    let (_, stream) = app
        .get(
            &format!("/api/v1/cases/{id}/stream?limit=100"),
            &agent.token,
        )
        .await;
    let notes: Vec<&str> = stream["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "system")
        .filter_map(|e| e["body"].as_str())
        .filter(|b| b.starts_with("SLA:"))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("next response target was breached")),
        "{notes:?}"
    );
    // The customer never sees SLA entries.
    let (_, public) = app
        .get(
            &format!("/api/v1/portal/cases/{id}/stream"),
            &customer.token,
        )
        .await;
    assert!(!public.to_string().contains("SLA"), "{public}");
    let (_, late) = app.get("/api/v1/cases?sla=breached", &agent.token).await;
    assert_eq!(ids(&late).len(), 2);

    // Resolving stops the clocks; the breach stays on record.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{id}/actions/resolve"),
            &agent.token,
            json!({ "resolution": "updated the client" }),
        )
        .await;
    assert_eq!(s, 200);
    let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
    assert_eq!(clock(&case, "resolution")["state"], "met");
    assert_eq!(clock(&case, "next_response")["state"], "breached");
    assert!(case["sla"]["due_at"].is_null());
}

#[tokio::test]
async fn clocks_follow_the_case_sqlite() {
    clocks_follow_the_case(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn clocks_follow_the_case_postgres() {
    clocks_follow_the_case(TestBackend::Postgres).await;
}

async fn policy_changes_recompute_open_cases(backend: TestBackend) {
    let (app, now) = app_with_clock(backend).await;
    let (admin, agent) = admin_and_agent(&app).await;
    let (_, contact) = org_with_contact(&app, &agent, "Acme").await;
    let (_, policy) = app
        .post(
            "/api/v1/sla-policies",
            &admin.token,
            json!({ "name": "Standard",
            "targets": { "normal": { "resolution_minutes": 600 } } }),
        )
        .await;
    run_timers(&app).await;
    let created_at = now.now();
    let mut cases = Vec::new();
    for n in 0..3 {
        let (_, case) = app
            .post("/api/v1/cases", &agent.token, json!({ "subject": format!("Case {n}"), "description": "x", "requester_id": contact }))
            .await;
        assert_eq!(
            time(&clock(&case, "resolution")["due_at"]),
            created_at + Duration::minutes(600)
        );
        cases.push(case["id"].as_i64().unwrap());
    }
    // Today is a holiday in a calendar that is otherwise round the clock: the clock starts
    // tomorrow at midnight (UTC).
    let today = created_at.date();
    let (s, calendar) = app
        .post("/api/v1/calendars", &admin.token, json!({ "name": "All days", "time_zone": "UTC",
            "week": [[{ "start": "00:00", "end": "24:00" }], [{ "start": "00:00", "end": "24:00" }], [{ "start": "00:00", "end": "24:00" }],
                     [{ "start": "00:00", "end": "24:00" }], [{ "start": "00:00", "end": "24:00" }], [{ "start": "00:00", "end": "24:00" }],
                     [{ "start": "00:00", "end": "24:00" }]],
            "holidays": [{ "from": today }] }))
        .await;
    assert_eq!(s, 201, "{calendar}");
    let (s, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/sla-policies/{}", policy["id"]),
            Some(&admin.token),
            Some(&json!({ "name": "Standard", "calendar_id": calendar["id"],
                          "targets": { "normal": { "resolution_minutes": 60 } } })),
        )
        .await;
    assert_eq!(s, 200);
    // The worker recomputes every open case.
    run_timers(&app).await;
    let tomorrow = (today + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap();
    for id in &cases {
        let (_, case) = app.get(&format!("/api/v1/cases/{id}"), &agent.token).await;
        assert_eq!(
            time(&clock(&case, "resolution")["due_at"]),
            tomorrow + Duration::minutes(60),
            "{case}"
        );
    }
    // Without policies, cases carry no clocks.
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/sla-policies/{}", policy["id"]),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    run_timers(&app).await;
    let (_, case) = app
        .get(&format!("/api/v1/cases/{}", cases[0]), &agent.token)
        .await;
    assert!(case["sla"].is_null(), "{case}");
    let _ = Utc::now();
}

#[tokio::test]
async fn policy_changes_recompute_open_cases_sqlite() {
    policy_changes_recompute_open_cases(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn policy_changes_recompute_open_cases_postgres() {
    policy_changes_recompute_open_cases(TestBackend::Postgres).await;
}

async fn timers_fire_once_across_workers(backend: TestBackend) {
    let (app, now) = app_with_clock(backend).await;
    let (admin, agent) = admin_and_agent(&app).await;
    let (_, contact) = org_with_contact(&app, &agent, "Acme").await;
    app.post(
        "/api/v1/sla-policies",
        &admin.token,
        json!({ "name": "Fast",
        "targets": { "normal": { "first_response_minutes": 10 } } }),
    )
    .await;
    run_timers(&app).await;
    for n in 0..20 {
        let (s, _) = app
            .post("/api/v1/cases", &agent.token, json!({ "subject": format!("Case {n}"), "description": "x", "requester_id": contact }))
            .await;
        assert_eq!(s, 201);
    }
    // The worker was down for an hour: on its return, four of them race for what was missed.
    now.advance(Duration::hours(1));
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let svc = app.services.clone();
            tokio::task::spawn_blocking(move || svc.run_due_jobs(3))
        })
        .collect();
    let mut total = 0;
    for r in racers {
        total += r.await.unwrap().unwrap();
    }
    assert_eq!(
        total, 40,
        "a warning and a breach for each of 20 cases, once each"
    );
    let svc = app.services.clone();
    let events: i64 = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use helpdesk_store::schema::events;
        svc.db.read(|c| {
            events::table
                .filter(events::event_type.eq_any(["sla.warning", "sla.breached"]))
                .count()
                .get_result::<i64>(c)
                .map_err(helpdesk_store::StoreError::from)
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(events, 40);
}

#[tokio::test]
async fn timers_fire_once_across_workers_sqlite() {
    timers_fire_once_across_workers(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn timers_fire_once_across_workers_postgres() {
    timers_fire_once_across_workers(TestBackend::Postgres).await;
}

/// A case whose timers cannot be fired (here the database refuses its events) is put back by
/// the queue rule — counted, the reason kept, tried again after a wait — while the other
/// cases' warnings and breaches go out as usual; once the cause is gone it fires too.
async fn a_case_whose_timers_fail_does_not_hold_up_the_others(backend: TestBackend) {
    let (app, now) = app_with_clock(backend).await;
    let (admin, agent) = admin_and_agent(&app).await;
    let (_, contact) = org_with_contact(&app, &agent, "Acme").await;
    app.post(
        "/api/v1/sla-policies",
        &admin.token,
        json!({ "name": "Fast", "targets": { "normal": { "first_response_minutes": 10 } } }),
    )
    .await;
    run_timers(&app).await;
    let mut cases = Vec::new();
    for n in 0..3 {
        let (s, case) = app
            .post("/api/v1/cases", &agent.token, json!({ "subject": format!("Case {n}"), "description": "x", "requester_id": contact }))
            .await;
        assert_eq!(s, 201, "{case}");
        cases.push(case["id"].as_i64().unwrap());
    }
    let broken = cases[0];
    app.sql(
        &format!(
            "CREATE FUNCTION refuse_sla() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER refuse_sla BEFORE INSERT ON events FOR EACH ROW
             WHEN (NEW.event_type LIKE 'sla.%' AND NEW.aggregate_id = {broken}) EXECUTE FUNCTION refuse_sla();"
        ),
        &format!(
            "CREATE TRIGGER refuse_sla BEFORE INSERT ON events
             WHEN NEW.event_type LIKE 'sla.%' AND NEW.aggregate_id = {broken}
             BEGIN SELECT RAISE(ABORT, 'refused'); END;"
        ),
    )
    .await;
    now.advance(Duration::hours(1));
    assert_eq!(
        run_timers(&app).await,
        4,
        "a warning and a breach for each of the two other cases"
    );
    let svc = app.services.clone();
    let jobs = tokio::task::spawn_blocking(move || {
        svc.db
            .read(|c| helpdesk_store::sla::pending_jobs(c, broken))
    })
    .await
    .unwrap()
    .unwrap();
    let tried: Vec<_> = jobs.iter().filter(|j| j.attempts > 0).collect();
    assert_eq!(
        tried.len(),
        2,
        "its warning and breach were tried: {jobs:?}"
    );
    assert!(
        tried.iter().all(|j| j.attempts == 1
            && j.last_error.as_deref().unwrap_or("").contains("refused")
            && j.run_at > now.now()),
        "{tried:?}"
    );
    assert_eq!(run_timers(&app).await, 0, "not tried again at once");

    app.sql(
        "DROP TRIGGER refuse_sla ON events; DROP FUNCTION refuse_sla();",
        "DROP TRIGGER refuse_sla;",
    )
    .await;
    now.advance(Duration::minutes(1));
    assert_eq!(run_timers(&app).await, 2, "fired once its wait is over");
    let svc = app.services.clone();
    let announced: Vec<String> = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use helpdesk_store::schema::events;
        svc.db.read(|c| {
            events::table
                .filter(events::aggregate_id.eq(broken))
                .filter(events::event_type.eq_any(["sla.warning", "sla.breached"]))
                .order(events::id.asc())
                .select(events::event_type)
                .load::<String>(c)
                .map_err(helpdesk_store::StoreError::from)
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(announced, ["sla.warning", "sla.breached"], "each once");
}

#[tokio::test]
async fn a_case_whose_timers_fail_does_not_hold_up_the_others_sqlite() {
    a_case_whose_timers_fail_does_not_hold_up_the_others(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn a_case_whose_timers_fail_does_not_hold_up_the_others_postgres() {
    a_case_whose_timers_fail_does_not_hold_up_the_others(TestBackend::Postgres).await;
}

async fn stale_cases_close_by_themselves(backend: TestBackend) {
    let clock = Arc::new(ManualClock::default());
    let handle = clock.clone();
    let app = TestApp::spawn_customized(backend, Default::default(), move |svc| {
        svc.clock = handle;
        svc.notify.mail_from = Some("Helpdesk <support@helpdesk.test>".into());
    })
    .await;
    let now = clock;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Acme").await;
    let new_case = |subject: &'static str| {
        let (app, token) = (&app, agent.token.clone());
        async move {
            let (s, case) = app
                .post(
                    "/api/v1/cases",
                    &token,
                    json!({ "subject": subject, "description": "help", "requester_id": contact }),
                )
                .await;
            assert_eq!(s, 201, "{case}");
            case["id"].as_i64().unwrap()
        }
    };
    let reply = |id: i64, body: &'static str| {
        let (app, token) = (&app, agent.token.clone());
        async move {
            let (s, _) = app
                .post(
                    &format!("/api/v1/cases/{id}/stream"),
                    &token,
                    json!({ "kind": "public", "body": body }),
                )
                .await;
            assert_eq!(s, 201);
        }
    };
    let close_stale = || {
        let svc = app.services.clone();
        async move {
            tokio::task::spawn_blocking(move || svc.auto_close())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let status = |id: i64| {
        let (app, token) = (&app, agent.token.clone());
        async move { app.get(&format!("/api/v1/cases/{id}"), &token).await.1["status"].clone() }
    };
    // Waiting on the customer: a quiet one, one the agent reminds, one only edited.
    let quiet = new_case("Quiet").await;
    reply(quiet, "Which version?").await;
    let reminded = new_case("Reminded").await;
    reply(reminded, "Which version?").await;
    let edited = new_case("Edited").await;
    reply(edited, "Which version?").await;
    // An explicit question waits the same way.
    let asked = new_case("Asked").await;
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{asked}/actions/request-info"),
            &agent.token,
            json!({ "note": "Which version?" }),
        )
        .await;
    assert_eq!(s, 200);
    let resolved = new_case("Resolved").await;
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{resolved}/actions/resolve"),
            &agent.token,
            json!({ "resolution": "restarted" }),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(close_stale().await, 0, "nothing is stale yet");

    now.advance(Duration::days(4));
    reply(reminded, "Any news?").await;
    let (s, _) = app
        .patch(
            &format!("/api/v1/cases/{edited}"),
            &agent.token,
            json!({ "priority": "high" }),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(close_stale().await, 1, "resolved 3 days ago");
    assert_eq!(status(resolved).await, "closed");
    assert_eq!(status(quiet).await, "awaiting_customer");

    now.advance(Duration::days(3) + Duration::hours(12));
    assert_eq!(
        close_stale().await,
        3,
        "quiet for 7 days; an edit is not a message"
    );
    assert_eq!(status(quiet).await, "closed");
    assert_eq!(
        status(asked).await,
        "closed",
        "information requested, never given"
    );
    assert_eq!(status(edited).await, "closed");
    assert_eq!(
        status(reminded).await,
        "awaiting_customer",
        "the reminder restarted its wait"
    );
    assert_eq!(close_stale().await, 0);

    // The requester sees why, in the portal and by mail.
    let (_, stream) = app
        .get(
            &format!("/api/v1/cases/{quiet}/stream?limit=100"),
            &agent.token,
        )
        .await;
    let last_public = stream["items"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["kind"] == "public")
        .unwrap()
        .clone();
    assert!(
        last_public["body"]
            .as_str()
            .unwrap()
            .contains("have not heard from you for 7 days"),
        "{last_public}"
    );
    let outbox = helpdesk_worker::OutboxConsumer::new(app.services.clone());
    tokio::task::spawn_blocking(move || {
        while outbox.run_next().unwrap() != helpdesk_worker::Outcome::Idle {}
    })
    .await
    .unwrap();
    let svc = app.services.clone();
    let mails: Vec<String> = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use helpdesk_store::schema::mail_outbox;
        svc.db.read(|c| {
            mail_outbox::table
                .filter(mail_outbox::case_id.eq(quiet))
                .filter(mail_outbox::recipient.eq("acme@example.test"))
                .select(mail_outbox::body)
                .load::<String>(c)
                .map_err(helpdesk_store::StoreError::from)
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        mails.iter().any(|m| m.contains("have not heard from you")),
        "{mails:?}"
    );
}

#[tokio::test]
async fn stale_cases_close_by_themselves_sqlite() {
    stale_cases_close_by_themselves(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn stale_cases_close_by_themselves_postgres() {
    stale_cases_close_by_themselves(TestBackend::Postgres).await;
}
