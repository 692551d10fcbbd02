//! When a test whose outside service (PostgreSQL, Redis) is missing may skip, and when it must
//! fail: in CI, or once the service's variable names one, a missing service is a failure.

/// Why this run must have the service `variable` names, if it must: CI is set, or the
/// variable is.
fn required_because(variable: &str) -> Option<String> {
    if std::env::var_os("CI").is_some() {
        Some("CI is set".into())
    } else if configured(variable).is_some() {
        Some(format!("{variable} is set"))
    } else {
        None
    }
}

/// The variable's value, if set and not empty.
pub fn configured(variable: &str) -> Option<String> {
    std::env::var(variable).ok().filter(|v| !v.is_empty())
}

/// Reports a missing service: fails the test when the service is required, otherwise prints
/// why the test is skipped and lets the caller return.
pub fn unavailable(variable: &str, problem: &str) {
    if let Some(reason) = required_because(variable) {
        panic!("{problem} ({reason}, so this test must run, not skip)");
    }
    eprintln!("{problem}: test skipped (set {variable} to run it)");
}
