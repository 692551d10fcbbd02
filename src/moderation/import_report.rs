//! What an import did, or in a dry run would do: counts by outcome and by article, and the
//! first problems with their positions in the file.

use crate::interchange::Position;
use serde::Serialize;
use std::collections::BTreeMap;

/// Problems listed one by one in the report; past this they are only counted.
pub const MAX_LISTED: usize = 1_000;

/// Comments of one article by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub published: u64,
    pub pending: u64,
    pub rejected: u64,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Comment records read (malformed and skipped ones not included).
    pub read: u64,
    pub imported: u64,
    /// Already imported by an earlier run: left alone.
    pub already_imported: u64,
    /// The same source id seen twice in this file: the first one counts.
    pub duplicates: u64,
    /// Pingbacks and trackbacks.
    pub skipped: u64,
    pub malformed: u64,
    /// Replies whose parent is not in the file nor the database: imported as top-level.
    pub missing_parent: u64,
    /// Replies nested deeper than Gatehouse shows, attached to their deepest shown ancestor.
    pub flattened: u64,
    /// Published in the source, held by today's rules (`--judge`).
    pub held_by_rules: u64,
    /// Articles' settings stored (JSON lines: `gatehouse.article` records).
    pub articles: u64,
    /// Articles' settings left alone: the article already has settings here (or earlier in
    /// the file).
    pub articles_already_set: u64,
    pub by_article: BTreeMap<String, StatusCounts>,
    /// The first `MAX_LISTED` problems, each with its position in the file.
    pub problems: Vec<String>,
}

impl ImportReport {
    pub(super) fn problem(&mut self, position: &Position, message: impl std::fmt::Display) {
        if self.problems.len() < MAX_LISTED {
            self.problems.push(format!("{position}: {message}"));
        }
    }
}
