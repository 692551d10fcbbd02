//! What a change of the policy file did (rules added, removed, changed), for the audit log and
//! the admin who made it; and writing an edited file so that a crash leaves the old or the new.

use crate::rules::{RuleInfo, RuleSet, RulesError};
use crate::storage::StorageError;
use std::io::Write;
use std::path::Path;

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

pub(crate) fn summarize(old: &RuleSet, new: &RuleSet) -> ChangeSummary {
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
pub(crate) fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    let dir = super::file::folder_of(path);
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
