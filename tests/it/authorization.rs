//! Least privilege per route: every route of the route table (where each route declares its
//! access once) fits the access policy by path, and is checked against anonymous, malformed,
//! expired and revoked tokens, a moderator and an admin.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use gatehouse::auth::Role;
use gatehouse::http::access::Access;
use gatehouse::http::route_table;
use reqwest::Method;

backend_tests!(every_route_enforces_its_access_level);

/// The site's access policy by path, checked against what each route declares: anything under
/// `/api/v1/admin/` is for admins, anything under `/api/v1/moderation/` at least for moderators,
/// and the public routes are exactly the reader-facing ones. A new route must fit it.
fn least_access_for(method: &str, path: &str) -> Access {
    if path.starts_with("/api/v1/admin/") {
        Access::Admin
    } else if path.starts_with("/api/v1/moderation/") || path == "/api/v1/auth/logout" {
        Access::Moderator
    } else {
        let public = [
            ("GET", "/healthz"),
            ("GET", "/readyz"),
            // Guarded by its own rule (loopback, its own listener, or a token), not a session.
            ("GET", "/metrics"),
            ("GET", "/api/v1/openapi.json"),
            ("POST", "/api/v1/articles/{article_id}/comments"),
            ("GET", "/api/v1/articles/{article_id}/comments"),
            ("GET", "/api/v1/articles/counts"),
            ("GET", "/api/v1/articles/resolve"),
            ("GET", "/api/v1/articles/{article_id}"),
            ("POST", "/api/v1/comments/{id}/flags"),
            // Authorized by the comment's edit token, not a session.
            ("PATCH", "/api/v1/comments/{id}"),
            ("DELETE", "/api/v1/comments/{id}"),
            ("POST", "/api/v1/auth/login"),
        ];
        assert!(
            public.contains(&(method, path)),
            "{method} {path} is public by its path but not a known reader-facing route: decide its access"
        );
        Access::Public
    }
}

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
        let least = least_access_for(method, path);
        assert_eq!(*access, least, "{method} {path} declares {access:?}");
    }

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
        gatehouse::timestamps::now(),
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
