//! Least privilege per route: every route the app serves is checked against anonymous,
//! malformed, expired and revoked tokens, a moderator and an admin. A route this test does not
//! know fails it.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use gatehouse::auth::Role;
use gatehouse::http::access::Access;
use gatehouse::http::route_table;
use reqwest::Method;

backend_tests!(every_route_enforces_its_access_level);

/// The access each route must have. Adding a route means deciding its level here.
const EXPECTED: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public),
    ("GET", "/api/v1/openapi.json", Access::Public),
    (
        "POST",
        "/api/v1/articles/{article_id}/comments",
        Access::Public,
    ),
    (
        "GET",
        "/api/v1/articles/{article_id}/comments",
        Access::Public,
    ),
    ("POST", "/api/v1/comments/{id}/flags", Access::Public),
    ("POST", "/api/v1/auth/login", Access::Public),
    ("POST", "/api/v1/auth/logout", Access::Moderator),
    ("GET", "/api/v1/moderation/queue", Access::Moderator),
    (
        "POST",
        "/api/v1/moderation/comments/{id}/approve",
        Access::Moderator,
    ),
    (
        "POST",
        "/api/v1/moderation/comments/{id}/reject",
        Access::Moderator,
    ),
    ("POST", "/api/v1/moderation/bulk", Access::Moderator),
    ("GET", "/api/v1/moderation/log", Access::Moderator),
    ("GET", "/api/v1/moderation/rules", Access::Moderator),
    ("GET", "/api/v1/moderation/bans", Access::Moderator),
    ("POST", "/api/v1/moderation/bans", Access::Moderator),
    ("DELETE", "/api/v1/moderation/bans/{id}", Access::Moderator),
    ("GET", "/api/v1/admin/users", Access::Admin),
    ("POST", "/api/v1/admin/users", Access::Admin),
    ("PATCH", "/api/v1/admin/users/{username}", Access::Admin),
    ("GET", "/api/v1/admin/rules", Access::Admin),
    ("PUT", "/api/v1/admin/rules", Access::Admin),
    ("POST", "/api/v1/admin/rules/test", Access::Admin),
    ("POST", "/api/v1/admin/rules/backtest", Access::Admin),
    ("POST", "/api/v1/admin/rules/check", Access::Admin),
];

fn concrete(path: &str) -> String {
    path.replace("{article_id}", "article-1")
        .replace("{id}", "01890000-0000-7000-8000-000000000000")
        .replace("{username}", "nobody")
}

async fn status(app: &TestApp, method: &Method, path: &str, token: Option<&str>) -> u16 {
    let mut request = app.client.request(method.clone(), app.url(&concrete(path)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if *method != Method::GET && *method != Method::DELETE {
        request = request
            .header("content-type", "application/json")
            .body("{}");
    }
    request.send().await.unwrap().status().as_u16()
}

async fn every_route_enforces_its_access_level(db: Db) {
    let app = TestApp::spawn(db).await;
    let served: Vec<(String, String, Access)> = route_table()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string(), r.access))
        .collect();
    for (method, path, access) in &served {
        let known = EXPECTED.iter().find(|(m, p, _)| m == method && p == path);
        let Some((_, _, expected)) = known else {
            panic!("route {method} {path} is not in this test: decide its access level here");
        };
        assert_eq!(access, expected, "{method} {path} declares {access:?}");
    }
    assert_eq!(
        served.len(),
        EXPECTED.len(),
        "a route in this test is no longer served"
    );

    let moderator = app.token_for("mod.one", Role::Moderator).await;
    let admin = app.token_for("admin.one", Role::Admin).await;
    let expired = app.token_for("mod.expired", Role::Moderator).await;
    app.sql("UPDATE sessions SET expires_at = '2001-01-01 00:00:00' WHERE user_id = (SELECT id FROM users WHERE username = 'mod.expired')");
    let idle = app.token_for("mod.idle", Role::Moderator).await;
    app.sql("UPDATE sessions SET last_used_at = '2001-01-01 00:00:00', expires_at = '2999-01-01 00:00:00' WHERE user_id = (SELECT id FROM users WHERE username = 'mod.idle')");
    let revoked = app.token_for("mod.revoked", Role::Moderator).await;
    let logout = app
        .authed(Method::POST, "/api/v1/auth/logout", &revoked)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status().as_u16(), 204);
    let disabled = app.token_for("mod.disabled", Role::Moderator).await;
    gatehouse::auth::accounts::update(
        &app.pool(),
        "mod.disabled",
        None,
        Some(true),
        "test",
        gatehouse::clock::now(),
    )
    .unwrap();

    // Logging out consumes the token; use a fresh moderator session for each logout check.
    for (method, path, access) in &served {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let is_logout = path.ends_with("/logout");
        let denied_anonymous = [401u16];
        for (label, token) in [
            ("anonymous", None),
            ("malformed", Some("not-a-token")),
            (
                "unknown",
                Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ),
            ("expired", Some(expired.as_str())),
            ("idle", Some(idle.as_str())),
            ("revoked", Some(revoked.as_str())),
            ("disabled", Some(disabled.as_str())),
        ] {
            let got = status(&app, &method, path, token).await;
            match access {
                Access::Public => assert!(
                    got != 401 && got != 403,
                    "{label} on public {method} {path}: {got}"
                ),
                _ => assert!(
                    denied_anonymous.contains(&got),
                    "{label} on {method} {path}: {got}"
                ),
            }
        }
        let moderator_token = if is_logout {
            app.token_for(
                &format!("mod.logout.{}", uuid::Uuid::now_v7().simple()),
                Role::Moderator,
            )
            .await
        } else {
            moderator.clone()
        };
        let got = status(&app, &method, path, Some(&moderator_token)).await;
        match access {
            Access::Admin => assert_eq!(got, 403, "moderator on admin {method} {path}"),
            _ => assert!(
                got != 401 && got != 403,
                "moderator on {method} {path}: {got}"
            ),
        }
        let admin_token = if is_logout {
            app.token_for(
                &format!("admin.logout.{}", uuid::Uuid::now_v7().simple()),
                Role::Admin,
            )
            .await
        } else {
            admin.clone()
        };
        let got = status(&app, &method, path, Some(&admin_token)).await;
        assert!(got != 401 && got != 403, "admin on {method} {path}: {got}");
    }
}
