//! The optional config file (`--config gatehouse.toml`): every `serve` setting under the name of
//! its flag (with `_` for `-`), checked strictly at start (unknown keys refused, each error with
//! its line), and `[[webhook]]` endpoints. Flags and `GATEHOUSE_*` variables override the file;
//! the file overrides the defaults.

use super::{validate_cors_origin, ServeConfig, WebhookEndpoint};
use crate::ratelimit::ClientIpHeader;
use crate::telemetry::LogFormat;
use clap::parser::ValueSource;
use clap::ArgMatches;
use ipnet::IpNet;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file as written: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    bind: Option<String>,
    database_url: Option<String>,
    db_pool_size: Option<u32>,
    rules: Option<PathBuf>,
    trusted_proxies: Option<Vec<IpNet>>,
    client_ip_header: Option<ClientIpHeader>,
    cors_origins: Option<Vec<CorsOrigin>>,
    body_limit: Option<usize>,
    rules_body_limit: Option<usize>,
    body_timeout_secs: Option<u64>,
    max_connections_per_address: Option<usize>,
    no_watch_rules: Option<bool>,
    session_idle_minutes: Option<u64>,
    session_max_hours: Option<u64>,
    workers: Option<usize>,
    intake_queue: Option<usize>,
    intake_batch: Option<usize>,
    redis_url: Option<String>,
    redis_prefix: Option<String>,
    log_format: Option<LogFormat>,
    metrics_bind: Option<String>,
    metrics_token: Option<String>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    webhook_events: Option<Vec<String>>,
    webhook_first_retry_ms: Option<u64>,
    #[serde(default)]
    webhook: Vec<WebhookEndpoint>,
}

/// A CORS origin, checked where it is read so the error names its line.
#[derive(Debug, Clone)]
struct CorsOrigin(String);

impl<'de> Deserialize<'de> for CorsOrigin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let origin = String::deserialize(d)?;
        validate_cors_origin(&origin).map_err(serde::de::Error::custom)?;
        Ok(CorsOrigin(origin))
    }
}

/// What `config check` reports of a valid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub settings: usize,
    pub webhooks: usize,
}

/// Reads and checks `path`. The error names the file and the line at fault.
pub fn read(path: &Path) -> Result<(FileConfig, FileSummary), String> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&source).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses and checks a config file's text.
pub fn parse(source: &str) -> Result<(FileConfig, FileSummary), String> {
    let table: toml::Table = source.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let file: FileConfig = toml::from_str(source).map_err(|e| e.to_string())?;
    for (i, endpoint) in file.webhook.iter().enumerate() {
        endpoint
            .validate()
            .map_err(|e| format!("{} ([[webhook]] number {})", e, i + 1))
            .map_err(|e| with_line(source, "[[webhook]]", i, e))?;
    }
    let mut names: Vec<&str> = file.webhook.iter().map(|w| w.name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|p| p[0] == p[1]) {
        return Err(format!("two [[webhook]] endpoints are named {:?}", pair[0]));
    }
    let summary = FileSummary {
        settings: table.keys().filter(|k| *k != "webhook").count(),
        webhooks: file.webhook.len(),
    };
    Ok((file, summary))
}

/// Prefixes `message` with the line of the `index`th `header` in `source`.
fn with_line(source: &str, header: &str, index: usize, message: String) -> String {
    let line = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(index)
        .map(|(n, _)| n + 1);
    match line {
        Some(line) => format!("line {line}: {message}"),
        None => message,
    }
}

/// `gatehouse config check`: reads `path` as `serve --config` would, webhooks included.
pub fn check(path: &Path) -> Result<FileSummary, String> {
    use clap::{CommandFactory, FromArgMatches};
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        config: ServeConfig,
    }
    let (file, summary) = read(path)?;
    let matches = Wrapper::command()
        .try_get_matches_from(["gatehouse"])
        .map_err(|e| e.to_string())?;
    let mut config = Wrapper::from_arg_matches(&matches)
        .map_err(|e| e.to_string())?
        .config;
    apply(file, &matches, &mut config);
    config
        .webhook_endpoints()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(summary)
}

