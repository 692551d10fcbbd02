//! Starting up: the binary's commands and their help, refusing a bad rules file or database URL
//! with a message that says where the problem is, refusing to create a database anywhere but
//! `serve` and `migrate`, the start-up log, and the SQLite durability settings.

use crate::helpers::{repo_path, GENEROUS_LIMITS, TEST_PASSWORD, TEST_RULES};
use diesel::RunQueryDsl;
use gatehouse::app::{Application, StartupError};
use gatehouse::config::ServeConfig;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn gatehouse() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    for setting in [
        "GATEHOUSE_DATABASE_URL",
        "GATEHOUSE_RULES",
        "GATEHOUSE_DB_POOL_SIZE",
    ] {
        command.env_remove(setting);
    }
    command
}

fn help(args: &[&str]) -> String {
    let output = gatehouse().args(args).arg("--help").output().unwrap();
    assert!(output.status.success(), "{args:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

#[test]
fn serve_help_documents_every_option() {
    let output = gatehouse().args(["serve", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--bind",
        "--database-url",
        "--rules",
        "--trusted-proxy",
        "--cors-origin",
        "--body-limit",
        "--db-pool-size",
        "GATEHOUSE_BIND",
        "GATEHOUSE_DATABASE_URL",
        "GATEHOUSE_RULES",
    ] {
        assert!(
            help.contains(option),
            "serve --help lacks {option}:\n{help}"
        );
    }
}

#[test]
fn help_describes_every_argument_and_shows_examples() {
    let rules = help(&["rules"]);
    assert!(!rules.contains("no server or database"), "{rules}");
    assert!(
        rules.contains("backtest replays the comments stored in a database"),
        "{rules}"
    );
    let add = help(&["user", "add"]);
    for described in [
        "<USERNAME>  The account's name",
        "--role <ROLE>  ",
        "moderator:",
    ] {
        assert!(add.contains(described), "{described:?} not in {add}");
    }
    let passwd = help(&["user", "passwd"]);
    assert!(
        passwd.contains("--password-stdin               Read the password"),
        "{passwd}"
    );
    for command in [
        &["serve"][..],
        &["migrate"],
        &["migrate-data"],
        &["user", "add"],
        &["user", "list"],
        &["rules", "check"],
        &["rules", "test"],
        &["rules", "eval"],
        &["rules", "backtest"],
    ] {
        let text = help(command);
        assert!(
            text.contains("Example"),
            "{command:?} shows no example:\n{text}"
        );
        let pooled = text.contains("--db-pool-size");
        assert_eq!(pooled, command == ["serve"], "{command:?}:\n{text}");
    }
}

#[test]
fn commands_other_than_serve_and_migrate_refuse_a_missing_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gatehous.db");
    let url = sqlite_url(&missing);
    let rules = repo_path("moderation_rules.toml");
    let rules = rules.to_str().unwrap();
    let target = sqlite_url(&dir.path().join("copy.db"));
    let commands: [&[&str]; 5] = [
        &["user", "list", "--database-url", &url],
        &["user", "disable", "jane", "--database-url", &url],
        &[
            "user",
            "add",
            "jane",
            "--role",
            "moderator",
            "--password-stdin",
            "--database-url",
            &url,
        ],
        &[
            "rules",
            "backtest",
            rules,
            "--live",
            rules,
            "--database-url",
            &url,
        ],
        &["migrate-data", "--from", &url, "--to", &target],
    ];
    for args in commands {
        let output = gatehouse()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert!(
            message.contains(&missing.display().to_string()) && message.contains("no database"),
            "{args:?}: {message}"
        );
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
    // `migrate-data` may create its target, which must be empty anyway; it did not get there.
    assert!(!dir.path().join("copy.db").exists());
}

#[test]
fn user_disable_refuses_the_last_active_admin() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("g.db"));
    let add = |name: &str| {
        let mut child = gatehouse()
            .args(["user", "add", name, "--role", "admin", "--password-stdin"])
            .args(["--database-url", &url])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{TEST_PASSWORD}").unwrap();
        assert!(child.wait().unwrap().success());
    };
    assert!(gatehouse()
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap()
        .status
        .success());
    add("chief");
    let output = gatehouse()
        .args(["user", "disable", "chief", "--database-url", &url])
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("last active admin"), "{message}");
    add("deputy");
    let output = gatehouse()
        .args(["user", "disable", "chief", "--database-url", &url])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn user_add_without_a_terminal_says_to_use_password_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("g.db"));
    assert!(gatehouse()
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap()
        .status
        .success());
    let output = gatehouse()
        .args([
            "user",
            "add",
            "jane",
            "--role",
            "moderator",
            "--database-url",
            &url,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("--password-stdin"), "{message}");
    assert!(!message.contains("os error"), "{message}");
}

