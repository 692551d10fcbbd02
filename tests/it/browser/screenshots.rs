//! Screenshots for the README, made by the test suite: the widget under the demo article, and
//! the console's queue in light and dark at 1280 px and on a tablet. They are written to
//! `GATEHOUSE_SCREENSHOTS_DIR` when it is set (`scripts/screenshots` sets it to
//! docs/screenshots), else to a temporary folder, so every run still takes them.

use super::harness::{Browser, Driver};
use super::{sign_in, CLEAN_BODY};
use crate::helpers::{Db, TestApp};
use gatehouse::auth::Role;
use serde_json::json;
use std::path::{Path, PathBuf};

const ARTICLE: &str = "demo-csto-karabakh";

/// Comments a busy article gets: published ones (one a reply), held ones, rejected spam.
const COMMENTS: &[(&str, &str)] = &[
    (
        "Karine H.",
        "My family left Stepanakert that week. Thank you for reporting on it calmly.",
    ),
    (
        "Dev Blogger",
        "Great article! I cover the same story on my blog, check out my channel for more.",
    ),
    (
        "Crypto King",
        "Earn $5000 a week from home!!! DM me on telegram, check out my channel https://bit.ly/x",
    ),
    (
        "Worried Reader",
        "Call me on 0123 456 7890 if you want the real story about the CSTO.",
    ),
    (
        "Sam",
        "Write to me at sam.k@example.org and I'll send you the leaked CSTO memo.",
    ),
    (
        "Growth Hacker",
        "Buy cheap followers and likes at www.fastfollowers.example, best prices",
    ),
    (
        "Vlogger",
        "Subscribe to my channel for the real story, link in my profile!!!",
    ),
];

async fn seed(app: &TestApp) {
    let first = post(app, "Ann Reader", CLEAN_BODY, None).await;
    post(
        app,
        "Bo Lindqvist",
        "Agreed. The piece could say more about what the 2020 ceasefire promised.",
        Some(&first),
    )
    .await;
    for (name, body) in COMMENTS {
        post(app, name, body, None).await;
    }
}

async fn post(app: &TestApp, name: &str, body: &str, parent: Option<&str>) -> String {
    let response = app
        .post_comment(
            ARTICLE,
            json!({"author_name": name, "body": body, "parent_id": parent}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let answer: serde_json::Value = response.json().await.unwrap();
    answer["id"].as_str().unwrap().to_string()
}

/// Saves a screenshot another test takes, where the README's are written (else the system's
/// temporary folder, to look at after a run).
pub async fn save(browser: &Browser, name: &str) {
    let dir: PathBuf = std::env::var_os("GATEHOUSE_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("gatehouse-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    shoot(browser, &dir, name).await;
}

pub(super) async fn shoot(browser: &Browser, dir: &Path, name: &str) {
    // Let fonts and the last fetch settle before the picture.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    browser.screenshot(&dir.join(name)).await;
}

/// `GATEHOUSE_SCREENSHOTS_DIR` if set (created), else `temporary`.
pub(super) fn screenshots_dir(temporary: &tempfile::TempDir) -> PathBuf {
    let dir: PathBuf = std::env::var_os("GATEHOUSE_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| temporary.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[actix_web::test]
async fn screenshots_of_the_widget_and_the_console_queue() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let temporary = tempfile::tempdir().unwrap();
    let dir = screenshots_dir(&temporary);
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    app.create_user("mia", Role::Moderator);
    seed(&app).await;

    let page = driver.session(1280, 1760).await;
    page.goto(&app.url("/demo")).await;
    page.wait_for_text(".gh-list", "Bo Lindqvist").await;
    page.js("document.querySelector('.gh-widget input[name=author_name]').value = 'Lena'; \
             document.querySelector('.gh-widget textarea').value = 'Will the CSTO summit change anything for Armenia?';", vec![]).await;
    shoot(&page, &dir, "widget-demo-article.png").await;
    page.close().await;

    let console = driver.session(1280, 800).await;
    sign_in(&console, &app, "mia").await;
    console
        .wait_for_text(".queue-detail", "spam.self_promotion")
        .await;
    console.js("localStorage.setItem('gatehouse.theme', 'light'); document.documentElement.dataset.theme = 'light';", vec![]).await;
    shoot(&console, &dir, "console-queue-light.png").await;
    console.click("#theme").await;
    console
        .wait_until(
            "the dark theme",
            "return document.documentElement.dataset.theme === 'dark'",
            vec![],
        )
        .await;
    shoot(&console, &dir, "console-queue-dark.png").await;
    console.click("#theme").await;
    console.close().await;

    let tablet = driver.session(820, 1180).await;
    sign_in(&tablet, &app, "mia").await;
    tablet
        .wait_for_text(".queue-detail", "spam.self_promotion")
        .await;
    shoot(&tablet, &dir, "console-queue-tablet.png").await;
    tablet.close().await;

    for name in [
        "widget-demo-article.png",
        "console-queue-light.png",
        "console-queue-dark.png",
        "console-queue-tablet.png",
    ] {
        let png = std::fs::read(dir.join(name)).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name}");
    }
}
