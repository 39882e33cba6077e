use helpdesk_api_types::Role;
use helpdesk_test_support::api_test;
use serde_json::json;

api_test!(async fn login_returns_tokens_and_me_describes_the_user(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, me) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(s, 200);
    assert_eq!(me["email"], agent.email);
    assert_eq!(me["role"], "agent");
    assert_eq!(me["support_line"], 1);
});

api_test!(async fn wrong_password_and_unknown_account_look_the_same(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s1, b1) = app.login(&agent.email, "wrong password!").await;
    let (s2, b2) = app.login("nobody@example.test", "wrong password!").await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (401, 401));
    assert_eq!(b1["detail"], b2["detail"]);
    assert_eq!(b1["type"], "/problems/unauthorized");
});

api_test!(async fn refresh_rotates_and_reuse_revokes_the_session(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, pair) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&json!({ "refresh_token": agent.refresh_token }))).await;
    assert_eq!(s, 200, "{pair}");
    let second = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, agent.refresh_token);
    // The first token is presented again: someone copied it. The whole family dies.
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&json!({ "refresh_token": agent.refresh_token }))).await;
    assert_eq!(s, 401);
    let (s, body) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&json!({ "refresh_token": second }))).await;
    assert_eq!(s, 401, "the descendant token is revoked too: {body}");
});

api_test!(async fn logout_revokes_the_refresh_token(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let body = json!({ "refresh_token": agent.refresh_token });
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/logout", None, Some(&body)).await;
    assert_eq!(s, 204);
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&body)).await;
    assert_eq!(s, 401);
});

api_test!(async fn repeated_failures_throttle_the_account(app) {
    let agent = app.user(Role::Agent, None, None).await;
    for _ in 0..5 {
        let (s, _) = app.login(&agent.email, "not the password").await;
        assert_eq!(s, 401);
    }
    let resp = app.client.post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": agent.email, "password": agent.password }))
        .send().await.unwrap();
    assert_eq!(resp.status(), 429, "even the right password waits");
    assert!(resp.headers().get("retry-after").is_some());
});

api_test!(async fn tampered_and_missing_tokens_are_refused(app) {
    let agent = app.user(Role::Agent, None, None).await;
    let (s, body) = app.call(reqwest::Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(s, 401);
    assert_eq!(body["type"], "/problems/unauthorized");
    let mut forged = agent.token.clone();
    forged.pop();
    forged.push(if agent.token.ends_with('A') { 'B' } else { 'A' });
    let (s, _) = app.get("/api/v1/me", &forged).await;
    assert_eq!(s, 401);
    // An unsigned token claiming to be an admin.
    let none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
    let (s, _) = app.get("/api/v1/me", none_alg).await;
    assert_eq!(s, 401);
});

api_test!(async fn api_tokens_carry_scopes_and_can_be_revoked(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, created) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "CRM sync", "scopes": ["read"] })).await;
    assert_eq!(s, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("hd_"));
    let (s, _) = app.get("/api/v1/cases", &token).await;
    assert_eq!(s, 200, "read scope reads");
    let (s, body) = app.post("/api/v1/cases", &token, json!({ "subject": "from a script" })).await;
    assert_eq!(s, 403, "read scope cannot write: {body}");
    let (s, body) = app.post("/api/v1/me/api-tokens", &agent.token, json!({ "name": "too much", "scopes": ["admin"] })).await;
    assert_eq!(s, 422, "agents cannot mint admin tokens: {body}");
    let (s, list) = app.get("/api/v1/me/api-tokens", &agent.token).await;
    assert_eq!(s, 200);
    assert!(list.as_array().unwrap().iter().all(|t| t.get("token").is_none()), "secrets are never listed");
    let id = created["id"].as_i64().unwrap();
    let (s, _) = app.call(reqwest::Method::DELETE, &format!("/api/v1/me/api-tokens/{id}"), Some(&agent.token), None).await;
    assert_eq!(s, 204);
    let (s, _) = app.get("/api/v1/cases", &token).await;
    assert_eq!(s, 401);
});

api_test!(async fn disabling_a_user_ends_their_sessions(app) {
    let admin = app.user(Role::Admin, None, None).await;
    let agent = app.user(Role::Agent, None, None).await;
    let (s, _) = app.patch(&format!("/api/v1/users/{}", agent.id), &admin.token, json!({ "active": false })).await;
    assert_eq!(s, 200);
    let (s, _) = app.call(reqwest::Method::POST, "/api/v1/auth/refresh", None, Some(&json!({ "refresh_token": agent.refresh_token }))).await;
    assert_eq!(s, 401);
    let (s, _) = app.login(&agent.email, &agent.password).await;
    assert_eq!(s, 401);
});

api_test!(async fn users_change_their_own_name_and_language(app) {
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, me) = app.patch("/api/v1/me", &agent.token, json!({ "language": "ru", "name": "Ирина Петрова" })).await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["language"], "ru");
    assert_eq!(me["name"], "Ирина Петрова");
    let (_, again) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(again["language"], "ru", "remembered");
    let (s, problem) = app.patch("/api/v1/me", &agent.token, json!({ "language": "xx" })).await;
    assert_eq!(s, 422);
    assert!(problem["errors"]["language"].is_array(), "{problem}");
    let (s, _) = app.patch("/api/v1/me", &agent.token, json!({ "role": "admin" })).await;
    assert_eq!(s, 422, "nobody promotes themselves: unknown fields are refused");
    let (_, again) = app.get("/api/v1/me", &agent.token).await;
    assert_eq!(again["role"], "agent");
});
