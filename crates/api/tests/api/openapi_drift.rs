//! The committed OpenAPI document must be what the code generates.

use std::path::Path;

#[test]
fn committed_openapi_matches_the_code() {
    let generated = helpdesk_api::openapi::openapi()
        .to_pretty_json()
        .expect("serialise");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date with the code; regenerate it with `just openapi` and commit it"
    );
}

#[test]
fn every_operation_documents_its_errors() {
    let doc = serde_json::to_value(helpdesk_api::openapi::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for code in ["400", "422", "500"] {
                assert!(responses.contains_key(code), "{method} {path} lacks {code}");
                assert!(responses[code]["content"]["application/problem+json"].is_object());
            }
            assert!(
                op["summary"].is_string()
                    || op["description"].is_string()
                    || !op["operationId"].is_null()
            );
        }
    }
}
