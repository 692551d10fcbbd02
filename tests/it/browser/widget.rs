//! The widget under the demo article: posting, what the reader is told, text stays text.

use super::harness::{serve_page, Driver};
use super::{post_through_widget, CLEAN_BODY, HELD_BODY};
use crate::helpers::{Db, TestApp};
use serde_json::json;

#[actix_web::test]
async fn a_clean_comment_posted_through_the_widget_is_listed_at_once() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-list-status", "No comments yet")
        .await;

    post_through_widget(&browser, "Ann Reader", CLEAN_BODY).await;

    browser
        .wait_for_text(".gh-result", "Your comment has been published.")
        .await;
    browser.wait_for_text(".gh-list .gh-body", CLEAN_BODY).await;
    browser.goto(&app.url("/demo")).await;
    let listed = browser
        .wait_for_text(".gh-list .gh-comment", "Ann Reader")
        .await;
    assert!(listed.contains(CLEAN_BODY), "{listed}");
    browser.close().await;
}

#[actix_web::test]
async fn spam_posted_through_the_widget_is_told_it_awaits_moderation_and_is_not_listed() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite).shipped_rules().spawn().await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;

    post_through_widget(&browser, "Dev Blogger", HELD_BODY).await;

    browser
        .wait_for_text(".gh-result", "Your comment is awaiting moderation.")
        .await;
    let listed = browser
        .js(
            "return document.querySelectorAll('.gh-list .gh-comment').length",
            vec![],
        )
        .await;
    assert_eq!(listed, json!(0));
    let body_left = browser
        .js(
            "return document.querySelector('.gh-widget textarea').value",
            vec![],
        )
        .await;
    assert_eq!(
        body_left,
        json!(""),
        "the form is cleared after a held comment"
    );
    browser.close().await;
}

#[actix_web::test]
async fn the_widget_shows_field_errors_and_rate_limits_and_keeps_the_text() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::builder(Db::Sqlite)
        .rules(crate::pages_and_assets::one_comment_per_hour())
        .spawn()
        .await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;

    browser
        .type_into(".gh-widget input[name=author_email]", "not-an-email")
        .await;
    post_through_widget(&browser, "Ann", "A first thought.").await;
    browser
        .wait_for_text(".gh-field-author_email .gh-error", "not a valid email")
        .await;
    let invalid = browser
        .js("return document.querySelector('.gh-widget input[name=author_email]').getAttribute('aria-invalid')", vec![])
        .await;
    assert_eq!(invalid, json!("true"));

    browser
        .type_into(".gh-widget input[name=author_email]", "ann@example.org")
        .await;
    browser.click(".gh-widget button[type=submit]").await;
    browser.wait_for_text(".gh-result", "published").await;

    post_through_widget(&browser, "Ann", "A second thought, too soon.").await;
    let told = browser.wait_for_text(".gh-result", "please wait").await;
    let seconds: u64 = told
        .split_whitespace()
        .find_map(|word| word.parse().ok())
        .expect("a number of seconds");
    assert!(seconds > 60, "{told}");
    let kept = browser
        .js(
            "return document.querySelector('.gh-widget textarea').value",
            vec![],
        )
        .await;
    assert_eq!(kept, json!("A second thought, too soon."));
    browser.close().await;
}

