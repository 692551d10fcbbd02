//! The HTML pages the binary serves: `/` (where to go next), `/demo` (a news article ending in
//! the widget) and `/console` (the moderator console). Each is an embedded template with the
//! asset prefix and version filled in, sent with a strict Content-Security-Policy: scripts and
//! styles from this origin only, nothing inline, never framed.

use super::assets;
use actix_web::http::header;
use actix_web::{web, HttpResponse, ResponseError};

/// Only this origin's files run or style the page; nothing may frame it.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

fn page(template: &str) -> HttpResponse {
    let Some(source) = assets::text(template) else {
        return super::error::ApiError::internal(&format!("page {template} is not embedded"))
            .error_response();
    };
    let html = source
        .replace("{{assets}}", &assets::assets_prefix())
        .replace("{{version}}", env!("CARGO_PKG_VERSION"));
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html)
}

/// Registers the pages and the asset routes they use.
pub fn routes(cfg: &mut web::ServiceConfig) {
    for (path, template) in [
        ("/", "pages/index.html"),
        ("/demo", "pages/demo.html"),
        ("/console", "console/index.html"),
    ] {
        let handler = move || async move { page(template) };
        cfg.service(
            web::resource(path)
                .route(web::get().to(handler))
                .route(web::head().to(handler)),
        );
    }
    cfg.configure(assets::routes);
}
