//! Gatehouse's integration tests: the real app over real HTTP on SQLite and PostgreSQL.

mod helpers;

mod bad_input;
mod cors_and_proxies;
mod default_rules;
mod intake;
mod listing;
mod migrations;
mod openapi_and_health;
mod rate_limits;
mod rules_cli;
mod startup_and_cli;
