//! The console's other views in a browser: bans, the audit log, testing a comment against the
//! rules, and accounts.

use super::harness::Driver;
use super::sign_in;
use crate::helpers::{Db, TestApp, TEST_PASSWORD};
use gatehouse::auth::Role;
use serde_json::json;

#[actix_web::test]
async fn a_moderator_bans_an_author_sees_it_in_the_audit_log_and_lifts_it() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await;
    app.create_user("mia", Role::Moderator);
    let held = app
        .post_comment(
            "a1",
            json!({"author_name": "T", "author_email": "troll@example.org", "body": "Call 0123 456 7890 now"}),
        )
        .await;
    let held: serde_json::Value = held.json().await.unwrap();
    assert_eq!(held["status"], "pending");
    let browser = driver.session(1280, 900).await;
    sign_in(&browser, &app, "mia").await;
    browser.click(".queue-detail .ban-author").await;
    browser.wait_for_text(".view", "No bans in force").await;
    let proposed = browser
        .js("return [document.querySelector('.view select[name=kind]').value, document.querySelector('.view input[name=value]').value, document.activeElement.name]", vec![])
        .await;
    assert_eq!(proposed, json!(["author", "troll@example.org", "reason"]));

    browser
        .type_into(".view input[name=reason]", "abuse in three threads")
        .await;
    browser.click(".view .btn-danger").await;
    browser
        .wait_for_text(".grid tbody", "email:troll@example.org")
        .await;
    let banned = app
        .post_comment(
            "a1",
            json!({"author_name": "T", "author_email": "troll@example.org", "body": "Hello again"}),
        )
        .await;
    let banned: serde_json::Value = banned.json().await.unwrap();
    assert_eq!(banned["status"], "rejected");

    browser.click("#nav a[data-view=log]").await;
    browser
        .type_into(".view input[name=action]", "ban_created")
        .await;
    browser
        .click(".view .inline-form button[type=submit]")
        .await;
    // The unfiltered log already lists ban_created: wait for the filtered one (no login).
    browser
        .wait_until(
            "the log filtered to ban_created",
            "const t = document.querySelector('.grid tbody')?.textContent || ''; \
             return t.includes('ban_created') && !t.includes('login');",
            vec![],
        )
        .await;
    let log = browser.wait_for_text(".grid tbody", "ban_created").await;
    assert!(log.contains("abuse in three threads"), "{log}");
    assert!(!log.contains("login"), "the filter applies: {log}");

    browser.click("#nav a[data-view=bans]").await;
    browser.click(".grid tbody .btn").await;
    browser
        .wait_for_text(".grid tbody", "No bans in force")
        .await;
    let after = app
        .post_comment(
            "a1",
            json!({"author_name": "T", "author_email": "troll@example.org", "body": "Hello once more"}),
        )
        .await;
    let after: serde_json::Value = after.json().await.unwrap();
    assert_eq!(after["status"], "published");
    browser.close().await;
}

#[actix_web::test]
async fn an_admin_tests_a_comment_against_the_rules_and_adds_a_moderator() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await;
    app.create_user("ada", Role::Admin);
    let browser = driver.session(1280, 900).await;
    sign_in(&browser, &app, "ada").await;
    browser.click("#nav a[data-view=rules]").await;
    browser.wait_for_text(".diagnostics", "Valid").await;

    browser
        .type_into(".panel textarea[name=body]", "Easy money: work from home!")
        .await;
    browser.click(".panel button[type=submit]").await;
    let trace = browser.wait_for_text(".trace", "Decision").await;
    // One score rule of weight 3: below the hold threshold of 5.
    assert!(trace.contains("Decision: published"), "{trace}");
    assert!(trace.contains("score 3"), "{trace}");
    assert!(trace.contains("spam.easy_money"), "{trace}");
    let marked = browser
        .js(
            "return [...document.querySelectorAll('.trace mark')].map(m => m.textContent)",
            vec![],
        )
        .await;
    assert_eq!(marked, json!(["Easy money", "work from home"]));

    let published = app
        .post_comment(
            "a1",
            json!({"author_name": "Al", "body": "Plain and kind."}),
        )
        .await;
    assert_eq!(published.status().as_u16(), 201);
    browser
        .click("form[aria-labelledby=backtest-title] button[type=submit]")
        .await;
    let report = browser.wait_for_text(".backtest", "replayed").await;
    assert!(
        report.starts_with("1 comment replayed: 0 would change, 1 unchanged."),
        "{report}"
    );

    browser.click("#nav a[data-view=users]").await;
    browser
        .type_into(".view input[name=username]", "newmod")
        .await;
    browser
        .type_into(".view input[name=password]", TEST_PASSWORD)
        .await;
    browser.click(".view .inline-form .btn-primary").await;
    browser.wait_for_text(".grid tbody", "newmod").await;
    assert_eq!(
        app.login("newmod", TEST_PASSWORD).await.status().as_u16(),
        200
    );
    browser.close().await;
}
