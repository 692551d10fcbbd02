//! The OpenAPI document and the health check.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use gatehouse::http::access::Access;
use gatehouse::http::error_code::ErrorCode;
use gatehouse::http::route_table;
use serde_json::Value;
use utoipa::OpenApi;

backend_tests!(
    openapi_document_covers_every_route_and_error_shape,
    openapi_document_marks_exactly_the_protected_routes,
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

async fn openapi_document(app: &TestApp) -> Value {
    app.client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn openapi_document_marks_exactly_the_protected_routes(db: Db) {
    let app = TestApp::spawn(db).await;
    let doc = openapi_document(&app).await;
    for route in route_table() {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let (method, path) = (&route.method, route.path);
        assert_eq!(
            secured,
            route.access != Access::Public,
            "{method} {path}: security in the document"
        );
        if route.access != Access::Public {
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} documents 401"
            );
        }
        // /metrics refuses what is not the loopback with its own 403 (no session involved), and
        // a reader's edit or delete one without the comment's edit token.
        let own_403 = route.path == "/metrics" || route.path == "/api/v1/comments/{id}";
        assert_eq!(
            op["responses"]["403"].is_object(),
            route.access == Access::Admin || own_403,
            "{method} {path}: 403 only where the admin role is needed"
        );
    }
}

/// The codes in the README's error table (the second column of rows that start with a status).
fn readme_error_codes() -> Vec<String> {
    let readme = std::fs::read_to_string(crate::helpers::repo_path("README.md")).unwrap();
    let mut codes: Vec<String> = readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let is_row = cells.len() > 3 && cells[1].len() == 3 && cells[1].parse::<u16>().is_ok();
            is_row.then(|| cells[2].to_string())
        })
        .flat_map(|cell| {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    codes.sort();
    codes
}

#[test]
fn readme_and_openapi_list_exactly_the_error_codes() {
    let mut codes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    codes.sort();
    assert_eq!(readme_error_codes(), codes, "README's error table");
    let doc = serde_json::to_value(gatehouse::http::openapi::ApiDoc::openapi()).unwrap();
    let mut documented: Vec<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode schema with an enum")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    documented.sort();
    assert_eq!(documented, codes, "OpenAPI's ErrorCode");
}