/// Fills every setting of `config` that was not given as a flag or a variable from `file`.
pub fn apply(file: FileConfig, matches: &ArgMatches, config: &mut ServeConfig) {
    let unset = |id: &str| {
        !matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    };
    macro_rules! take {
        ($($key:ident => $($field:ident).+),* $(,)?) => {$(
            if let Some(value) = file.$key {
                if unset(stringify!($key)) {
                    config.$($field).+ = value.into();
                }
            }
        )*};
    }
    take!(
        bind => bind,
        database_url => database.database_url,
        db_pool_size => database.db_pool_size,
        rules => rules,
        trusted_proxies => trusted_proxies,
        client_ip_header => client_ip_header,
        body_limit => body_limit,
        rules_body_limit => rules_body_limit,
        body_timeout_secs => body_timeout_secs,
        max_connections_per_address => max_connections_per_address,
        no_watch_rules => no_watch_rules,
        session_idle_minutes => session_idle_minutes,
        session_max_hours => session_max_hours,
        workers => workers,
        intake_queue => intake_queue,
        intake_batch => intake_batch,
        redis_url => redis_url,
        redis_prefix => redis_prefix,
        log_format => log_format,
        metrics_bind => metrics_bind,
        metrics_token => metrics_token,
        webhook_url => webhook_url,
        webhook_secret => webhook_secret,
        webhook_events => webhook_events,
        webhook_first_retry_ms => webhook_first_retry_ms,
    );
    if let Some(origins) = file.cors_origins {
        if unset("cors_origins") {
            config.cors_origins = origins.into_iter().map(|o| o.0).collect();
        }
    }
    config.webhooks = file.webhook;
}

/// Every key the file accepts besides `[[webhook]]`, for the test that keeps it in step with
/// the flags of `serve`.
pub const KEYS: [&str; 26] = [
    "bind",
    "database_url",
    "db_pool_size",
    "rules",
    "trusted_proxies",
    "client_ip_header",
    "cors_origins",
    "body_limit",
    "rules_body_limit",
    "body_timeout_secs",
    "max_connections_per_address",
    "no_watch_rules",
    "session_idle_minutes",
    "session_max_hours",
    "workers",
    "intake_queue",
    "intake_batch",
    "redis_url",
    "redis_prefix",
    "log_format",
    "metrics_bind",
    "metrics_token",
    "webhook_url",
    "webhook_secret",
    "webhook_events",
    "webhook_first_retry_ms",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_flag_ids() -> Vec<String> {
        use clap::CommandFactory;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: ServeConfig,
        }
        Wrapper::command()
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .filter(|id| id != "config")
            .collect()
    }

    #[test]
    fn every_serve_flag_has_a_key_in_the_file() {
        let mut flags = serve_flag_ids();
        flags.sort();
        let mut keys: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        keys.sort();
        assert_eq!(flags, keys);
    }

    #[test]
    fn the_example_file_passes_the_check_and_sets_every_key() {
        let source = include_str!("../../gatehouse.example.toml");
        let (_, summary) = parse(source).expect("the example file is valid");
        assert!(summary.webhooks >= 1);
        let table: toml::Table = source.parse().unwrap();
        for key in KEYS {
            let documented = table.contains_key(key) || source.contains(&format!("# {key} ="));
            assert!(documented, "gatehouse.example.toml documents {key}");
        }
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let err = parse("bind = \"127.0.0.1:8080\"\n\nbnid = \"x\"\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("bnid"), "{err}");
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused_with_its_line() {
        let err = parse("db_pool_size = \"eight\"\n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        let err = parse("\ncors_origins = [\"news.example.com\"]\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("http"), "{err}");
    }

    #[test]
    fn a_webhook_without_a_standard_secret_is_refused_with_its_line() {
        let source = "bind = \"x\"\n[[webhook]]\nname = \"a\"\nurl = \"https://x.example\"\nsecret = \"hunter2\"\nevents = [\"comment.held\"]\n";
        let err = parse(source).unwrap_err();
        assert!(err.contains("line 2") && err.contains("whsec_"), "{err}");
    }

    #[test]
    fn flags_and_variables_override_the_file_and_the_file_overrides_defaults() {
        use clap::{CommandFactory, FromArgMatches};
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: ServeConfig,
        }
        let matches = Wrapper::command()
            .try_get_matches_from(["gatehouse", "--bind", "127.0.0.1:9999"])
            .unwrap();
        let mut config = Wrapper::from_arg_matches(&matches).unwrap().config;
        let (file, _) =
            parse("bind = \"0.0.0.0:80\"\ndb_pool_size = 3\nlog_format = \"json\"\n").unwrap();
        apply(file, &matches, &mut config);
        assert_eq!(config.bind, "127.0.0.1:9999");
        assert_eq!(config.database.db_pool_size, 3);
        assert_eq!(config.log_format, LogFormat::Json);
    }
}
