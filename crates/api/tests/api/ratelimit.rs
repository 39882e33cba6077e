//! Personal API tokens are held to their requests a minute, and told where they stand.

use helpdesk_api::AppConfig;
use helpdesk_api_types::Role;
use helpdesk_test_support::{TestApp, TestBackend};
use serde_json::json;

async fn api_tokens_are_rate_limited(backend: TestBackend) {
    let app = TestApp::spawn_with(
        backend,
        AppConfig {
            api_token_rate_per_minute: 3,
            ..AppConfig::default()
        },
    )
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (s, token) = app
        .post(
            "/api/v1/me/api-tokens",
            &agent.token,
            json!({ "name": "sync", "scopes": ["read"] }),
        )
        .await;
    assert_eq!(s, 201, "{token}");
    let secret = token["token"].as_str().unwrap().to_owned();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let resp = app
            .client
            .get(app.url("/api/v1/cases"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let h = resp.headers();
        assert_eq!(h["ratelimit-limit"], "3");
        assert_eq!(h["ratelimit-policy"], "3;w=60");
        let reset: u64 = h["ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset));
        remaining.push(h["ratelimit-remaining"].to_str().unwrap().to_owned());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let resp = app
        .client
        .get(app.url("/api/v1/cases"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(resp.headers()["ratelimit-remaining"], "0");
    let problem: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    // Sessions in the app are not API tokens: not limited, no headers.
    for _ in 0..5 {
        let resp = app
            .client
            .get(app.url("/api/v1/cases"))
            .bearer_auth(&agent.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().get("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn api_tokens_are_rate_limited_sqlite() {
    api_tokens_are_rate_limited(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn api_tokens_are_rate_limited_postgres() {
    api_tokens_are_rate_limited(TestBackend::Postgres).await;
}
