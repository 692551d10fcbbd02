//! Gatehouse: comment moderation for news sites. See DESIGN.md for the module map.

pub mod app;
pub mod cli;
pub mod config;
pub mod http;
pub mod moderation;
pub mod ratelimit;
pub mod rules;
pub mod storage;
pub mod telemetry;
