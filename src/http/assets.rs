//! The browser assets embedded in the binary from `web/`: served with their content type, an
//! ETag, and cache headers. Pages name assets under a prefix that carries a hash of every file,
//! so those URLs can be cached for a year; the widget's stable URLs are revalidated instead.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

#[derive(rust_embed::Embed)]
#[folder = "web/"]
struct Assets;

/// How long a site's browsers keep `widget.js` before asking again (it has a stable URL).
const WIDGET_MAX_AGE_SECS: u32 = 300;

/// A hash of every embedded file: part of asset URLs, so a new build gets new URLs.
pub fn assets_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut names: Vec<_> = Assets::iter().collect();
        names.sort();
        let mut hasher = Sha256::new();
        for name in names {
            if let Some(file) = Assets::get(&name) {
                hasher.update(name.as_bytes());
                hasher.update(file.metadata.sha256_hash());
            }
        }
        hex::encode(hasher.finalize())[..12].to_string()
    })
}

/// The URL prefix pages use for console and page assets.
pub fn assets_prefix() -> String {
    format!("/assets/{}", assets_version())
}

/// An embedded file's text (for pages the server fills in before sending).
pub fn text(path: &str) -> Option<String> {
    Assets::get(path).map(|file| String::from_utf8_lossy(&file.data).into_owned())
}

/// How long a response may be cached.
#[derive(Clone, Copy)]
enum Caching {
    /// The URL names the content's hash: never changes.
    Immutable,
    /// A stable URL: cached briefly, then revalidated with the ETag.
    Revalidate,
}

fn serve(req: &HttpRequest, path: &str, caching: Caching) -> HttpResponse {
    let Some(file) = Assets::get(path) else {
        return super::error::ApiError::not_found(format!("no asset {path}")).error_response();
    };
    let etag = format!("\"{}\"", &hex::encode(file.metadata.sha256_hash())[..20]);
    let cache_control = match caching {
        Caching::Immutable => "public, max-age=31536000, immutable".to_string(),
        Caching::Revalidate => format!("public, max-age={WIDGET_MAX_AGE_SECS}, must-revalidate"),
    };
    let (mut response, fresh) = conditional(req, etag, cache_control);
    if fresh {
        return response.finish();
    }
    let mut content_type = file.metadata.mimetype().to_string();
    if content_type.starts_with("text/") || content_type == "application/javascript" {
        content_type.push_str("; charset=utf-8");
    }
    response
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ))
        .body(file.data.into_owned())
}

/// `GET /assets/{version}/{path}`: console and page assets. Another version's URL is a 404
/// rather than today's file under a name that promises never to change.
async fn versioned(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (version, file) = path.into_inner();
    if version != assets_version() {
        return super::error::ApiError::not_found(format!("no asset {file} in {version}"))
            .error_response();
    }
    serve(&req, &file, Caching::Immutable)
}

/// `GET /widget.js`: the script tag sites put under articles.
async fn widget_js(req: HttpRequest) -> HttpResponse {
    serve(&req, "widget/widget.js", Caching::Revalidate)
}

/// `GET /widget.css`: the widget's stylesheet, loaded by the widget from beside its script.
async fn widget_css(req: HttpRequest) -> HttpResponse {
    serve(&req, "widget/widget.css", Caching::Revalidate)
}

/// Registers the asset routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let compress = actix_web::middleware::Compress::default;
    cfg.service(
        web::resource("/assets/{version}/{path:.+}")
            .wrap(compress())
            .route(web::get().to(versioned))
            .route(web::head().to(versioned)),
    )
    .service(
        web::resource("/widget.js")
            .wrap(compress())
            .route(web::get().to(widget_js))
            .route(web::head().to(widget_js)),
    )
    .service(
        web::resource("/widget.css")
            .wrap(compress())
            .route(web::get().to(widget_css))
            .route(web::head().to(widget_css)),
    );
}

/// The start of a cacheable answer: `304 Not Modified` when the request's `If-None-Match` names
/// `etag` (or `*`), else `200`; either with the `ETag` and `Cache-Control` headers. The flag
/// says whether it is the 304, which must be finished without a body.
pub(super) fn conditional(
    req: &HttpRequest,
    etag: String,
    cache_control: String,
) -> (actix_web::HttpResponseBuilder, bool) {
    let fresh = matches_if_none_match(req, &etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control));
    (response, fresh)
}

/// A public JSON answer caches may keep `max_age` seconds, its ETag a digest of the body:
/// `304` without a body when the request already holds it.
pub(super) fn cacheable_json(req: &HttpRequest, body: Vec<u8>, max_age: u32) -> HttpResponse {
    use sha2::Digest;
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&body)[..12]));
    let (mut response, unchanged) = conditional(req, etag, format!("public, max-age={max_age}"));
    if unchanged {
        response.finish()
    } else {
        response.content_type("application/json").body(body)
    }
}

fn matches_if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
}
