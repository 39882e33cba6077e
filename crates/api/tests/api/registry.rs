//! Registry lookup by INN against a wiremock server that replays the provider's documented
//! answer shape ("find party by id").

use std::time::Duration;

use helpdesk_api_types::Role;
use helpdesk_service::registry::RegistrySettings;
use helpdesk_test_support::{TestApp, TestBackend};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) const SBER: &str = "7707083893";

pub(crate) fn sber_answer() -> serde_json::Value {
    json!({ "suggestions": [{
        "value": "ПАО СБЕРБАНК",
        "unrestricted_value": "ПАО СБЕРБАНК",
        "data": {
            "kpp": "773601001",
            "inn": SBER,
            "ogrn": "1027700132195",
            "type": "LEGAL",
            "name": {
                "full_with_opf": "ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО \"СБЕРБАНК РОССИИ\"",
                "short_with_opf": "ПАО СБЕРБАНК",
                "full": "СБЕРБАНК РОССИИ",
                "short": "СБЕРБАНК"
            },
            "state": { "status": "ACTIVE", "actuality_date": 1564012800000_i64 },
            "address": {
                "value": "г Москва, ул Вавилова, д 19",
                "unrestricted_value": "117312, г Москва, Академический р-н, ул Вавилова, д 19"
            }
        }
    }]})
}

async fn app_with(backend: TestBackend, url: Option<String>) -> TestApp {
    TestApp::spawn_customized(backend, Default::default(), move |svc| {
        svc.registry = url.map(|url| RegistrySettings {
            url,
            token: "test-key".into(),
            timeout: Duration::from_millis(800),
        });
    })
    .await
}

async fn registry_lookup(backend: TestBackend) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/suggestions/api/4_1/rs/findById/party"))
        .and(header("Authorization", "Token test-key"))
        .and(body_partial_json(json!({ "query": SBER })))
        .respond_with(ResponseTemplate::new(200).set_body_json(sber_answer()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "query": "7736207543" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "suggestions": [] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "query": "500100732259" })))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({ "query": "7728168971" })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(sber_answer())
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let app = app_with(
        backend,
        Some(format!("{}/suggestions/api/4_1/rs", server.uri())),
    )
    .await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = crate::org_with_contact(&app, &agent, "Customer").await;
    let portal = app.user(Role::Portal, None, Some(contact)).await;

    let (s, party) = app
        .get(
            &format!("/api/v1/registry/organizations/{SBER}"),
            &agent.token,
        )
        .await;
    assert_eq!(s, 200, "{party}");
    assert_eq!(party["kpp"], "773601001");
    assert_eq!(party["ogrn"], "1027700132195");
    assert_eq!(party["short_name"], "ПАО СБЕРБАНК");
    assert_eq!(
        party["name"],
        "ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО \"СБЕРБАНК РОССИИ\""
    );
    assert!(party["legal_address"]
        .as_str()
        .unwrap()
        .contains("ул Вавилова"));
    assert_eq!(party["status"], "ACTIVE");
    // The second time comes from the cache: the provider was asked once (`expect(1)`).
    let (s, again) = app
        .get(
            &format!("/api/v1/registry/organizations/{SBER}"),
            &agent.token,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(again["kpp"], party["kpp"]);

    // A bad check digit never reaches the provider.
    let (s, p) = app
        .get("/api/v1/registry/organizations/7707083894", &agent.token)
        .await;
    assert_eq!(s, 422);
    assert!(p["errors"]["inn"].is_array(), "{p}");
    // Unknown to the registry; the provider failing; the provider too slow.
    let (s, _) = app
        .get("/api/v1/registry/organizations/7736207543", &agent.token)
        .await;
    assert_eq!(s, 404);
    let (s, p) = app
        .get("/api/v1/registry/organizations/500100732259", &agent.token)
        .await;
    assert_eq!(s, 502, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("500"));
    let (s, p) = app
        .get("/api/v1/registry/organizations/7728168971", &agent.token)
        .await;
    assert_eq!(s, 502, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("did not answer"),
        "{p}"
    );
    // Customers do not look companies up.
    let (s, _) = app
        .get(
            &format!("/api/v1/registry/organizations/{SBER}"),
            &portal.token,
        )
        .await;
    assert_eq!(s, 403);
    drop(app);
    server.verify().await;

    // Without a provider: a clear 503.
    let bare = app_with(backend, None).await;
    let agent = bare.user(Role::Agent, Some(1), None).await;
    let (s, p) = bare
        .get(
            &format!("/api/v1/registry/organizations/{SBER}"),
            &agent.token,
        )
        .await;
    assert_eq!(s, 503, "{p}");
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("HELPDESK_REGISTRY_URL"));
}

#[tokio::test]
async fn registry_lookup_sqlite() {
    registry_lookup(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn registry_lookup_postgres() {
    registry_lookup(TestBackend::Postgres).await;
}
