//! The policy in force: loaded from the policy file, swapped whole (arc-swap) on reload or on
//! an admin's edit, with per-rule hit counts, the last reload error, and an audit entry per
//! change. A file that fails validation or its own examples never replaces the running policy.

use super::changes::{summarize, write_atomically, ChangeSummary, EditError};
use super::counters::RuleHitCounters;
use super::file::{read_source, Policy};
use crate::moderation::ModerationSettings;
use crate::ratelimit::Quotas;
use crate::rules::{RuleSet, RulesError};
use crate::storage::audit::{self, AuditRow};
use crate::storage::{self, outbox, Pool, StorageError};
use crate::timestamps;
use arc_swap::ArcSwap;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use time::PrimitiveDateTime;

/// Who the audit log names for a change found on disk.
pub const FILE_ON_DISK: &str = "file on disk";

/// A version as people see it may be shortened (`rules check` prints 12 characters); no
/// shorter prefix is accepted, so two versions are never confused in practice.
pub const SHORT_VERSION_LEN: usize = 12;

/// One loaded policy file and what its rules have matched since.
pub struct LivePolicy {
    pub rules: Arc<RuleSet>,
    pub quotas: Quotas,
    pub moderation: ModerationSettings,
    pub counters: RuleHitCounters,
    pub source: String,
    pub loaded_at: PrimitiveDateTime,
    list_paths: Vec<PathBuf>,
}

impl LivePolicy {
    fn new(policy: Policy, source: String) -> LivePolicy {
        LivePolicy {
            counters: RuleHitCounters::new(&policy.rules),
            rules: policy.rules,
            quotas: policy.quotas,
            moderation: policy.moderation,
            list_paths: policy.list_paths,
            source,
            loaded_at: timestamps::now(),
        }
    }

    pub fn version(&self) -> &str {
        self.rules.version()
    }

    /// Whether an `If-Match` value names this version: `*` (any current version, RFC 9110), the
    /// full version or a prefix of at least `SHORT_VERSION_LEN`, quoted as an entity tag or not.
    pub fn is_version(&self, version: &str) -> bool {
        let version = version.trim();
        if version == "*" {
            return true;
        }
        let version = version.trim_start_matches("W/").trim_matches('"');
        let full = self.version();
        version == full
            || (version.len() >= SHORT_VERSION_LEN && full.starts_with(&version.to_lowercase()))
    }

    /// The list files its rules read.
    pub fn list_paths(&self) -> &[PathBuf] {
        &self.list_paths
    }
}

/// The last reload that failed, kept until one succeeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReloadError {
    pub at: PrimitiveDateTime,
    pub message: String,
}

pub struct PolicyHandle {
    /// Absolute, so the watcher can match change events against it whatever the working
    /// folder.
    path: PathBuf,
    current: ArcSwap<LivePolicy>,
    last_error: Mutex<Option<ReloadError>>,
    /// Serializes reloads and edits so two never interleave their check-and-swap.
    change: Mutex<()>,
}

impl PolicyHandle {
    /// Loads the policy file; an invalid file is an error (the server does not start).
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let source = read_source(&path)?;
        let policy = Policy::from_source(&path, &source)?;
        Ok(PolicyHandle {
            current: ArcSwap::from_pointee(LivePolicy::new(policy, source)),
            path,
            last_error: Mutex::new(None),
            change: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The policy in force now. Hold the `Arc` for the whole of one judgement so a comment is
    /// judged by exactly one version.
    pub fn current(&self) -> Arc<LivePolicy> {
        self.current.load_full()
    }

    pub fn last_error(&self) -> Option<ReloadError> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_error(&self, message: Option<String>) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) =
            message.map(|message| ReloadError {
                at: timestamps::now(),
                message,
            });
    }

