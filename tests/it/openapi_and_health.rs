//! The OpenAPI document and the health check.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use gatehouse::http::route_table;
use serde_json::Value;

backend_tests!(
    openapi_document_covers_every_route_and_error_shape,
    healthz_reports_database_and_rules_version,
);

async fn openapi_document_covers_every_route_and_error_shape(db: Db) {
    let app = TestApp::spawn(db).await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut served: Vec<(String, String)> = route_table()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    served.sort();
    assert_eq!(documented, served);
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert!(error.is_object(), "ErrorBody schema is published");
    let submit = &paths["/api/v1/articles/{article_id}/comments"]["post"]["responses"];
    for status in ["201", "400", "404", "413", "415", "422", "429"] {
        assert!(
            submit[status].is_object(),
            "POST comments documents {status}"
        );
    }
}

async fn healthz_reports_database_and_rules_version(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["rules_version"].as_str().unwrap().len(), 64);
}
