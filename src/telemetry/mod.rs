//! Logging set-up (`tracing` to stderr as text or one JSON object a line, filtered by
//! `RUST_LOG`, default `info`) and the Prometheus metrics recorder (`metrics`).

pub mod metrics;

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For a person: `request{request_id=… route=…}: message key=value`.
    #[default]
    Text,
    /// One JSON object a line, the request span's fields (`request_id`, `comment_id`) on each,
    /// for a log collector.
    Json,
}

/// Text logs, for the commands other than `serve`.
pub fn init() {
    init_with(LogFormat::Text);
}

/// The log filter: `RUST_LOG`, else info. actix's HTTP/1 parser logs every malformed request it
/// refuses (answered 400/431) at ERROR: client mistakes, that anyone could use to flood the log
/// with errors. Silenced unless `RUST_LOG` names the module itself.
fn log_filter() -> EnvFilter {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let named = std::env::var("RUST_LOG").is_ok_and(|v| v.contains("actix_http"));
    if !named {
        if let Ok(directive) = "actix_http::h1::dispatcher=off".parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

pub fn init_with(format: LogFormat) {
    let filter = log_filter;
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            // Colour codes only help a person at a terminal; in a log file they are noise.
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            // The request span's fields flattened into every line, so a grep for one request
            // id finds each line of that request, the intake writer's included.
            .with_current_span(true)
            .with_span_list(false)
            // The intake writer and the webhook dispatcher log from threads of their own.
            .with_thread_names(true)
            .try_init(),
    };
}
