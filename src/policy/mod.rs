//! The moderation policy file (`moderation_rules.toml`): reading the whole file (the rules
//! tables go to the pure `rules` engine; `[rate_limits]` and `[moderation]` are the quotas and
//! site settings), the handle to the version in force, hot reload (file watch and SIGHUP),
//! per-rule hit counters, and audited edits.
//!
//! Modules: `file` (parse and compile one file), `handle` (the version in force, reloads and
//! edits), `changes` (what a change did; atomic writes), `reload` (watcher and SIGHUP),
//! `counters` (live and shadow hits per rule).

mod changes;
mod counters;
mod file;
mod handle;
pub mod reload;

#[cfg(test)]
mod tests;

pub use changes::{ChangeSummary, EditError};
pub use counters::{RuleHitCount, RuleHitCounters};
pub use file::Policy;
pub use handle::{LivePolicy, PolicyHandle, ReloadError, FILE_ON_DISK, SHORT_VERSION_LEN};
