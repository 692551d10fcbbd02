//! Word entries and list files: folds each entry for the views its rule reads, adds it to
//! the phrase indexes, and takes list files (one entry per line, `#` comments) from the
//! caller's `ListFiles`.

use super::Ctx;
use crate::rules::compiled::{Compiled, Entry, Rule};
use crate::rules::entries::{self, Piece, Shape};
use crate::rules::error::RulesError;
use crate::rules::format::SpannedList;
use crate::rules::normalize::normalize;
use crate::rules::word_tokens::tokens;
use crate::rules::words::{Owner, Role};
use sha2::Digest;
use std::collections::HashMap;
use std::path::PathBuf;
use toml::Spanned;

/// Where the list files a rules file names come from. The rules do no IO: the caller reads
/// the files (and decides which names are allowed).
pub trait ListFiles {
    /// The text of the list file the rules file names `name`, or why it cannot be had.
    fn read(&self, name: &str) -> Result<String, String>;
    /// The path errors about lines of that file should name.
    fn path_of(&self, name: &str) -> PathBuf;
}

/// List files held in memory, by name (for tests and files without lists).
impl ListFiles for HashMap<String, String> {
    fn read(&self, name: &str) -> Result<String, String> {
        self.get(name)
            .cloned()
            .ok_or_else(|| "no such list file".to_string())
    }

    fn path_of(&self, name: &str) -> PathBuf {
        PathBuf::from(name)
    }
}

/// The words of one chunk of an entry, as `Piece`s of a phrase.
fn words_of(chunk: &str) -> Vec<String> {
    tokens(chunk)
        .into_iter()
        .map(|(s, e)| chunk[s..e].to_string())
        .collect()
}

/// How `rules check` names an entry: its words, gaps and `near/N`, single-spaced.
fn key_of(shape: &Shape) -> String {
    let phrase = |pieces: &[Piece]| {
        let words: Vec<&str> = pieces
            .iter()
            .map(|p| match p {
                Piece::Word(w) => w.as_str(),
                Piece::Gap => "*",
            })
            .collect();
        words.join(" ")
    };
    match shape {
        Shape::Phrase(p) => phrase(p),
        Shape::Near {
            left,
            right,
            within,
        } => format!("{} near/{within} {}", phrase(left), phrase(right)),
    }
}

/// Adds one entry (phrase, template or `near` form) to the views the rule reads; `Err(message)`
/// if it is not a valid entry.
fn add_phrase(
    out: &mut Compiled,
    rule: &Rule,
    index: usize,
    role: Role,
    phrase: &str,
    origin: impl FnOnce() -> String,
) -> Result<(), String> {
    let owner = Owner {
        rule: index as u32,
        role,
    };
    let fuzzy = rule.fuzzy && role == Role::Word;
    let norm = rule
        .normalized
        .then(|| normalize(phrase).text().to_string());
    let raw = rule.raw.then(|| phrase.to_lowercase());
    let mut origin = Some(origin);
    for (text, view_is_raw) in [(norm, false), (raw, true)] {
        let Some(text) = text else { continue };
        let shape =
            entries::parse(&text, words_of).map_err(|m| format!("entry `{phrase}`: {m}"))?;
        if let Some(origin) = origin.take() {
            out.entries.push(Entry {
                rule: index,
                role,
                key: key_of(&shape),
                origin: origin(),
            });
        }
        if !rule.enabled {
            continue;
        }
        let idx = if view_is_raw {
            &mut out.phrases_raw
        } else {
            &mut out.phrases_norm
        };
        match &shape {
            Shape::Phrase(pieces) => idx.add(pieces, owner, fuzzy),
            Shape::Near {
                left,
                right,
                within,
            } => idx.add_near(left, right, *within, owner, fuzzy),
        }
    }
    Ok(())
}

pub(crate) fn add_phrases(
    ctx: &Ctx<'_>,
    out: &mut Compiled,
    rule: &Rule,
    index: usize,
    role: Role,
    list: &SpannedList,
    what: &str,
) -> Result<usize, RulesError> {
    for p in list.get_ref() {
        let origin = || format!("line {}", ctx.line_of(p.span().start));
        add_phrase(out, rule, index, role, p.get_ref(), origin)
            .map_err(|m| ctx.err(p.span().start, Some(&rule.id), format!("{what} {m}")))?;
    }
    Ok(list.get_ref().len())
}

pub(crate) fn add_list_file(
    ctx: &mut Ctx<'_>,
    out: &mut Compiled,
    rule: &Rule,
    index: usize,
    name: &Spanned<String>,
) -> Result<usize, RulesError> {
    let rel = name.get_ref();
    let path = ctx.lists.path_of(rel);
    let text = match ctx.files.get(rel) {
        Some(t) => t.clone(),
        None => {
            let t = ctx.lists.read(rel).map_err(|e| {
                ctx.err(
                    name.span().start,
                    Some(&rule.id),
                    format!("list file `{rel}` cannot be read: {e}"),
                )
            })?;
            ctx.files.insert(rel.clone(), t.clone());
            t
        }
    };
    ctx.hasher.update(rel.as_bytes());
    ctx.hasher.update(text.as_bytes());
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let origin = || format!("{rel}:{}", n + 1);
        add_phrase(out, rule, index, Role::Word, entry, origin).map_err(|m| RulesError {
            file: path.clone(),
            line: Some(n + 1),
            column: Some(1),
            rule_id: Some(rule.id.clone()),
            message: m,
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(ctx.err(
            name.span().start,
            Some(&rule.id),
            format!("list file `{rel}` has no entries"),
        ));
    }
    Ok(count)
}
