//! The console's queue in a browser: finding and deciding with the keyboard, two moderators at
//! once, new comments arriving, and a session that ends mid-work.

use super::harness::{Browser, Driver};
use super::{post_through_widget, sign_in, HELD_BODY};
use crate::helpers::{Db, TestApp};
use gatehouse::auth::Role;
use serde_json::json;

const ENTER: &str = "\u{E007}";
const ARTICLE: &str = "demo-csto-karabakh";

/// Posts a comment the shipped rules hold (each author's text differs, so none is a repeat).
async fn post_held_on(app: &TestApp, article: &str, author: &str) -> String {
    let body = format!("{HELD_BODY} Regards, {author}.");
    let response = app
        .post_comment(article, json!({"author_name": author, "body": body}))
        .await;
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "pending", "{answer}");
    answer["id"].as_str().unwrap().to_string()
}

/// Moves focus to the queue, as Tab would, without clicking a row.
async fn focus_queue(browser: &Browser) {
    browser
        .js("document.querySelector('.queue-list').focus()", vec![])
        .await;
}

async fn post_held(app: &TestApp, author: &str) -> String {
    post_held_on(app, ARTICLE, author).await
}

#[actix_web::test]
async fn a_moderator_finds_a_held_comment_approves_it_with_the_keyboard_and_readers_see_it() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    app.create_user("mia", Role::Moderator);
    post_held_on(&app, "budget-2026", "Someone Else").await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;
    post_through_widget(&browser, "Dev Blogger", HELD_BODY).await;
    browser
        .wait_for_text(".gh-result", "awaiting moderation")
        .await;

    sign_in(&browser, &app, "mia").await;
    browser.wait_for_text(".queue-summary", "2 pending").await;
    browser.press("/").await;
    browser.press(ARTICLE).await;
    browser.press(ENTER).await;
    browser.wait_for_text(".queue-summary", "1 pending").await;
    let detail = browser
        .wait_for_text(".queue-detail", "spam.self_promotion")
        .await;
    assert!(detail.contains("hold 5"), "thresholds shown: {detail}");
    let marked = browser
        .js("return [...document.querySelectorAll('.queue-detail .comment-body mark')].map(m => [m.textContent, m.dataset.rule])", vec![])
        .await;
    assert_eq!(
        marked,
        json!([["check out my channel", "spam.self_promotion"]])
    );

    focus_queue(&browser).await;
    browser.press("a").await;
    browser
        .wait_for_text(".announcer", "Approved: Dev Blogger")
        .await;
    browser
        .wait_for_text(".queue-summary", "Nothing pending")
        .await;

    browser.goto(&app.url("/demo")).await;
    let listed = browser.wait_for_text(".gh-list", "Dev Blogger").await;
    assert!(listed.contains("check out my channel"), "{listed}");
    assert!(!listed.contains("Someone Else"), "{listed}");
    browser.close().await;
}

#[actix_web::test]
async fn selected_comments_are_rejected_together_with_a_reason() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let token = app.token_for("mia", Role::Moderator).await;
    let first = post_held(&app, "Spammer One").await;
    let second = post_held(&app, "Spammer Two").await;
    let kept = post_held(&app, "Spammer Three").await;
    let browser = driver.session(1280, 900).await;
    sign_in(&browser, &app, "mia").await;
    browser.wait_for_text(".queue-summary", "3 pending").await;

    focus_queue(&browser).await;
    browser.press("x").await;
    browser.press("j").await;
    browser.press("x").await;
    browser.wait_for_text(".queue-summary", "2 selected").await;
    browser.press("R").await;
    browser.find("dialog[open] input[name=reason]").await;
    browser.press("link farm").await;
    browser.press(ENTER).await;
    browser.wait_for_text(".announcer", "Rejected 2").await;
    browser.wait_for_text(".queue-summary", "1 pending").await;

    let rejected = app
        .get_json(&token, "/api/v1/moderation/queue?status=rejected")
        .await;
    let mut ids: Vec<&str> = rejected["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(rejected["items"][0]["decision_reason"], "link farm");
    let pending = app.get_json(&token, "/api/v1/moderation/queue").await;
    assert_eq!(pending["items"][0]["id"], kept.as_str());
    browser.close().await;
}

#[actix_web::test]
async fn two_consoles_deciding_the_same_comment_one_wins_and_the_other_sees_who() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    app.create_user("alice", Role::Moderator);
    app.create_user("bob", Role::Moderator);
    let id = post_held(&app, "Dev Blogger").await;
    let (first, second) = (
        driver.session(1280, 900).await,
        driver.session(1280, 900).await,
    );
    sign_in(&first, &app, "alice").await;
    sign_in(&second, &app, "bob").await;
    for console in [&first, &second] {
        console.wait_for_text(".queue-summary", "1 pending").await;
        focus_queue(console).await;
    }

    first.press("a").await;
    first.wait_for_text(".announcer", "Approved").await;
    second.press("r").await;
    second.find("dialog[open] input[name=reason]").await;
    second.press(ENTER).await;

    let told = second
        .wait_for_text(".announcer .toast-error", "already approved")
        .await;
    assert!(told.contains("alice"), "{told}");
    second
        .wait_for_text(".queue-summary", "Nothing pending")
        .await;
    let (status, _) = app.stored_verdict(&id);
    assert_eq!(status, "published");
    first.close().await;
    second.close().await;
}

#[actix_web::test]
async fn new_comments_appear_in_the_queue_without_a_reload() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    app.create_user("mia", Role::Moderator);
    let browser = driver.session(1280, 900).await;
    sign_in(&browser, &app, "mia").await;
    browser
        .wait_for_text(".queue-summary", "Nothing pending")
        .await;

    post_held(&app, "Late Arrival").await;

    browser.wait_for_text(".queue-list", "Late Arrival").await;
    browser.wait_for_text(".queue-summary", "1 pending").await;
    browser.close().await;
}

#[actix_web::test]
async fn an_ended_session_asks_to_sign_in_again_and_then_finishes_the_action() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    app.create_user("mia", Role::Moderator);
    let id = post_held(&app, "Dev Blogger").await;
    let browser = driver.session(1280, 900).await;
    sign_in(&browser, &app, "mia").await;
    browser.wait_for_text(".queue-summary", "1 pending").await;
    // The server forgets every session, as when one expires.
    app.sql("DELETE FROM sessions");

    focus_queue(&browser).await;
    browser.press("a").await;
    browser
        .wait_for_text("#login.overlay .login-note", "session has ended")
        .await;
    browser
        .type_into("#login input[name=password]", crate::helpers::TEST_PASSWORD)
        .await;
    browser.click("#login button[type=submit]").await;

    browser
        .wait_for_text(".announcer", "Approved: Dev Blogger")
        .await;
    let (status, _) = app.stored_verdict(&id);
    assert_eq!(status, "published");
    browser.close().await;
}
