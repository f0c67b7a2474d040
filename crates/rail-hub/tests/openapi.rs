//! The served OpenAPI document describes routes that exist: every documented
//! operation answers (401 without a token, unless the document says it needs none),
//! none is a 404 or 405.

mod common;

use common::start;
use rail_hub::HubConfig;

#[tokio::test]
async fn every_documented_operation_is_routed_and_guarded() {
    let hub = start(HubConfig::default()).await;
    let client = reqwest::Client::new();
    let document: serde_json::Value = client
        .get(format!("{}/api/openapi.json", hub.http))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(document, rail_hub::openapi::document(), "served as built");
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 13, "{} paths", paths.len());
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = path
            .replace("{id}", "o1")
            .replace("{item}", "i1")
            .replace("{station}", "grill")
            .replace("{code}", "zzzzzzzzzz");
        for (method, operation) in operations.as_object().expect("operations") {
            let public = operation["security"] == serde_json::json!([]);
            let method: reqwest::Method = method.to_uppercase().parse().expect("method");
            let response = client
                .request(method.clone(), format!("{}{concrete}", hub.http))
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            let problem: serde_json::Value = response.json().await.unwrap_or_default();
            if public {
                // Pairing, the token exchange, signing in and guest links need no token;
                // the route exists and answers (a guest link it does not know is its
                // own 404, not the router's).
                let unrouted = status == 405 || (status == 404 && problem["code"] == "NOT_FOUND");
                assert!(
                    !unrouted && status < 500,
                    "{method} {path} must exist (got {status} {problem})"
                );
            } else {
                assert_eq!(
                    status, 401,
                    "{method} {path} must exist and require a token"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked} operations");
}
