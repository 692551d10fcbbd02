//! Per-article settings in a browser: the widget under a closed article (and one closed while a
//! reader writes), and the console's Articles view driven with the keyboard. Screenshots go
//! where `screenshots::screenshots_dir` says (docs/screenshots with `scripts/screenshots`).

use super::harness::{Browser, Driver};
use super::screenshots::{screenshots_dir, shoot};
use super::{post_through_widget, sign_in, CLEAN_BODY};
use crate::helpers::{Comment, Db, TestApp};
use gatehouse::auth::Role;
use serde_json::{json, Value};

/// The article the demo page embeds.
const DEMO_ARTICLE: &str = "demo-csto-karabakh";
const ENTER: &str = "\u{E007}";

async fn set_state(app: &TestApp, token: &str, article: &str, state: &str) {
    let response = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/moderation/articles/{article}"),
            token,
        )
        .json(&json!({"state": state, "reason": "browser test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[actix_web::test]
async fn a_closed_article_shows_comments_are_closed_instead_of_the_form_and_keeps_its_thread() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let token = app.token_for("mia", Role::Moderator).await;
    app.submit(Comment::new(CLEAN_BODY).on(DEMO_ARTICLE).by("Ann Reader"))
        .await;
    set_state(&app, &token, DEMO_ARTICLE, "closed").await;

    let browser = driver.session(1280, 1400).await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-closed", "Comments are closed.")
        .await;
    browser.wait_for_text(".gh-list", "Ann Reader").await;
    let shown = browser
        .js(
            "return [document.querySelector('.gh-form').hidden, \
             getComputedStyle(document.querySelector('.gh-reply-button')).display]",
            vec![],
        )
        .await;
    assert_eq!(shown, json!([true, "none"]), "no form and no Reply buttons");
    let temporary = tempfile::tempdir().unwrap();
    let dir = screenshots_dir(&temporary);
    browser
        .js(
            "document.querySelector('.gh-widget').scrollIntoView()",
            vec![],
        )
        .await;
    shoot(&browser, &dir, "widget-closed-article.png").await;
    browser.close().await;
    let png = std::fs::read(dir.join("widget-closed-article.png")).unwrap();
    assert!(png.len() > 10_000, "a real picture");
}

#[actix_web::test]
async fn a_reader_whose_article_closes_while_writing_is_told_comments_are_closed() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let token = app.token_for("mia", Role::Moderator).await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-list-status", "No comments yet")
        .await;

    set_state(&app, &token, DEMO_ARTICLE, "closed").await;
    post_through_widget(&browser, "Late Reader", CLEAN_BODY).await;

    browser
        .wait_for_text(
            ".gh-closed",
            "Comments are closed. Your comment was not posted.",
        )
        .await;
    let hidden = browser
        .js("return document.querySelector('.gh-form').hidden", vec![])
        .await;
    assert_eq!(hidden, json!(true));
    assert_eq!(app.stored_count(), 0);
    browser.close().await;
}

/// Whether the element is on the page and laid out (not hidden by a class or an attribute).
async fn is_shown(browser: &Browser, selector: &str) -> bool {
    browser
        .js(
            "const e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null",
            vec![json!(selector)],
        )
        .await
        == json!(true)
}

#[actix_web::test]
async fn a_reader_may_delete_but_no_longer_edit_their_comment_once_the_article_closes() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let token = app.token_for("mia", Role::Moderator).await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;
    post_through_widget(&browser, "Ann Reader", CLEAN_BODY).await;
    browser
        .wait_for_text(".gh-result", "Your comment has been published.")
        .await;
    let mine = ".gh-comment:last-child";
    browser.find(&format!("{mine} .gh-edit-button")).await;

    set_state(&app, &token, DEMO_ARTICLE, "closed").await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-closed", "Comments are closed.")
        .await;
    browser.find(&format!("{mine} .gh-delete-button")).await;
    assert!(!is_shown(&browser, &format!("{mine} .gh-edit-button")).await);
    assert!(is_shown(&browser, &format!("{mine} .gh-delete-button")).await);
    browser.click(&format!("{mine} .gh-delete-button")).await;
    browser.click(&format!("{mine} .gh-danger")).await;
    browser
        .wait_for_text(
            &format!("{mine} .gh-placeholder"),
            "You deleted this comment.",
        )
        .await;
    let listed: Value = app.list(DEMO_ARTICLE, "").await.json().await.unwrap();
    assert_eq!(listed["comments"], json!([]), "{listed}");
    browser.close().await;
}

#[actix_web::test]
async fn a_moderator_closes_and_reopens_an_article_from_the_console_with_the_keyboard() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    app.create_user("mia", Role::Moderator);
    app.submit(Comment::new("An older thread.").on("budget-2026"))
        .await;
    app.submit(Comment::new(CLEAN_BODY).on(DEMO_ARTICLE).by("Ann Reader"))
        .await;
    app.submit(
        Comment::new("Great article! I cover the same story on my blog, check out my channel.")
            .on(DEMO_ARTICLE)
            .by("Dev Blogger"),
    )
    .await;

    let browser = driver.session(1280, 800).await;
    sign_in(&browser, &app, "mia").await;
    browser.click("#nav a[data-view=articles]").await;
    let first = browser
        .wait_for_text(".articles tbody tr.current", DEMO_ARTICLE)
        .await;
    assert!(first.contains("Open"), "{first}");

    browser.press("c").await;
    browser.find("dialog[open] input[name=reason]").await;
    browser.press("Comments closed: court order").await;
    browser.press(ENTER).await;
    browser.wait_for_text(".announcer", "comments closed").await;
    let row = browser
        .wait_for_text(".articles tbody tr.current", "Closed")
        .await;
    assert!(row.contains(DEMO_ARTICLE), "{row}");
    let public: Value = reqwest::get(app.url(&format!("/api/v1/articles/{DEMO_ARTICLE}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["commenting_open"], false);

    let temporary = tempfile::tempdir().unwrap();
    let dir = screenshots_dir(&temporary);
    browser
        .js(
            "document.querySelectorAll('.toast').forEach(t => t.remove())",
            vec![],
        )
        .await;
    shoot(&browser, &dir, "console-articles.png").await;

    browser.press("j").await;
    browser
        .wait_for_text(".articles tbody tr.current", "budget-2026")
        .await;
    browser.press("k").await;
    browser.press("o").await;
    browser.find("dialog[open] input[name=reason]").await;
    browser.press("Order lifted").await;
    browser.press(ENTER).await;
    browser.wait_for_text(".announcer", "comments open").await;
    let log = app
        .get_json(
            &app.token_for_existing("mia").await,
            &format!("/api/v1/moderation/log?target_id={DEMO_ARTICLE}"),
        )
        .await;
    let reasons: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Order lifted", "Comments closed: court order"]);
    browser.close().await;
}
