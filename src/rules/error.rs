//! `RulesError`: where and why a rules file was refused, with helpers that turn byte offsets
//! into line and column numbers.

use std::path::{Path, PathBuf};

/// Why a rules file could not be loaded: enough to find and fix the problem. Displayed as
/// `file:line:column: rule `id`: message`, with the parts that are known.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{}{}: {}{message}",
    file.display(),
    line.map(|l| format!(":{l}")).unwrap_or_default(),
    line.and(*column).map(|c| format!(":{c}")).unwrap_or_default(),
    rule_id.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
pub struct RulesError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub rule_id: Option<String>,
    pub message: String,
}

impl RulesError {
    /// An error about a whole file (no position).
    pub(crate) fn file(file: &Path, message: impl Into<String>) -> RulesError {
        RulesError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            rule_id: None,
            message: message.into(),
        }
    }

    /// An error at byte `offset` of `source`.
    pub(crate) fn at(
        file: &Path,
        source: &str,
        offset: usize,
        rule_id: Option<&str>,
        message: impl Into<String>,
    ) -> RulesError {
        let (line, column) = line_col(source, offset);
        RulesError {
            file: file.to_path_buf(),
            line: Some(line),
            column: Some(column),
            rule_id: rule_id.map(str::to_string),
            message: message.into(),
        }
    }
}

/// Where each line of a source starts, so that the line of many offsets (one per list entry in
/// a file with 100,000 of them) costs a binary search each rather than a scan from the top.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(source: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line of byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_one_based_line_and_column() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 9), (2, 3));
        assert_eq!(line_col(src, 999), (3, 1));
        let index = LineIndex::new(src);
        for offset in 0..src.len() + 3 {
            assert_eq!(
                index.line_of(offset),
                line_col(src, offset).0,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn display_names_file_line_and_rule() {
        let e = RulesError::at(Path::new("r.toml"), "x\ny", 2, Some("a.b"), "bad");
        assert_eq!(e.to_string(), "r.toml:2:1: rule `a.b`: bad");
        let whole_file = RulesError::file(Path::new("r.toml"), "unreadable");
        assert_eq!(whole_file.to_string(), "r.toml: unreadable");
    }
}
