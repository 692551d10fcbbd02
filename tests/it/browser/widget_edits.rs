//! The widget's edit and delete of a comment posted from the same browser, the "(edited)"
//! marker, forgetting the token once the window has passed, and the placeholder of a removed
//! comment with replies. Takes the `widget-edit.png` screenshot.

use super::harness::Driver;
use super::{post_through_widget, CLEAN_BODY};
use crate::helpers::{Db, TestApp};
use gatehouse::auth::Role;
use serde_json::{json, Value};
use std::path::PathBuf;

const ARTICLE: &str = "demo-csto-karabakh";

/// A parent comment a moderator then rejects, and a published reply to it.
async fn removed_parent_with_a_reply(app: &TestApp) {
    let parent: Value = app
        .post_comment(
            ARTICLE,
            json!({"author_name": "Gone Soon", "body": "An opinion, later removed."}),
        )
        .await
        .json()
        .await
        .unwrap();
    let reply = app
        .post_comment(
            ARTICLE,
            json!({"author_name": "Bo Lindqvist", "body": "I answered before it was removed.", "parent_id": parent["id"]}),
        )
        .await;
    assert_eq!(reply.status().as_u16(), 201);
    let token = app.token_for("mia", Role::Moderator).await;
    crate::reader_edits::reject_published(app, &token, parent["id"].as_str().unwrap()).await;
}

#[actix_web::test]
async fn a_reader_edits_and_deletes_their_comment_from_the_same_browser() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    removed_parent_with_a_reply(&app).await;
    let browser = driver.session(1280, 1400).await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-list .gh-removed", "This comment was removed.")
        .await;
    let others_actions = browser
        .js(
            "return document.querySelectorAll('.gh-edit-button, .gh-delete-button').length",
            vec![],
        )
        .await;
    assert_eq!(
        others_actions,
        json!(0),
        "no edit on comments from elsewhere"
    );

    post_through_widget(&browser, "Ann Reader", CLEAN_BODY).await;
    browser
        .wait_for_text(".gh-result", "Your comment has been published.")
        .await;
    let mine = ".gh-comment:not(.gh-reply):last-child";
    browser.find(&format!("{mine} .gh-edit-button")).await;

    browser.click(&format!("{mine} .gh-edit-button")).await;
    browser
        .type_into(
            &format!("{mine} .gh-edit-text"),
            "Clear explainer, thank you (edited for a typo).",
        )
        .await;
    browser
        .click(&format!("{mine} .gh-edit-form button[type=submit]"))
        .await;
    browser
        .wait_for_text(
            &format!("{mine} .gh-item-note"),
            "Your edit has been saved.",
        )
        .await;
    browser
        .wait_for_text(&format!("{mine} .gh-edited"), "(edited)")
        .await;

    // After a reload the server marks it edited, and this browser may still edit it.
    browser.goto(&app.url("/demo")).await;
    let listed = browser.wait_for_text(mine, "edited for a typo").await;
    assert!(listed.contains("(edited)"), "{listed}");
    browser.find(&format!("{mine} .gh-edit-button")).await;
    let count = browser.wait_for_text(".gh-count", "(2)").await;
    assert_eq!(count, "(2)", "the placeholder is not counted");
    browser
        .js(
            "document.querySelector('.gh-title').scrollIntoView()",
            vec![],
        )
        .await;
    let dir = screenshots_dir();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    browser.screenshot(&dir.path.join("widget-edit.png")).await;

    browser.click(&format!("{mine} .gh-delete-button")).await;
    browser.click(&format!("{mine} .gh-danger")).await;
    browser
        .wait_for_text(
            &format!("{mine} .gh-placeholder"),
            "You deleted this comment.",
        )
        .await;
    browser.goto(&app.url("/demo")).await;
    browser.wait_for_text(".gh-list", "I answered before").await;
    let shown = browser
        .js(
            "return document.querySelector('.gh-list').textContent.includes('edited for a typo')",
            vec![],
        )
        .await;
    assert_eq!(
        shown,
        json!(false),
        "the deleted comment is gone after a reload"
    );
    browser.close().await;
}

#[actix_web::test]
async fn the_widget_forgets_an_edit_token_once_the_window_has_passed() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;
    post_through_widget(&browser, "Ann Reader", CLEAN_BODY).await;
    browser.find(".gh-comment .gh-edit-button").await;
    let stored = browser
        .js(
            "return Object.keys(localStorage).filter(k => k.startsWith('gatehouse-edit:')).length",
            vec![],
        )
        .await;
    assert_eq!(stored, json!(1));

    // The window closes (moved into the past, as time would): the next visit offers no edit.
    browser
        .js("Object.keys(localStorage).filter(k => k.startsWith('gatehouse-edit:')).forEach(k => { \
               const g = JSON.parse(localStorage.getItem(k)); g.until = Date.now() - 1000; \
               localStorage.setItem(k, JSON.stringify(g)); })", vec![])
        .await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-list .gh-body", "Clear explainer")
        .await;
    let offered = browser
        .js(
            "return document.querySelectorAll('.gh-edit-button').length",
            vec![],
        )
        .await;
    assert_eq!(offered, json!(0));
    let stored = browser
        .js(
            "return Object.keys(localStorage).filter(k => k.startsWith('gatehouse-edit:')).length",
            vec![],
        )
        .await;
    assert_eq!(stored, json!(0), "the expired token is forgotten");
    browser.close().await;
}

/// Where screenshots go: `GATEHOUSE_SCREENSHOTS_DIR` (docs/screenshots from
/// `scripts/screenshots`), else a temporary folder.
struct ScreenshotDir {
    path: PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

fn screenshots_dir() -> ScreenshotDir {
    match std::env::var_os("GATEHOUSE_SCREENSHOTS_DIR") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            ScreenshotDir {
                path: PathBuf::from(dir),
                _temporary: None,
            }
        }
        None => {
            let temporary = tempfile::tempdir().unwrap();
            ScreenshotDir {
                path: temporary.path().to_path_buf(),
                _temporary: Some(temporary),
            }
        }
    }
}
