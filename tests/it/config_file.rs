//! The config file as an operator uses it: `gatehouse config check` on the example shipped in
//! the repository and on a broken file (the line at fault), and `serve --config`.

use crate::helpers::repo_path;
use std::process::Command;

fn gatehouse(args: &[&str], folder: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .current_dir(folder)
        .output()
        .expect("run gatehouse")
}

#[test]
fn the_example_config_file_passes_the_check() {
    let example = repo_path("gatehouse.example.toml");
    let output = gatehouse(
        &["config", "check", example.to_str().unwrap()],
        &repo_path(""),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("ok"), "{stdout}");
    assert!(stdout.contains("2 webhook endpoints"), "{stdout}");
}

#[test]
fn a_broken_config_file_is_refused_with_the_line_at_fault() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("gatehouse.toml"),
        "bind = \"127.0.0.1:8080\"\n# a comment\ndb_pool_sise = 4\n",
    )
    .unwrap();
    let output = gatehouse(&["config", "check"], folder.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("db_pool_sise"), "{stderr}");

    // `serve` refuses it the same way, before opening anything.
    let output = gatehouse(&["serve", "--config", "gatehouse.toml"], folder.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(!folder.path().join("gatehouse.db").exists());
}

#[test]
fn a_webhook_with_an_unknown_event_fails_the_check() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("gatehouse.toml"),
        "[[webhook]]\nname = \"n\"\nurl = \"https://hooks.example.com/x\"\n\
         secret = \"whsec_ZXhhbXBsZS1zZWNyZXQtcmVwbGFjZS1tZS0zMmJ5dGU=\"\n\
         events = [\"comment.eaten\"]\n",
    )
    .unwrap();
    let output = gatehouse(&["config", "check"], folder.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("line 1") && stderr.contains("comment.eaten"),
        "{stderr}"
    );
}