#[test]
fn startup_log_names_the_port_database_and_rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site_rules.toml");
    std::fs::write(&rules, format!("{TEST_RULES}\n{GENEROUS_LIMITS}")).unwrap();
    let database = dir.path().join("site.db");
    let mut child = gatehouse()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-watch-rules",
            "--rules",
        ])
        .arg(&rules)
        .args(["--database-url", &sqlite_url(&database)])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut listening = None;
    for line in log.lines() {
        let line = line.unwrap();
        if line.contains("listening") {
            listening = Some(line);
            break;
        }
        seen.push(line);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let line = listening.unwrap_or_else(|| panic!("no listening line in {seen:#?}"));
    assert!(line.contains("port="), "{line}");
    assert!(
        line.contains(&format!("database=sqlite://{}", database.display())),
        "{line}"
    );
    assert!(
        line.contains(&format!("rules={}", rules.display())),
        "{line}"
    );
}

#[test]
fn migrate_creates_and_migrates_a_new_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let url = format!("sqlite://{}", db.display());
    let output = gatehouse()
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut conn = gatehouse::storage::DatabaseUrl::parse(&url)
        .unwrap()
        .establish()
        .unwrap();
    let rows = diesel::sql_query("SELECT id FROM comments")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(rows, 0);
    // Running it again is a no-op, not an error.
    assert!(gatehouse()
        .args(["migrate", "--database-url", &url])
        .status()
        .unwrap()
        .success());
}

#[test]
fn serve_refuses_an_invalid_rules_file_naming_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("broken_rules.toml");
    let source = format!(
        "{TEST_RULES}\n{GENEROUS_LIMITS}\n[[rule]]\nid = \"bad.regex\"\ndescription = \"broken\"\n\
         kind = \"regex\"\naction = \"hold\"\nweight = 1.0\npatterns = ['(unclosed']\n"
    );
    std::fs::write(&rules, &source).unwrap();
    let output = gatehouse()
        .args(["serve", "--bind", "127.0.0.1:0", "--rules"])
        .arg(&rules)
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.path().join("g.db").display()))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken_rules.toml"), "{stderr}");
    assert!(stderr.contains("bad.regex"), "{stderr}");
    let rule_line = source
        .lines()
        .position(|l| l.contains("bad.regex"))
        .unwrap()
        + 1;
    let lines_mentioned =
        (rule_line.saturating_sub(1)..=rule_line + 6).any(|l| stderr.contains(&format!(":{l}")));
    assert!(
        lines_mentioned,
        "expected a line near {rule_line}: {stderr}"
    );
}

#[test]
fn build_reports_an_unknown_database_scheme() {
    let mut config = ServeConfig::with_defaults();
    config.rules = repo_path("moderation_rules.toml");
    config.database.database_url = "mysql://localhost/x".into();
    config.bind = "127.0.0.1:0".into();
    match Application::build(&config) {
        Err(StartupError::Storage(err)) => assert!(err.to_string().contains("sqlite://"), "{err}"),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("started with a mysql URL"),
    }
}

#[test]
fn sqlite_connections_are_durable_and_enforce_foreign_keys() {
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let dir = tempfile::tempdir().unwrap();
    let url = gatehouse::storage::DatabaseUrl::parse(&format!(
        "sqlite://{}",
        dir.path().join("d.db").display()
    ))
    .unwrap();
    let mut conn = url.establish().unwrap();
    let mut read = |pragma: &str| -> String {
        diesel::sql_query(format!("SELECT CAST({pragma} AS TEXT) AS value"))
            .get_result::<Setting>(&mut conn)
            .unwrap()
            .value
    };
    assert_eq!(
        read("(SELECT journal_mode FROM pragma_journal_mode)"),
        "wal"
    );
    assert_eq!(
        read("(SELECT synchronous FROM pragma_synchronous)"),
        "2",
        "FULL"
    );
    assert_eq!(read("(SELECT foreign_keys FROM pragma_foreign_keys)"), "1");
    let timeout: i64 = read("(SELECT timeout FROM pragma_busy_timeout)")
        .parse()
        .unwrap();
    assert!(timeout >= 5000);
}
