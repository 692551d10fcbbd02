//! Logging set-up: `tracing` to stderr, filtered by `RUST_LOG` (default `info`).

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // actix's HTTP/1 parser logs every malformed request it refuses (answered 400/431) at
    // ERROR: client mistakes, that anyone could use to flood the log with errors. Silenced
    // unless RUST_LOG names the module itself.
    let named = std::env::var("RUST_LOG").is_ok_and(|v| v.contains("actix_http"));
    if !named {
        if let Ok(directive) = "actix_http::h1::dispatcher=off".parse() {
            filter = filter.add_directive(directive);
        }
    }
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only help a person at a terminal; in a log file they are noise.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
