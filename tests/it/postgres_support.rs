//! A PostgreSQL for tests: GATEHOUSE_TEST_POSTGRES_URL names a server on which each test gets
//! a database of its own, dropped when the test ends.

use crate::services;
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::sync::OnceLock;

const VARIABLE: &str = "GATEHOUSE_TEST_POSTGRES_URL";

/// The server to create test databases on, checked to answer. `None` (the test is skipped,
/// with a message) only outside CI with the variable unset; otherwise a missing or unreachable
/// server fails the test.
pub fn postgres_admin_url() -> Option<String> {
    // Checked once per test process (nextest runs each test in its own).
    static CHECKED: OnceLock<Option<String>> = OnceLock::new();
    CHECKED.get_or_init(check_server).clone()
}

fn check_server() -> Option<String> {
    let Some(url) = services::configured(VARIABLE) else {
        services::unavailable(VARIABLE, &format!("{VARIABLE} is not set"));
        return None;
    };
    if let Err(err) = PgConnection::establish(&url) {
        services::unavailable(
            VARIABLE,
            &format!("no PostgreSQL at {VARIABLE}={url}: {err}"),
        );
        return None;
    }
    Some(url)
}

/// A uniquely named PostgreSQL database, dropped with the test.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl TestDatabase {
    /// A new, empty (not even migrated) database. Only for tests that checked
    /// `postgres_admin_url` first.
    pub fn create() -> Self {
        let admin_url = postgres_admin_url().expect("checked by the caller");
        let name = format!("gatehouse_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .expect("create test database");
        // Same server and options (e.g. `?sslmode=disable`), another database.
        let (path, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
        let base = path.rsplit_once('/').map(|(base, _)| base).unwrap_or(path);
        let url = if query.is_empty() {
            format!("{base}/{name}")
        } else {
            format!("{base}/{name}?{query}")
        };
        TestDatabase {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}
