//! One `[[rule]]` table: the checks every rule gets (id, description, keys that apply to its
//! kind, weight, fields, target, exceptions), then its kind's own compile function.

use super::kinds;
use super::lists::add_phrases;
use super::values::valid_id;
use super::Ctx;
use crate::rules::compiled::{Compiled, Rule, Spec};
use crate::rules::error::RulesError;
use crate::rules::format::{Kind, RuleTable, Target};
use crate::rules::words::Role;
use crate::rules::{Action, Field};
use std::collections::HashSet;
use toml::Spanned;

/// The rule being compiled, as its kind's compile function needs it.
pub(super) struct RuleAt<'r> {
    pub table: &'r RuleTable,
    pub id: &'r str,
    /// Byte offset of the rule's `[[rule]]` header, for errors about the rule as a whole.
    pub at: usize,
    pub kind: Kind,
    /// Index the rule will have in `Compiled::rules`.
    pub index: usize,
}

pub(super) fn compile_rule(
    ctx: &mut Ctx<'_>,
    out: &mut Compiled,
    spanned: &Spanned<RuleTable>,
    seen: &mut HashSet<String>,
) -> Result<Rule, RulesError> {
    let r = spanned.get_ref();
    let at = spanned.span().start;
    let id = r.id.get_ref().as_str();
    check_identity(ctx, r, id, seen)?;
    let kind = *r.kind.get_ref();
    check_keys_apply(ctx, r, id, kind)?;
    let action = *r.action.get_ref();
    let weight = weight(ctx, r, id, at, action)?;
    let fields = fields(ctx, r, id)?;
    let target = r
        .target
        .as_ref()
        .map_or(kind.default_target(), |t| *t.get_ref());
    let mut rule = Rule {
        id: id.to_string(),
        description: r.description.get_ref().clone(),
        kind,
        action,
        weight,
        enabled: r.enabled.unwrap_or(true),
        mode: r.mode.unwrap_or_default(),
        line: ctx.line_of(at),
        fields,
        raw: kind.reads_text() && target != Target::Normalized,
        normalized: kind.reads_text() && target != Target::Raw,
        has_exceptions: r
            .exceptions
            .as_ref()
            .is_some_and(|e| !e.get_ref().is_empty()),
        fuzzy: fuzzy(ctx, r, id)?,
        first_comment_only: r.first_comment_only.as_ref().is_some_and(|f| *f.get_ref()),
        spec: Spec::FirstComment,
    };
    let this = RuleAt {
        table: r,
        id,
        at,
        kind,
        index: out.rules.len(),
    };
    if let Some(ex) = &r.exceptions {
        add_phrases(
            ctx,
            out,
            &rule,
            this.index,
            Role::Exception,
            ex,
            "exception",
        )?;
    }
    rule.spec = match kind {
        Kind::Words => kinds::words(ctx, out, &rule, &this)?,
        Kind::Regex => kinds::regex(ctx, out, &this)?,
        Kind::LinkCount => kinds::link_count(ctx, &this)?,
        Kind::LinkDomains => kinds::link_domains(ctx, &this)?,
        Kind::CapsRatio => kinds::caps_ratio(ctx, &this)?,
        Kind::RepeatedChars => kinds::repeated_chars(ctx, &this)?,
        Kind::Length => kinds::length(ctx, &this)?,
        Kind::Duplicate => kinds::duplicate(ctx, &this)?,
        Kind::FirstComment => Spec::FirstComment,
        Kind::Learned => kinds::learned(ctx, &rule, &this)?,
    };
    Ok(rule)
}

/// A valid, unique id and a description.
fn check_identity(
    ctx: &Ctx<'_>,
    r: &RuleTable,
    id: &str,
    seen: &mut HashSet<String>,
) -> Result<(), RulesError> {
    if !valid_id(id) {
        return Err(ctx.err(
            r.id.span().start,
            Some(id),
            "rule id must be non-empty and use only a-z 0-9 _ . -",
        ));
    }
    if !seen.insert(id.to_string()) {
        return Err(ctx.err(
            r.id.span().start,
            Some(id),
            format!("duplicate rule id `{id}`"),
        ));
    }
    if r.description.get_ref().trim().is_empty() {
        return Err(ctx.err(
            r.description.span().start,
            Some(id),
            "description must not be empty",
        ));
    }
    Ok(())
}

/// Every key present applies to the rule's kind.
fn check_keys_apply(ctx: &Ctx<'_>, r: &RuleTable, id: &str, kind: Kind) -> Result<(), RulesError> {
    let not_for_kind = |key: &str, offset: usize| {
        ctx.err(
            offset,
            Some(id),
            format!("key `{key}` does not apply to a `{}` rule", kind.as_str()),
        )
    };
    for (key, offset) in r.present_keys() {
        if !kind.keys().contains(&key) {
            return Err(not_for_kind(key, offset));
        }
    }
    if !kind.reads_text() {
        let text_keys = [
            ("fields", r.fields.as_ref().map(|f| f.span().start)),
            ("target", r.target.as_ref().map(|f| f.span().start)),
            (
                "first_comment_only",
                r.first_comment_only.as_ref().map(|f| f.span().start),
            ),
        ];
        if let Some((key, Some(offset))) = text_keys.into_iter().find(|(_, o)| o.is_some()) {
            return Err(not_for_kind(key, offset));
        }
    }
    match &r.exceptions {
        Some(ex) if !kind.takes_exceptions() => Err(not_for_kind("exceptions", ex.span().start)),
        _ => Ok(()),
    }
}

fn weight(
    ctx: &Ctx<'_>,
    r: &RuleTable,
    id: &str,
    at: usize,
    action: Action,
) -> Result<f64, RulesError> {
    match &r.weight {
        Some(w) if !(w.get_ref().is_finite() && *w.get_ref() >= 0.0) => Err(ctx.err(
            w.span().start,
            Some(id),
            "weight must be a number of at least 0",
        )),
        Some(w) => Ok(*w.get_ref()),
        None if action == Action::Score => {
            Err(ctx.err(at, Some(id), "a rule with action \"score\" needs `weight`"))
        }
        None => Ok(0.0),
    }
}

/// Whether word entries match with one edit: `fuzzy` is 0 (the default) or 1.
fn fuzzy(ctx: &Ctx<'_>, r: &RuleTable, id: &str) -> Result<bool, RulesError> {
    match &r.fuzzy {
        None => Ok(false),
        Some(f) => match *f.get_ref() {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ctx.err(
                f.span().start,
                Some(id),
                "`fuzzy` must be 0 or 1 (edits allowed in a word of 6 or more letters)",
            )),
        },
    }
}

/// The fields the rule reads, each once, in the order written (default: the body).
fn fields(ctx: &Ctx<'_>, r: &RuleTable, id: &str) -> Result<Vec<Field>, RulesError> {
    match &r.fields {
        Some(f) if f.get_ref().is_empty() => {
            Err(ctx.err(f.span().start, Some(id), "`fields` must not be empty"))
        }
        Some(f) => {
            let mut unique = Vec::with_capacity(f.get_ref().len());
            for field in f.get_ref() {
                if !unique.contains(field) {
                    unique.push(*field);
                }
            }
            Ok(unique)
        }
        None => Ok(vec![Field::Body]),
    }
}
