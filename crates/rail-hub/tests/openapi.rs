//! The served OpenAPI document describes routes that exist: every documented
//! operation answers (401 without a token), none is a 404 or 405.

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
            .replace("{station}", "grill");
        for method in operations.as_object().expect("operations").keys() {
            let method: reqwest::Method = method.to_uppercase().parse().expect("method");
            let response = client
                .request(method.clone(), format!("{}{concrete}", hub.http))
                .send()
                .await
                .expect("send");
            assert_eq!(
                response.status(),
                401,
                "{method} {path} must exist and require a token"
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked} operations");
}