#[actix_web::test]
async fn markup_in_a_comment_renders_as_text_in_the_widget_and_the_console() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await;
    app.create_user("mia", gatehouse::auth::Role::Moderator);
    let hostile =
        "<script>window.pwned = 1</script> nice <img src=x onerror=\"window.pwned = 2\"> photo";
    let name = "<b onmouseover=\"window.pwned = 3\">Mallory</b>";
    let response = app
        .post_comment(
            "demo-csto-karabakh",
            json!({"author_name": name, "body": hostile}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "published");
    let browser = driver.session(1280, 900).await;

    browser.goto(&app.url("/demo")).await;
    browser.wait_for_text(".gh-list .gh-body", "<script>").await;
    let shown = browser
        .js("return [document.querySelector('.gh-list .gh-body').textContent, document.querySelector('.gh-list .gh-author').textContent]", vec![])
        .await;
    assert_eq!(shown, json!([hostile, name]));
    let injected = browser
        .js("return [document.querySelectorAll('.gh-widget img, .gh-widget script, .gh-widget b').length, window.pwned || 0]", vec![])
        .await;
    assert_eq!(injected, json!([0, 0]));

    super::sign_in(&browser, &app, "mia").await;
    browser.click(".tabs [data-status=published]").await;
    browser
        .wait_for_text(".queue-detail .comment-body", "<img src=x")
        .await;
    let shown = browser
        .js("return [document.querySelector('.queue-detail .comment-body').textContent, document.querySelector('.queue-detail .comment-author').textContent]", vec![])
        .await;
    assert_eq!(shown, json!([hostile, name]));
    let injected = browser
        .js("return [document.querySelectorAll('#main img, #main script, #main b').length, window.pwned || 0]", vec![])
        .await;
    assert_eq!(injected, json!([0, 0]));
    browser.close().await;
}

#[actix_web::test]
async fn on_a_news_site_of_another_origin_the_widget_posts_and_reads_retry_after() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let app = TestApp::builder(Db::Sqlite)
        .rules(crate::pages_and_assets::one_comment_per_hour())
        .configure(|c| c.cors_origins = vec![site.clone()])
        .spawn()
        .await;
    let html = format!(
        "<!doctype html><title>News</title><h1>Budget 2026</h1><div id=\"talk\"></div>\
         <script src=\"{}\" data-article-id=\"budget-2026\" data-container=\"talk\" async></script>",
        app.url("/widget.js")
    );
    serve_page(listener, html);
    assert_ne!(
        site, app.address,
        "the page and Gatehouse are different origins"
    );
    let browser = driver.session(1280, 900).await;
    browser.goto(&format!("{site}/")).await;
    browser
        .wait_for_text("#talk .gh-list-status", "No comments yet")
        .await;

    post_through_widget(&browser, "Ann", "Posted from the news site.").await;
    browser.wait_for_text(".gh-result", "published").await;
    browser
        .wait_for_text("#talk .gh-list", "Posted from the news site.")
        .await;
    post_through_widget(&browser, "Ann", "And again, too soon.").await;
    let told = browser.wait_for_text(".gh-result", "please wait").await;
    let seconds: u64 = told
        .split_whitespace()
        .find_map(|word| word.parse().ok())
        .expect("a number of seconds");
    assert!(seconds > 60, "Retry-After was read across origins: {told}");
    browser.close().await;
}

#[actix_web::test]
async fn when_the_server_cannot_be_reached_the_widget_says_so_and_keeps_the_text() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await;
    let browser = driver.session(1280, 900).await;
    browser.goto(&app.url("/demo")).await;
    browser
        .wait_for_text(".gh-list-status", "No comments yet")
        .await;
    drop(app);
    // Stopping is asynchronous: give the server a moment to close its sockets.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;

    post_through_widget(&browser, "Ann", "Written on a train with bad signal.").await;

    browser
        .wait_for_text(".gh-result", "the comment server did not answer")
        .await;
    let kept = browser
        .js(
            "return document.querySelector('.gh-widget textarea').value",
            vec![],
        )
        .await;
    assert_eq!(kept, json!("Written on a train with bad signal."));
    browser.close().await;
}

