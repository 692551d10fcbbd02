//! Compiling rules: checks the thresholds and every rule of the parsed tables, reads list
//! files through the caller's `ListFiles`, builds the phrase indexes and regex sets, and runs the
//! file's examples against the result.

mod kinds;
mod lists;
mod rule;
mod values;

pub use lists::ListFiles;

use super::compiled::{field_slot, Compiled, Rule, Spec};
use super::error::{LineIndex, RulesError};
use super::examples::{run_examples, Example};
use super::format::{LooseFile, RulesTables};
use super::patterns::ViewSet;
use super::words::PhraseIndex;
use super::{Field, Thresholds};
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What compiling one file carries along: its text (for line numbers), its name (for errors),
/// where list files come from, and the running version hash.
pub(crate) struct Ctx<'a> {
    pub source: &'a str,
    pub origin: &'a Path,
    pub lists: &'a dyn ListFiles,
    pub hasher: sha2::Sha256,
    /// List files read so far, by the name the rules file gives them.
    pub files: HashMap<String, String>,
    pub lines: LineIndex,
}

impl Ctx<'_> {
    pub(crate) fn err(
        &self,
        offset: usize,
        rule: Option<&str>,
        msg: impl Into<String>,
    ) -> RulesError {
        RulesError::at(self.origin, self.source, offset, rule, msg)
    }

    /// 1-based line of byte `offset` of the rules file.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset)
    }
}

/// A TOML error in the file, pointing at its line and naming the rule it is in when the
/// position falls inside a `[[rule]]` table.
pub fn parse_error(source: &str, origin: &Path, e: &toml::de::Error) -> RulesError {
    let Some(span) = e.span() else {
        return RulesError::file(origin, e.message().trim());
    };
    let rule_id = toml::from_str::<LooseFile>(source).ok().and_then(|f| {
        // An array-of-tables element's span is its `[[rule]]` header: take the last one before.
        f.rule
            .iter()
            .rev()
            .find(|r| r.span().start <= span.start)
            .and_then(|r| {
                r.get_ref()
                    .id
                    .as_ref()
                    .and_then(|v| v.as_str().map(str::to_string))
            })
    });
    RulesError::at(
        origin,
        source,
        span.start,
        rule_id.as_deref(),
        e.message().trim(),
    )
}

fn thresholds(ctx: &Ctx<'_>, tables: &RulesTables) -> Result<Thresholds, RulesError> {
    let t = tables.thresholds.get_ref();
    let (hold, reject) = (*t.hold.get_ref(), *t.reject.get_ref());
    if !(hold.is_finite() && hold > 0.0) {
        return Err(ctx.err(
            t.hold.span().start,
            None,
            "thresholds.hold must be a number above 0",
        ));
    }
    if !(reject.is_finite() && reject > hold) {
        return Err(ctx.err(
            t.reject.span().start,
            None,
            "thresholds.reject must be above thresholds.hold",
        ));
    }
    Ok(Thresholds { hold, reject })
}

/// Compiles the rules tables of `source` (the whole file, hashed into the version); list files
/// come from `lists`; `origin` names the file in errors.
pub(crate) fn compile(
    tables: &RulesTables,
    source: &str,
    origin: &Path,
    lists: &dyn ListFiles,
) -> Result<Compiled, RulesError> {
    let mut ctx = Ctx {
        source,
        origin,
        lists,
        hasher: sha2::Sha256::new(),
        files: HashMap::new(),
        lines: LineIndex::new(source),
    };
    ctx.hasher.update(source.as_bytes());
    let mut out = Compiled {
        version: String::new(),
        thresholds: thresholds(&ctx, tables)?,
        list_files: Vec::new(),
        rules: Vec::with_capacity(tables.rule.len()),
        phrases_raw: PhraseIndex::new(true),
        phrases_norm: PhraseIndex::new(false),
        patterns: Vec::new(),
        sets: Default::default(),
        entries: Vec::new(),
        examples: Vec::new(),
        shortest_run: usize::MAX,
    };
    let mut seen = HashSet::new();
    for spanned in &tables.rule {
        let rule = rule::compile_rule(&mut ctx, &mut out, spanned, &mut seen)?;
        out.rules.push(rule);
    }
    out.sets = prefilter_sets(&out, origin)?;
    out.shortest_run = shortest_run(&out.rules);
    let mut list_files: Vec<String> = ctx.files.keys().cloned().collect();
    list_files.sort();
    out.list_files = list_files;
    out.version = hex::encode(ctx.hasher.finalize());
    out.examples = tables
        .example
        .iter()
        .map(|e| Example::from_table(e, source))
        .collect();
    run_examples(&out, origin)?;
    Ok(out)
}

/// The shortest run of one character any `repeated_chars` rule flags (disabled ones
/// included: they cost nothing to allow for).
fn shortest_run(rules: &[Rule]) -> usize {
    rules
        .iter()
        .filter_map(|r| match r.spec {
            Spec::RepeatedChars { max_run } => Some(max_run.saturating_add(1)),
            _ => None,
        })
        .min()
        .unwrap_or(usize::MAX)
}

/// One regex prefilter set per field and view, holding only the patterns of enabled rules that
/// read that field in that view.
fn prefilter_sets(out: &Compiled, origin: &Path) -> Result<[[Option<ViewSet>; 2]; 3], RulesError> {
    let mut sets: [[Option<ViewSet>; 2]; 3] = Default::default();
    for field in [Field::Body, Field::AuthorName, Field::AuthorEmail] {
        for raw_view in [true, false] {
            let members: Vec<usize> = (0..out.patterns.len())
                .filter(|&i| {
                    let r = &out.rules[out.patterns[i].rule];
                    r.enabled
                        && r.fields.contains(&field)
                        && if raw_view { r.raw } else { r.normalized }
                })
                .collect();
            sets[field_slot(field)][usize::from(!raw_view)] =
                ViewSet::build(&out.patterns, members).map_err(|m| RulesError::file(origin, m))?;
        }
    }
    Ok(sets)
}
