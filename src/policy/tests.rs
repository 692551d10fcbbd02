//! Tests of reading a policy file: its own tables (`[rate_limits]`, `[moderation]`), list files
//! from its folder, and errors that name the file and line.

use super::*;
use crate::moderation::BanAction;
use std::path::Path;

const HEAD: &str = r#"[thresholds]
hold = 5.0
reject = 10.0

[rate_limits]
per_ip      = { burst = 5,   rate = 10,   per = "minute" }
per_author  = { burst = 3,   rate = 6,    per = "minute" }
per_article = { burst = 60,  rate = 600,  per = "minute" }
global      = { burst = 300, rate = 6000, per = "minute" }
"#;

const SPAM_LIST_RULE: &str = "\n[[rule]]\nid = \"spam\"\ndescription = \"Spam\"\nkind = \"words\"\naction = \"reject\"\nfiles = [\"rules/spam.txt\"]\n";

fn load_err(src: &str) -> crate::rules::RulesError {
    Policy::from_source(Path::new("/nonexistent-dir/rules.toml"), src).unwrap_err()
}

#[test]
fn reads_quotas_and_default_moderation_settings() {
    let policy = Policy::from_source(Path::new("rules.toml"), HEAD).unwrap();
    assert_eq!(policy.quotas.per_ip.burst, 5);
    assert_eq!(policy.quotas.flags.burst, 10, "flags default to 10 at once");
    assert_eq!(policy.moderation.flag_threshold, 3);
    assert_eq!(policy.moderation.ban_action, BanAction::Reject);
    assert_eq!(policy.version(), policy.rules.version());
}

#[test]
fn reads_the_moderation_table() {
    let src = format!("{HEAD}\n[moderation]\nflag_threshold = 5\nban_action = \"hold\"\n");
    let policy = Policy::from_source(Path::new("rules.toml"), &src).unwrap();
    assert_eq!(policy.moderation.flag_threshold, 5);
    assert_eq!(policy.moderation.ban_action, BanAction::Hold);
}

#[test]
fn reads_the_url_rule_and_refuses_its_unknown_keys() {
    let src = format!("{HEAD}\n[moderation.article_urls]\nkeep_query = [\"p\"]\nkeep_www = true\n");
    let policy = Policy::from_source(Path::new("rules.toml"), &src).unwrap();
    assert_eq!(policy.moderation.article_urls.keep_query, ["p"]);
    assert!(policy.moderation.article_urls.keep_www);
    let e = load_err(&format!(
        "{HEAD}\n[moderation.article_urls]\nkeep_fragment = true\n"
    ));
    assert!(e.message.contains("keep_fragment"), "{}", e.message);
    let e = load_err(&format!(
        "{HEAD}\n[moderation.article_urls]\nkeep_query = [\"\"]\n"
    ));
    assert!(e.message.contains("empty"), "{}", e.message);
}

#[test]
fn requires_the_rate_limits_table() {
    let e = load_err("[thresholds]\nhold = 1\nreject = 2\n");
    assert!(e.message.contains("rate_limits"), "{}", e.message);
}

#[test]
fn refuses_zero_burst_or_rate_at_the_table() {
    let e = load_err(&HEAD.replace("burst = 5,", "burst = 0,"));
    assert!(e.message.contains("per_ip"), "{}", e.message);
    assert_eq!(e.line, Some(5));
}

#[test]
fn refuses_a_zero_flag_threshold() {
    let e = load_err(&format!("{HEAD}\n[moderation]\nflag_threshold = 0\n"));
    assert!(e.message.contains("flag_threshold"), "{}", e.message);
    assert_eq!(e.line, Some(11));
}

#[test]
fn refuses_unknown_tables_naming_them() {
    let e = load_err(&format!("{HEAD}\n[moderaton]\nflag_threshold = 2\n"));
    assert!(e.message.contains("moderaton"), "{}", e.message);
}

#[test]
fn reads_list_files_from_the_folder_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/spam.txt"), "cheap pills\n").unwrap();
    let path = dir.path().join("moderation_rules.toml");
    std::fs::write(&path, format!("{HEAD}{SPAM_LIST_RULE}")).unwrap();
    let policy = Policy::load(&path).unwrap();
    assert_eq!(policy.list_paths, vec![dir.path().join("rules/spam.txt")]);
    let verdict = policy.rules.evaluate(&crate::rules::CommentInput::sample(
        "cheap pills",
        "a",
        None,
        false,
    ));
    assert_eq!(verdict.decision, crate::rules::Decision::Reject);
}