    fn swap(
        &self,
        pool: &Pool,
        policy: Policy,
        source: String,
        actor: &str,
        reason: &str,
    ) -> Result<ChangeSummary, StorageError> {
        let old = self.current();
        let summary = summarize(&old.rules, &policy.rules);
        let row = AuditRow::new(
            actor,
            "rules_changed",
            "rules",
            Some(&summary.new_version),
            timestamps::now(),
        )
        .change(
            Some(json!({"version": summary.old_version})),
            Some(json!({"version": summary.new_version})),
        )
        .reason(Some(reason))
        .details(json!(summary));
        // Audited first: a version nobody can find in the audit log never judges a comment. If
        // the log cannot be written, the running rules stay (a reload is retried on the next
        // change or SIGHUP; an edit's file is then picked up from disk).
        let mut data = json!(summary);
        data["actor"] = json!(actor);
        let event = outbox::OutboxRow::new(
            crate::webhooks::event::RULES_CHANGED,
            None,
            data.to_string(),
            timestamps::now(),
        );
        let mut conn = pool.get()?;
        storage::write_transaction(&mut conn, |conn| {
            audit::append(conn, &[row])?;
            outbox::insert(conn, &[event])
        })?;
        self.current
            .store(Arc::new(LivePolicy::new(policy, source)));
        self.set_error(None);
        tracing::info!(actor, old = %summary.old_version, new = %summary.new_version, "rules swapped");
        let origin = if actor == FILE_ON_DISK { "file" } else { "api" };
        metrics::counter!(crate::telemetry::metrics::RULES_RELOADS, "source" => origin)
            .increment(1);
        Ok(summary)
    }

    /// Re-reads the file on disk (file watcher, SIGHUP). `Ok(None)` when nothing changed. An
    /// invalid file leaves the running policy in place and is reported by `last_error`.
    pub fn reload_from_disk(&self, pool: &Pool) -> Result<Option<ChangeSummary>, RulesError> {
        let _guard = self.change.lock().unwrap_or_else(|p| p.into_inner());
        let loaded = read_source(&self.path).and_then(|source| {
            Policy::from_source(&self.path, &source).map(|policy| (policy, source))
        });
        let (policy, source) = match loaded {
            Ok(pair) => pair,
            Err(err) => {
                tracing::error!(error = %err, "rules reload refused; the previous rules stay in force");
                metrics::counter!(crate::telemetry::metrics::RULES_RELOAD_FAILURES, "source" => "file")
                    .increment(1);
                self.set_error(Some(err.to_string()));
                return Err(err);
            }
        };
        if policy.version() == self.current().version() {
            self.set_error(None);
            return Ok(None);
        }
        self.swap(pool, policy, source, FILE_ON_DISK, "reloaded from disk")
            .map(Some)
            .map_err(|e| {
                let message = format!("rules not swapped: the audit log cannot be written: {e}");
                self.set_error(Some(message.clone()));
                RulesError {
                    file: self.path.clone(),
                    line: None,
                    column: None,
                    rule_id: None,
                    message,
                }
            })
    }

    /// An admin's edit: only over the version they read (`if_match`), validated (examples
    /// included), written atomically, then swapped in.
    pub fn replace(
        &self,
        pool: &Pool,
        source: &str,
        if_match: &str,
        actor: &str,
    ) -> Result<ChangeSummary, EditError> {
        let _guard = self.change.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.current();
        if !current.is_version(if_match) {
            return Err(EditError::Stale {
                expected: if_match.to_string(),
                current: current.version().to_string(),
            });
        }
        let policy = self.compile_candidate(source).map_err(|err| {
            metrics::counter!(crate::telemetry::metrics::RULES_RELOAD_FAILURES, "source" => "api")
                .increment(1);
            EditError::Invalid(err)
        })?;
        write_atomically(&self.path, source)?;
        Ok(self.swap(
            pool,
            policy,
            source.to_string(),
            actor,
            "edited through the admin API",
        )?)
    }

    /// Compiles a candidate source as this file (list files from its folder) without touching
    /// anything.
    pub fn compile_candidate(&self, source: &str) -> Result<Policy, RulesError> {
        Policy::from_source(&self.path, source)
    }
}