#[actix_web::test]
async fn the_widget_loads_more_comments_and_posts_a_reply_under_its_parent() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let app = TestApp::builder(Db::Sqlite)
        .configure(|c| c.cors_origins = vec![site.clone()])
        .spawn()
        .await;
    for (name, body) in [("Ann", "First!"), ("Bo", "Second."), ("Cy", "Third.")] {
        let response = app
            .post_comment("budget-2026", json!({"author_name": name, "body": body}))
            .await;
        assert_eq!(response.status().as_u16(), 201);
    }
    let html = format!(
        "<!doctype html><title>News</title><main><p>Article.</p>\
         <script src=\"{}\" data-article-id=\"budget-2026\" data-page-size=\"2\" async></script></main>",
        app.url("/widget.js")
    );
    serve_page(listener, html);
    let browser = driver.session(1280, 900).await;
    browser.goto(&format!("{site}/")).await;
    browser.wait_for_text(".gh-list", "Second.").await;
    let authors =
        "return [...document.querySelectorAll('.gh-list .gh-author')].map(a => a.textContent)";
    assert_eq!(browser.js(authors, vec![]).await, json!(["Ann", "Bo"]));

    browser.click(".gh-more").await;
    browser.wait_for_text(".gh-list", "Third.").await;
    let focused = browser
        .js("return document.activeElement.dataset.depth !== undefined && document.activeElement.textContent.includes('Third.')", vec![])
        .await;
    assert_eq!(
        focused,
        json!(true),
        "focus moves to the first comment loaded"
    );
    browser
        .wait_until(
            "the last page hides the button",
            "return document.querySelector('.gh-more').hidden",
            vec![],
        )
        .await;

    browser.click(".gh-comment .gh-reply-button").await;
    browser
        .wait_for_text(".gh-replying", "Replying to Ann")
        .await;
    let focused = browser
        .js("return document.activeElement.name", vec![])
        .await;
    assert_eq!(focused, json!("body"), "the comment field has focus");
    post_through_widget(&browser, "Dee", "Replying to the first.").await;
    browser.wait_for_text(".gh-result", "published").await;
    let order = "return [...document.querySelectorAll('.gh-list .gh-comment')].map(c => [c.querySelector('.gh-author').textContent, Number(c.dataset.depth)])";
    let expected = json!([["Ann", 0], ["Dee", 1], ["Bo", 0], ["Cy", 0]]);
    assert_eq!(browser.js(order, vec![]).await, expected);
    browser.goto(&format!("{site}/")).await;
    browser
        .wait_for_text(".gh-list", "Replying to the first.")
        .await;
    browser.click(".gh-more").await;
    browser.wait_for_text(".gh-list", "Cy").await;
    assert_eq!(
        browser.js(order, vec![]).await,
        expected,
        "the server's thread order"
    );
    browser.close().await;
}

#[actix_web::test]
async fn a_widget_keyed_by_the_page_url_posts_to_the_thread_of_the_canonical_link() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let app = TestApp::builder(Db::Sqlite)
        .shipped_rules()
        .configure(|c| c.cors_origins = vec![site.clone()])
        .spawn()
        .await;
    // The page is served with tracking parameters; its canonical link is the clean address.
    let html = format!(
        "<!doctype html><title>Harbour wall</title>\
         <link rel=\"canonical\" href=\"https://www.harbourtimes.example/news/harbour-wall/\">\
         <h1>Harbour wall funded</h1><div id=\"talk\"></div>\
         <script src=\"{}\" data-article-url data-container=\"talk\" async></script>",
        app.url("/widget.js")
    );
    serve_page(listener, html);
    let browser = driver.session(1280, 900).await;
    browser
        .goto(&format!(
            "{site}/news/harbour-wall?utm_source=newsletter#comments"
        ))
        .await;
    browser
        .wait_for_text("#talk .gh-list-status", "No comments yet")
        .await;

    post_through_widget(&browser, "Ann", "Keyed by the page, not by an id.").await;
    browser.wait_for_text(".gh-result", "published").await;
    super::screenshots::save(&browser, "widget-keyed-by-url.png").await;
    browser.close().await;

    let thread: serde_json::Value = app
        .list("harbourtimes.example:news:harbour-wall", "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        thread["comments"][0]["body"],
        json!("Keyed by the page, not by an id.")
    );
}
