//! Gatehouse's integration tests: the real app over real HTTP on SQLite and PostgreSQL.

mod helpers;
mod postgres_support;
mod redis_support;
mod serve_process;
mod services;

mod accounts_and_login;
mod admin_rules;
mod authorization;
mod backtest;
mod backup;
mod bad_input;
mod browser;
mod cors_and_proxies;
mod crash;
mod default_rules;
mod flags_and_bans;
mod idempotency;
mod intake;
mod learning;
mod listing;
mod migrate_data;
mod migrations;
mod openapi_and_health;
mod overload;
mod pages_and_assets;
mod queue_and_decisions;
mod rate_limits;
mod redis_limits;
mod rules_check_api;
mod rules_cli;
mod scale_out;
mod shutdown;
mod startup_and_cli;
