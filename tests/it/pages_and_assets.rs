//! What a browser gets from the binary: the landing page, the demo article and the console with
//! a strict CSP, the widget and assets with content types and cache validators, and CORS that
//! lets the widget read Retry-After.

use crate::backend_tests;
use crate::helpers::{Db, TestApp};
use serde_json::json;

backend_tests!(
    the_home_page_leads_to_the_demo_the_console_and_health,
    pages_forbid_inline_script_and_framing,
    the_widget_script_is_javascript_with_an_etag_and_revalidates,
    page_assets_are_immutable_under_the_build_hash_and_other_hashes_are_not_found,
    the_widget_origin_can_read_retry_after_on_a_rate_limited_post,
);

/// The test rules with room for one comment an hour from each address.
pub fn one_comment_per_hour() -> String {
    let limits = r#"
[rate_limits]
per_ip      = { burst = 1, rate = 1, per = "hour" }
per_author  = { burst = 100, rate = 100, per = "second" }
per_article = { burst = 100, rate = 100, per = "second" }
global      = { burst = 100, rate = 100, per = "second" }
"#;
    format!("{}\n{limits}", crate::helpers::TEST_RULES)
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The first `"{prefix}…"` quoted URL in a page.
fn link_after(html: &str, prefix: &str) -> String {
    let start = html.find(prefix).expect("the page links the asset");
    let end = html[start..].find('"').expect("a closing quote") + start;
    html[start..end].to_string()
}

async fn the_home_page_leads_to_the_demo_the_console_and_health(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    let html = response.text().await.unwrap();
    for link in [
        "href=\"/demo\"",
        "href=\"/console\"",
        "href=\"/healthz\"",
        "href=\"/api/v1/openapi.json\"",
    ] {
        assert!(html.contains(link), "{link} missing");
    }
    assert!(
        html.contains(env!("CARGO_PKG_VERSION")),
        "the version is shown"
    );

    let demo = app.client.get(app.url("/demo")).send().await.unwrap();
    let demo = demo.text().await.unwrap();
    assert!(demo.contains("<h1>Armenia steps back from the Russian-led CSTO"));
    assert!(demo.contains(
        r#"<script src="/widget.js" data-article-id="demo-csto-karabakh" async></script>"#
    ));
}

async fn pages_forbid_inline_script_and_framing(db: Db) {
    let app = TestApp::spawn(db).await;
    for path in ["/", "/demo", "/console"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let csp = header(&response, "content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header(&response, "x-frame-options"), "DENY");
        let html = response.text().await.unwrap();
        for tag in html.split("<script").skip(1) {
            assert!(
                tag.trim_start().starts_with("src=") || tag.contains(" src="),
                "{path}: inline script"
            );
            assert!(tag.contains("></script>"), "{path}: a script with a body");
        }
    }
}

async fn the_widget_script_is_javascript_with_an_etag_and_revalidates(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app.client.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert!(header(&response, "cache-control").contains("must-revalidate"));
    let etag = header(&response, "etag");
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let script = response.text().await.unwrap();
    assert!(script.contains("data-article-id"));
    assert!(
        !script.contains("innerHTML"),
        "the widget never parses comment text as HTML"
    );

    let again = app
        .client
        .get(app.url("/widget.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    let gzipped = app
        .client
        .get(app.url("/widget.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    let size = gzipped.bytes().await.unwrap().len();
    assert!(size < 15 * 1024, "widget.js is {size} bytes gzipped");

    let css = app.client.get(app.url("/widget.css")).send().await.unwrap();
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
}

async fn page_assets_are_immutable_under_the_build_hash_and_other_hashes_are_not_found(db: Db) {
    let app = TestApp::spawn(db).await;
    let html = app
        .client
        .get(app.url("/console"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let script = link_after(&html, "/assets/");
    assert!(
        script.ends_with(".css") || script.ends_with(".js"),
        "{script}"
    );
    let response = app.client.get(app.url(&script)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{script}");
    assert!(header(&response, "cache-control").contains("immutable"));
    let module = script.replace("console.css", "app.js");
    let js = app.client.get(app.url(&module)).send().await.unwrap();
    assert_eq!(
        header(&js, "content-type"),
        "text/javascript; charset=utf-8"
    );

    let file = script.split('/').skip(3).collect::<Vec<_>>().join("/");
    assert_eq!(file, "console/console.css");
    let stale = format!("/assets/000000000000/{file}");
    let response = app.client.get(app.url(&stale)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404, "{stale}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    for escape in [
        "%2e%2e%2fCargo.toml",
        "console%2f..%2f..%2fCargo.toml",
        "%2fetc%2fpasswd",
    ] {
        let path = script.replace("console/console.css", escape);
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
}

async fn the_widget_origin_can_read_retry_after_on_a_rate_limited_post(db: Db) {
    let app = TestApp::builder(db)
        .rules(one_comment_per_hour())
        .configure(|c| c.cors_origins = vec!["https://news.example.com".into()])
        .spawn()
        .await;
    let post = || {
        app.client
            .post(app.url("/api/v1/articles/a1/comments"))
            .header("origin", "https://news.example.com")
            .json(&json!({"author_name": "Ann", "body": "A thought."}))
            .send()
    };
    assert_eq!(post().await.unwrap().status().as_u16(), 201);
    let limited = post().await.unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert!(header(&limited, "retry-after").parse::<u64>().unwrap() > 0);
    let exposed = header(&limited, "access-control-expose-headers").to_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed:?}");
}
