//! Command-line tools beside `serve`: account management and (later) rules tooling.

pub mod users;
