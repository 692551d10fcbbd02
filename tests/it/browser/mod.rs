//! End-to-end tests in a real headless Chromium against the real server on port 0: the widget
//! under the demo article, the moderator console, and both together. They run on SQLite: the
//! API suites cover both backends, and these check what a person sees and does.

mod articles;
mod console_admin;
mod console_queue;
mod harness;
mod rules_editor;
mod screenshots;
mod widget;
mod widget_edits;

use crate::helpers::{TestApp, TEST_PASSWORD};
use harness::Browser;

/// A published-at-once comment, and one the shipped rules hold ("check out my channel").
pub const CLEAN_BODY: &str =
    "Clear explainer, thank you. The background on the 2020 ceasefire helped.";
pub const HELD_BODY: &str =
    "Great article! I cover the same story on my blog, check out my channel for more.";

/// Signs in to the console as `username` (already created) and waits for the queue.
pub async fn sign_in(browser: &Browser, app: &TestApp, username: &str) {
    browser.goto(&app.url("/console?poll=1")).await;
    browser
        .type_into("#login input[name=username]", username)
        .await;
    browser
        .type_into("#login input[name=password]", TEST_PASSWORD)
        .await;
    browser.click("#login button[type=submit]").await;
    browser.find("#app:not([hidden]) .queue-summary").await;
}

/// Fills the widget's form and posts it.
pub async fn post_through_widget(browser: &Browser, name: &str, body: &str) {
    browser
        .type_into(".gh-widget input[name=author_name]", name)
        .await;
    browser
        .type_into(".gh-widget textarea[name=body]", body)
        .await;
    browser.click(".gh-widget button[type=submit]").await;
}
