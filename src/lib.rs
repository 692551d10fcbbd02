//! Gatehouse: comment moderation for news sites. docs/ARCHITECTURE.md is the map of the modules
//! and which imports which.

pub mod app;
pub mod article_key;
pub mod auth;
pub mod cli;
pub mod config;
pub mod http;
pub mod interchange;
pub mod moderation;
pub mod policy;
pub mod ratelimit;
pub mod rules;
pub mod storage;
pub mod telemetry;
pub mod timestamps;
pub mod webhooks;
