//! Signing in and out, the login throttle, and admins managing accounts over the API.

use crate::backend_tests;
use crate::helpers::{Db, TestApp, TEST_PASSWORD};
use gatehouse::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

backend_tests!(
    login_returns_a_token_with_expiry_and_role,
    unknown_user_and_wrong_password_get_identical_answers,
    logout_ends_the_session,
    repeated_failures_are_throttled_with_retry_after,
    admin_creates_lists_and_disables_accounts,
    login_and_account_changes_are_audited,
    the_last_active_admin_cannot_be_disabled_or_demoted,
);

async fn login_returns_a_token_with_expiry_and_role(db: Db) {
    let app = TestApp::spawn(db).await;
    app.create_user("Editor.Jane", Role::Admin);
    // Usernames are case-insensitive.
    let response = app.login("editor.jane", TEST_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["role"], "admin");
    assert_eq!(body["token"].as_str().unwrap().len(), 43);
    assert!(gatehouse::timestamps::parse_rfc3339(body["expires_at"].as_str().unwrap()).is_some());
    let token = body["token"].as_str().unwrap();
    let queue = app
        .authed(Method::GET, "/api/v1/moderation/queue", token)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status().as_u16(), 200);
    // Only the token's SHA-256 is stored.
    use diesel::{QueryDsl, RunQueryDsl};
    use gatehouse::storage::schema::sessions;
    let mut conn = gatehouse::storage::DatabaseUrl::parse(&app.database_url)
        .unwrap()
        .establish()
        .unwrap();
    let stored: Vec<String> = sessions::table
        .select(sessions::token_hash)
        .load(&mut conn)
        .unwrap();
    assert_eq!(stored, [gatehouse::auth::token::hash(token)]);
    assert!(!stored.iter().any(|h| h.contains(token)));
}

async fn unknown_user_and_wrong_password_get_identical_answers(db: Db) {
    let app = TestApp::spawn(db).await;
    app.create_user("jane", Role::Moderator);
    let wrong = app.login("jane", "not the right password").await;
    let unknown = app.login("nobody-here", "not the right password").await;
    let disabled_name = "sam";
    app.create_user(disabled_name, Role::Moderator);
    gatehouse::auth::accounts::update(
        &app.pool(),
        disabled_name,
        None,
        Some(true),
        "test",
        gatehouse::timestamps::now(),
    )
    .unwrap();
    let disabled = app.login(disabled_name, TEST_PASSWORD).await;
    let mut answers = Vec::new();
    for response in [wrong, unknown, disabled] {
        answers.push((response.status().as_u16(), response.text().await.unwrap()));
    }
    assert_eq!(answers[0].0, 401);
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
}

