//! Reading the policy file: one strict TOML parse of the whole file, the rules tables handed to
//! the rules engine, `[rate_limits]` and `[moderation]` checked here, list files read from the
//! file's folder.

use crate::moderation::ModerationSettings;
use crate::ratelimit::Quotas;
use crate::rules::{
    parse_error, ExampleTable, ListFiles, RuleSet, RuleTable, RulesError, RulesTables,
    ThresholdsTable,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// The whole file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyDocument {
    thresholds: Spanned<ThresholdsTable>,
    rate_limits: Spanned<Quotas>,
    moderation: Option<Spanned<ModerationSettings>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleTable>>,
    #[serde(default)]
    example: Vec<Spanned<ExampleTable>>,
}

/// A loaded, validated policy file: the compiled rules and the site's other settings.
#[derive(Debug)]
pub struct Policy {
    pub rules: Arc<RuleSet>,
    pub quotas: Quotas,
    pub moderation: ModerationSettings,
    /// Every list file the rules read, resolved against the file's folder.
    pub list_paths: Vec<PathBuf>,
}

/// List files named by a policy file, read from its folder and only from there: the rules API
/// takes a file's source from an admin, and must not become a way to read the server's other
/// files (`/etc/passwd`, `../../secrets`, `/proc/self/environ`, a symlink pointing out).
struct ListFolder<'a> {
    folder: &'a Path,
}

/// The largest list file read; larger ones (or `/dev/zero`-like endless ones) are refused.
pub const MAX_LIST_FILE_BYTES: u64 = 8 * 1024 * 1024;

impl ListFolder<'_> {
    /// The file `name` names, checked to be a regular file inside the folder.
    fn confined(&self, name: &str) -> Result<PathBuf, String> {
        use std::path::Component;
        // One answer for "missing" and "outside", so it never tells whether a path outside
        // the folder exists.
        let refused = || {
            format!(
                "no such file in {} (list files are relative paths inside the rules file's \
                 folder: no absolute paths, no `..`, no symlinks leading out)",
                self.folder.display()
            )
        };
        let relative = Path::new(name);
        let plain = !name.is_empty()
            && !name.contains('\0')
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !plain {
            return Err(refused());
        }
        let folder = self.folder.canonicalize().map_err(|_| refused())?;
        // Symlinks are resolved before the check, so one leading out is refused as outside.
        let resolved = folder
            .join(relative)
            .canonicalize()
            .map_err(|_| refused())?;
        if !resolved.starts_with(&folder) {
            return Err(refused());
        }
        let metadata = std::fs::metadata(&resolved).map_err(|_| refused())?;
        if !metadata.is_file() {
            return Err("list files must be regular files".into());
        }
        if metadata.len() > MAX_LIST_FILE_BYTES {
            return Err(format!(
                "list files may be at most {} MiB",
                MAX_LIST_FILE_BYTES / (1024 * 1024)
            ));
        }
        Ok(resolved)
    }
}

impl ListFiles for ListFolder<'_> {
    fn read(&self, name: &str) -> Result<String, String> {
        use std::io::Read;
        let path = self.confined(name)?;
        let file = std::fs::File::open(&path).map_err(|e| format!("{name} ({})", e.kind()))?;
        // Read at most one byte past the cap: a file that grew since the check is refused too.
        let mut text = String::new();
        file.take(MAX_LIST_FILE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|_| format!("{name} is not UTF-8 text"))?;
        if text.len() as u64 > MAX_LIST_FILE_BYTES {
            return Err(format!(
                "list files may be at most {} MiB",
                MAX_LIST_FILE_BYTES / (1024 * 1024)
            ));
        }
        Ok(text)
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.folder.join(name)
    }
}

/// The folder list files resolve against: the file's own, `.` for a bare file name.
pub(crate) fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Reads a file as text, as a `RulesError` naming it.
pub(crate) fn read_source(path: &Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path).map_err(|e| RulesError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        rule_id: None,
        message: e.to_string(),
    })
}

impl Policy {
    /// Reads and compiles the policy file at `path` and the list files it names.
    pub fn load(path: &Path) -> Result<Policy, RulesError> {
        Self::from_source(path, &read_source(path)?)
    }

    /// Compiles `source` as the policy file at `path` (list files resolve against its folder;
    /// nothing is written).
    pub fn from_source(path: &Path, source: &str) -> Result<Policy, RulesError> {
        let document: PolicyDocument =
            toml::from_str(source).map_err(|e| parse_error(source, path, &e))?;
        let at =
            |offset: usize, message: String| RulesError::at(path, source, offset, None, message);
        document
            .rate_limits
            .get_ref()
            .validate()
            .map_err(|m| at(document.rate_limits.span().start, m))?;
        let moderation = match &document.moderation {
            Some(table) => {
                table
                    .get_ref()
                    .validate()
                    .map_err(|m| at(table.span().start, m))?;
                table.get_ref().clone()
            }
            None => ModerationSettings::default(),
        };
        let folder = folder_of(path);
        let lists = ListFolder { folder };
        let tables = RulesTables {
            thresholds: document.thresholds,
            rule: document.rule,
            example: document.example,
        };
        let rules = RuleSet::compile(&tables, source, path, &lists)?;
        let list_paths = rules
            .list_files()
            .iter()
            .map(|n| lists.path_of(n))
            .collect();
        Ok(Policy {
            rules: Arc::new(rules),
            quotas: document.rate_limits.into_inner(),
            moderation,
            list_paths,
        })
    }

    /// sha256 (hex) of the file and every list file it uses.
    pub fn version(&self) -> &str {
        self.rules.version()
    }
}
