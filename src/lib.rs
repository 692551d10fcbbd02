//! Gatehouse: comment moderation for news sites. See DESIGN.md for the module map.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod http;
pub mod live_rules;
pub mod moderation;
pub mod ratelimit;
pub mod reload;
pub mod rules;
pub mod storage;
pub mod telemetry;
