//! The rules in force: loaded from the rules file, swapped whole (arc-swap) on reload or on an
//! admin's edit, with per-rule hit counts, the last reload error, and an audit entry per change.
//! A file that fails validation or its own examples never replaces the running rules.

use crate::rules::{RuleHitCounters, RuleInfo, RuleSet, RulesError};
use crate::storage::audit::{self, AuditRow};
use crate::storage::{Pool, StorageError};
use arc_swap::ArcSwap;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use time::PrimitiveDateTime;

/// Who the audit log names for a change found on disk.
pub const FILE_ON_DISK: &str = "file on disk";

/// One loaded rules file and what it has matched since.
pub struct LiveRules {
    pub set: Arc<RuleSet>,
    pub counters: RuleHitCounters,
    pub source: String,
    pub loaded_at: PrimitiveDateTime,
}

/// The last reload that failed, kept until one succeeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReloadError {
    pub at: PrimitiveDateTime,
    pub message: String,
}

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the rules changed since version {expected}; the current version is {current}")]
    Stale { expected: String, current: String },
    #[error("{0}")]
    Invalid(RulesError),
    #[error("could not write the rules file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a change did, for the audit log and the caller.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangeSummary {
    pub old_version: String,
    pub new_version: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub thresholds_changed: bool,
}

pub struct RulesHandle {
    path: PathBuf,
    current: ArcSwap<LiveRules>,
    last_error: Mutex<Option<ReloadError>>,
    /// Serializes reloads and edits so two never interleave their check-and-swap.
    change: Mutex<()>,
}

fn live(set: RuleSet, source: String) -> LiveRules {
    LiveRules {
        counters: RuleHitCounters::new(&set),
        set: Arc::new(set),
        source,
        loaded_at: crate::clock::now(),
    }
}

fn compile(path: &Path, source: &str) -> Result<RuleSet, RulesError> {
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    RuleSet::from_source(source, base, path)
}

fn read(path: &Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path).map_err(|e| RulesError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        rule_id: None,
        message: e.to_string(),
    })
}

fn summarize(old: &RuleSet, new: &RuleSet) -> ChangeSummary {
    let key = |r: &RuleInfo| {
        (
            r.id.clone(),
            format!(
                "{:?}|{:?}|{}|{:?}|{}|{:?}",
                r.kind, r.action, r.weight, r.mode, r.enabled, r.description
            ),
        )
    };
    let old_rules: Vec<(String, String)> = old.rules().iter().map(key).collect();
    let new_rules: Vec<(String, String)> = new.rules().iter().map(key).collect();
    let find = |list: &[(String, String)], id: &str| {
        list.iter().find(|(i, _)| i == id).map(|(_, k)| k.clone())
    };
    ChangeSummary {
        old_version: old.version().to_string(),
        new_version: new.version().to_string(),
        added: new_rules
            .iter()
            .filter(|(id, _)| find(&old_rules, id).is_none())
            .map(|(id, _)| id.clone())
            .collect(),
        removed: old_rules
            .iter()
            .filter(|(id, _)| find(&new_rules, id).is_none())
            .map(|(id, _)| id.clone())
            .collect(),
        changed: new_rules
            .iter()
            .filter(|(id, k)| find(&old_rules, id).is_some_and(|old| old != *k))
            .map(|(id, _)| id.clone())
            .collect(),
        thresholds_changed: old.thresholds() != new.thresholds(),
    }
}

/// Writes a file so that readers see the old or the new content, never a mix, and the new
/// content survives a crash once this returns.
fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::now_v7().simple()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

impl RulesHandle {
    /// Loads the rules file; an invalid file is an error (the server does not start).
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let source = read(path)?;
        let set = compile(path, &source)?;
        Ok(RulesHandle {
            path: path.to_path_buf(),
            current: ArcSwap::from_pointee(live(set, source)),
            last_error: Mutex::new(None),
            change: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rules in force now. Hold the `Arc` for the whole of one judgement so a comment is
    /// judged by exactly one version.
    pub fn current(&self) -> Arc<LiveRules> {
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
                at: crate::clock::now(),
                message,
            });
    }

    fn swap(
        &self,
        pool: &Pool,
        set: RuleSet,
        source: String,
        actor: &str,
        reason: &str,
    ) -> Result<ChangeSummary, StorageError> {
        let old = self.current();
        let summary = summarize(&old.set, &set);
        let row = AuditRow::new(
            actor,
            "rules_changed",
            "rules",
            Some(&summary.new_version),
            crate::clock::now(),
        )
        .change(
            Some(json!({"version": summary.old_version})),
            Some(json!({"version": summary.new_version})),
        )
        .reason(Some(reason))
        .details(json!(summary));
        self.current.store(Arc::new(live(set, source)));
        self.set_error(None);
        tracing::info!(actor, old = %summary.old_version, new = %summary.new_version, "rules swapped");
        // The swap stands even if the audit write fails: the running rules must match the file.
        let mut conn = pool.get()?;
        audit::append(&mut conn, &[row])?;
        Ok(summary)
    }

    /// Re-reads the file on disk (file watcher, SIGHUP). `Ok(None)` when nothing changed. An
    /// invalid file leaves the running rules in place and is reported by `last_error`.
    pub fn reload_from_disk(&self, pool: &Pool) -> Result<Option<ChangeSummary>, RulesError> {
        let _guard = self.change.lock().unwrap_or_else(|p| p.into_inner());
        let compiled = read(&self.path)
            .and_then(|source| compile(&self.path, &source).map(|set| (set, source)));
        let (set, source) = match compiled {
            Ok(pair) => pair,
            Err(err) => {
                tracing::error!(error = %err, "rules reload refused; the previous rules stay in force");
                self.set_error(Some(err.to_string()));
                return Err(err);
            }
        };
        if set.version() == self.current().set.version() {
            self.set_error(None);
            return Ok(None);
        }
        self.swap(pool, set, source, FILE_ON_DISK, "reloaded from disk")
            .map(Some)
            .map_err(|e| RulesError {
                file: self.path.clone(),
                line: None,
                column: None,
                rule_id: None,
                message: format!("rules swapped but not audited: {e}"),
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
        if current.set.version() != if_match {
            return Err(EditError::Stale {
                expected: if_match.to_string(),
                current: current.set.version().to_string(),
            });
        }
        let set = compile(&self.path, source).map_err(EditError::Invalid)?;
        write_atomically(&self.path, source)?;
        Ok(self.swap(
            pool,
            set,
            source.to_string(),
            actor,
            "edited through the admin API",
        )?)
    }

    /// Compiles a candidate source against this file's folder (for list files) without
    /// touching anything.
    pub fn compile_candidate(&self, source: &str) -> Result<RuleSet, RulesError> {
        compile(&self.path, source)
    }
}