#[test]
fn names_a_missing_list_file_with_its_path() {
    let e = load_err(&format!("{HEAD}{SPAM_LIST_RULE}"));
    assert!(e.message.contains("rules/spam.txt"), "{}", e.message);
    assert!(e.message.contains("/nonexistent-dir"), "{}", e.message);
    assert_eq!(e.rule_id.as_deref(), Some("spam"));
}

#[test]
fn reports_a_missing_policy_file() {
    let e = Policy::load(Path::new("/nonexistent/moderation_rules.toml")).unwrap_err();
    assert!(e.file.ends_with("moderation_rules.toml"));
}

#[test]
fn a_handle_resolves_a_bare_file_name_against_the_working_folder() {
    // A relative `--rules moderation_rules.toml` must name the same file the watcher sees.
    let handle = PolicyHandle::load(Path::new("moderation_rules.toml")).unwrap();
    assert!(handle.path().is_absolute());
    assert_eq!(
        handle.path(),
        std::env::current_dir()
            .unwrap()
            .join("moderation_rules.toml")
    );
}

#[test]
fn a_version_may_be_shortened_to_twelve_characters() {
    let handle = PolicyHandle::load(Path::new("moderation_rules.toml")).unwrap();
    let live = handle.current();
    let version = live.version().to_string();
    assert!(live.is_version(&version));
    assert!(live.is_version(&version[..SHORT_VERSION_LEN]));
    assert!(live.is_version(&version[..SHORT_VERSION_LEN].to_uppercase()));
    assert!(!live.is_version(&version[..SHORT_VERSION_LEN - 1]));
    assert!(!live.is_version("0123456789ab"));
    assert!(live.is_version("*"), "If-Match: * is any current version");
    assert!(live.is_version(&format!("\"{version}\"")), "an entity tag");
    assert!(!live.is_version("\"0123456789ab\""));
}

#[test]
fn list_files_must_stay_inside_the_folder_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "hunter2 topsecret\n").unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("rules/leak.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("rules/out")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("rules/zero.txt")).unwrap();
    std::fs::create_dir(dir.path().join("rules/folder.txt")).unwrap();
    let fifo = dir.path().join("rules/fifo.txt");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let path = dir.path().join("moderation_rules.toml");
    let secret = outside.path().join("secret.txt");
    let missing_outside = outside.path().join("nothing-here.txt");
    let escape = format!(
        "../{}/secret.txt",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    let names = [
        secret.display().to_string(),
        "/etc/passwd".to_string(),
        "/proc/self/environ".to_string(),
        "/dev/zero".to_string(),
        escape,
        "rules/../../etc/hostname".to_string(),
        "rules/leak.txt".to_string(),
        "rules/out/secret.txt".to_string(),
        "rules/zero.txt".to_string(),
    ];
    let mut outside_messages = Vec::new();
    for name in names {
        let rule = SPAM_LIST_RULE.replace("rules/spam.txt", &name);
        let e = Policy::from_source(&path, &format!("{HEAD}{rule}")).unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(
            e.message.contains("no such file in"),
            "{name}: {}",
            e.message
        );
        outside_messages.push(e.message.replace(&name, "NAME"));
    }
    // A path outside that exists and one that does not get the same answer.
    let gone = SPAM_LIST_RULE.replace("rules/spam.txt", &missing_outside.display().to_string());
    let e = Policy::from_source(&path, &format!("{HEAD}{gone}")).unwrap_err();
    assert_eq!(
        e.message
            .replace(&missing_outside.display().to_string(), "NAME"),
        outside_messages[0]
    );
    // Inside, but not a regular file: refused without reading (a FIFO would hang).
    for name in ["rules/fifo.txt", "rules/folder.txt"] {
        let rule = SPAM_LIST_RULE.replace("rules/spam.txt", name);
        let e = Policy::from_source(&path, &format!("{HEAD}{rule}")).unwrap_err();
        assert!(e.message.contains("regular files"), "{name}: {}", e.message);
    }
}

#[test]
fn list_files_have_a_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    let big = std::fs::File::create(dir.path().join("rules/spam.txt")).unwrap();
    big.set_len(super::file::MAX_LIST_FILE_BYTES + 1).unwrap();
    let path = dir.path().join("moderation_rules.toml");
    let e = Policy::from_source(&path, &format!("{HEAD}{SPAM_LIST_RULE}")).unwrap_err();
    assert!(e.message.contains("at most"), "{}", e.message);
}
