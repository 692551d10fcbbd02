//! The rules editor in a browser: check errors at their lines, saving, and a concurrent edit.

use super::harness::{Browser, Driver};
use super::sign_in;
use crate::helpers::{Db, TestApp};
use gatehouse::auth::Role;
use serde_json::json;

/// Replaces the editor's text as a paste would (an `input` event follows).
async fn replace_text(browser: &Browser, source: &str) {
    browser
        .js(
            "const t = document.querySelector('textarea.code'); t.value = arguments[0]; \
             t.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(source)],
        )
        .await;
}

async fn open_editor(browser: &Browser, app: &TestApp) -> String {
    sign_in(browser, app, "ada").await;
    browser.click("#nav a[data-view=rules]").await;
    browser.wait_for_text(".diagnostics", "Valid").await;
    browser
        .js(
            "return document.querySelector('textarea.code').value",
            vec![],
        )
        .await
        .as_str()
        .expect("the rules source")
        .to_string()
}

fn with_rule(source: &str, pattern: &str) -> (String, usize) {
    let rule = format!(
        "\n[[rule]]\nid = \"spam.vpn\"\ndescription = \"VPN offers\"\nkind = \"regex\"\naction = \"reject\"\npatterns = ['{pattern}']\n"
    );
    let edited = format!("{}{rule}", source.trim_end());
    let line = edited.lines().count();
    (edited, line)
}

#[actix_web::test]
async fn an_admin_sees_a_check_error_at_its_line_fixes_it_saves_and_the_next_comment_is_judged_by_it(
) {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await;
    app.create_user("ada", Role::Admin);
    let browser = driver.session(1280, 900).await;
    let source = open_editor(&browser, &app).await;

    let (broken, line) = with_rule(&source, "free (vpn");
    replace_text(&browser, &broken).await;
    browser.wait_for_text(".diagnostics", "Invalid").await;
    let marked = browser
        .js("return [...document.querySelectorAll('.gutter .diag-error')].map(l => Number(l.dataset.line))", vec![])
        .await;
    assert_eq!(marked, json!([line]));
    browser
        .wait_for_text(".diagnostics .diag-error", &format!("line {line}"))
        .await;
    let save_disabled = browser
        .js(
            "return document.querySelector('.rules-editor .btn-primary').disabled",
            vec![],
        )
        .await;
    assert_eq!(save_disabled, json!(true));

    let (fixed, _) = with_rule(&source, r"free\s+vpn");
    replace_text(&browser, &fixed).await;
    browser.wait_for_text(".diagnostics", "Valid").await;
    browser.click(".rules-editor .btn-primary").await;
    browser.wait_for_text(".announcer", "Saved").await;

    let response = app
        .post_comment(
            "a1",
            json!({"author_name": "Vic", "body": "Get a free   VPN here"}),
        )
        .await;
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "rejected");
    let (_, verdict) = app.stored_verdict(answer["id"].as_str().unwrap());
    assert_eq!(verdict["matches"][0]["rule_id"], "spam.vpn");
    assert_eq!(std::fs::read_to_string(&app.rules_path).unwrap(), fixed);
    browser.close().await;
}

#[actix_web::test]
async fn saving_over_someone_elses_change_is_refused_and_shows_their_change() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await;
    app.create_user("ada", Role::Admin);
    let token = app.token_for("grace", Role::Admin).await;
    let browser = driver.session(1280, 900).await;
    let source = open_editor(&browser, &app).await;

    let rules = app.get_json(&token, "/api/v1/admin/rules").await;
    let theirs = format!(
        "{}\n# grace: tightened after the spam wave\n",
        source.trim_end()
    );
    let saved = app
        .authed(reqwest::Method::PUT, "/api/v1/admin/rules", &token)
        .header("if-match", rules["version"].as_str().unwrap())
        .json(&json!({"source": theirs}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 200);

    let (mine, _) = with_rule(&source, r"free\s+vpn");
    replace_text(&browser, &mine).await;
    browser.wait_for_text(".diagnostics", "Valid").await;
    browser.click(".rules-editor .btn-primary").await;

    let conflict = browser
        .wait_for_text(".conflict", "Someone else changed the rules")
        .await;
    assert!(
        conflict.contains("+ # grace: tightened after the spam wave"),
        "{conflict}"
    );
    assert_eq!(std::fs::read_to_string(&app.rules_path).unwrap(), theirs);
    browser.close().await;
}