async fn logout_ends_the_session(db: Db) {
    let app = TestApp::spawn(db).await;
    let token = app.token_for("jane", Role::Moderator).await;
    let out = app
        .authed(Method::POST, "/api/v1/auth/logout", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 204);
    let after = app
        .authed(Method::GET, "/api/v1/moderation/queue", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 401);
    assert_eq!(after.headers()["www-authenticate"], "Bearer");
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

async fn repeated_failures_are_throttled_with_retry_after(db: Db) {
    let app = TestApp::spawn(db).await;
    app.create_user("jane", Role::Moderator);
    for _ in 0..6 {
        assert_eq!(
            app.login("jane", "wrong password!!")
                .await
                .status()
                .as_u16(),
            401
        );
    }
    let throttled = app.login("jane", TEST_PASSWORD).await;
    assert_eq!(
        throttled.status().as_u16(),
        429,
        "even the right password waits out the delay"
    );
    let retry: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another account is not affected.
    app.create_user("omar", Role::Moderator);
    assert_eq!(
        app.login("omar", TEST_PASSWORD).await.status().as_u16(),
        200
    );
}

async fn admin_creates_lists_and_disables_accounts(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token_for("chief", Role::Admin).await;
    let create = |body: Value| {
        app.authed(Method::POST, "/api/v1/admin/users", &admin)
            .json(&body)
            .send()
    };
    let created = create(
        json!({"username": "New.Mod", "password": "a long enough password", "role": "moderator"}),
    )
    .await
    .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["username"], "new.mod");
    assert!(created.get("password_hash").is_none());

    let duplicate = create(
        json!({"username": "new.mod", "password": "a long enough password", "role": "moderator"}),
    )
    .await
    .unwrap();
    assert_eq!(duplicate.status().as_u16(), 409);
    let short = create(json!({"username": "shorty", "password": "too short", "role": "moderator"}))
        .await
        .unwrap();
    assert_eq!(short.status().as_u16(), 400);
    let short: Value = short.json().await.unwrap();
    assert_eq!(short["error"]["field"], "password");
    let long_password = "p".repeat(128);
    let long =
        create(json!({"username": "longpass", "password": long_password, "role": "moderator"}))
            .await
            .unwrap();
    assert_eq!(long.status().as_u16(), 201);
    assert_eq!(
        app.login("longpass", &"p".repeat(128))
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.login("longpass", &"p".repeat(127))
            .await
            .status()
            .as_u16(),
        401
    );

    let list: Value = app.get_json(&admin, "/api/v1/admin/users").await;
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["chief", "longpass", "new.mod"]);

    let login: Value = app
        .login("new.mod", "a long enough password")
        .await
        .json()
        .await
        .unwrap();
    let mod_token = login["token"].as_str().unwrap().to_string();
    let disabled = app
        .authed(Method::PATCH, "/api/v1/admin/users/new.mod", &admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status().as_u16(), 200);
    let after = app
        .authed(Method::GET, "/api/v1/moderation/queue", &mod_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status().as_u16(),
        401,
        "disabling revokes live sessions"
    );
    let missing = app
        .authed(Method::PATCH, "/api/v1/admin/users/ghost", &admin)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

async fn login_and_account_changes_are_audited(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token_for("chief", Role::Admin).await;
    app.login("chief", "definitely wrong").await;
    app.authed(Method::POST, "/api/v1/admin/users", &admin)
        .json(&json!({"username": "helper", "password": "a long enough password", "role": "moderator"}))
        .send()
        .await
        .unwrap();
    app.authed(Method::PATCH, "/api/v1/admin/users/helper", &admin)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    let log: Value = app.get_json(&admin, "/api/v1/moderation/log").await;
    let actions: Vec<(&str, &str)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("chief", "user_role_changed"),
            ("chief", "user_created"),
            ("chief", "login_failed"),
            ("chief", "login"),
            ("test", "user_created"),
        ],
        "newest first"
    );
    let role_change = &log["entries"][0];
    assert_eq!(role_change["before"]["role"], "moderator");
    assert_eq!(role_change["after"]["role"], "admin");
}

async fn the_last_active_admin_cannot_be_disabled_or_demoted(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token_for("chief", Role::Admin).await;
    let patch = |who: &'static str, body: Value| {
        app.authed(Method::PATCH, &format!("/api/v1/admin/users/{who}"), &admin)
            .json(&body)
            .send()
    };
    for change in [
        json!({"disabled": true}),
        json!({"role": "moderator"}),
        json!({"role": "moderator", "disabled": true}),
    ] {
        let refused = patch("chief", change.clone()).await.unwrap();
        assert_eq!(refused.status().as_u16(), 409, "{change}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "last_admin", "{change}");
    }
    // A disabled admin does not count as the other admin.
    app.create_user("dormant", Role::Admin);
    assert_eq!(
        patch("dormant", json!({"disabled": true}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        patch("chief", json!({"role": "moderator"}))
            .await
            .unwrap()
            .status()
            .as_u16(),
        409
    );
    // With a second active admin, the first may step down (and then loses admin routes).
    app.create_user("deputy", Role::Admin);
    let stepped_down = patch("chief", json!({"role": "moderator"})).await.unwrap();
    assert_eq!(stepped_down.status().as_u16(), 200);
    let users: Value = app
        .get_json(
            &app.token_for_existing("deputy").await,
            "/api/v1/admin/users",
        )
        .await;
    let active_admins = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "admin" && u["disabled"] == false)
        .count();
    assert_eq!(active_admins, 1);
}
