//! Each rule kind's compile function: checks the kind's own keys and returns its `Spec`
//! (adding word entries and patterns to the shared indexes where the kind has them).

use super::lists::{add_list_file, add_phrases};
use super::rule::RuleAt;
use super::values::{domains, required, uint};
use super::Ctx;
use crate::rules::compiled::{Compiled, Rule, Spec};
use crate::rules::error::RulesError;
use crate::rules::format::Scope;
use crate::rules::links::DomainSet;
use crate::rules::patterns::{compile_pattern, Pattern};
use crate::rules::words::Role;

pub(super) fn words(
    ctx: &mut Ctx<'_>,
    out: &mut Compiled,
    rule: &Rule,
    this: &RuleAt<'_>,
) -> Result<Spec, RulesError> {
    let r = this.table;
    let mut count = 0;
    if let Some(words) = &r.words {
        count += add_phrases(ctx, out, rule, this.index, Role::Word, words, "word")?;
    }
    if let Some(files) = &r.files {
        for f in files.get_ref() {
            count += add_list_file(ctx, out, rule, this.index, f)?;
        }
    }
    if count == 0 {
        return Err(ctx.err(
            this.at,
            Some(this.id),
            "a `words` rule needs at least one entry in `words` or `files`",
        ));
    }
    Ok(Spec::Words)
}

pub(super) fn regex(
    ctx: &Ctx<'_>,
    out: &mut Compiled,
    this: &RuleAt<'_>,
) -> Result<Spec, RulesError> {
    let r = this.table;
    let list = required(ctx, this, "patterns", &r.patterns)?;
    if list.get_ref().is_empty() {
        return Err(ctx.err(
            list.span().start,
            Some(this.id),
            "`patterns` must not be empty",
        ));
    }
    let case_insensitive = r.case_insensitive.as_ref().is_none_or(|c| *c.get_ref());
    for p in list.get_ref() {
        let regex = compile_pattern(p.get_ref(), case_insensitive).map_err(|m| {
            ctx.err(
                p.span().start,
                Some(this.id),
                format!("{m} (pattern `{}`)", p.get_ref()),
            )
        })?;
        out.patterns.push(Pattern {
            rule: this.index,
            regex,
            case_insensitive,
            source: p.get_ref().clone(),
        });
    }
    Ok(Spec::Regex)
}

pub(super) fn link_count(ctx: &Ctx<'_>, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let max = required(ctx, this, "max", &this.table.max)?;
    Ok(Spec::LinkCount {
        max: uint(ctx, this.id, "max", max, 0)?,
    })
}

pub(super) fn link_domains(ctx: &Ctx<'_>, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let deny = domains(ctx, this.id, &this.table.deny)?;
    let allow = domains(ctx, this.id, &this.table.allow)?;
    if deny.is_empty() && allow.is_empty() {
        return Err(ctx.err(
            this.at,
            Some(this.id),
            "a `link_domains` rule needs a non-empty `deny` or `allow`",
        ));
    }
    Ok(Spec::LinkDomains {
        deny: DomainSet::new(deny),
        allow: DomainSet::new(allow),
    })
}

pub(super) fn caps_ratio(ctx: &Ctx<'_>, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let m = required(ctx, this, "min_ratio", &this.table.min_ratio)?;
    if !(0.0..=1.0).contains(m.get_ref()) {
        return Err(ctx.err(
            m.span().start,
            Some(this.id),
            "`min_ratio` must be between 0 and 1",
        ));
    }
    let min_letters = match &this.table.min_letters {
        Some(v) => uint(ctx, this.id, "min_letters", v, 1)?,
        None => 20,
    };
    Ok(Spec::CapsRatio {
        min_ratio: *m.get_ref(),
        min_letters,
    })
}

pub(super) fn repeated_chars(ctx: &Ctx<'_>, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let max_run = required(ctx, this, "max_run", &this.table.max_run)?;
    Ok(Spec::RepeatedChars {
        max_run: uint(ctx, this.id, "max_run", max_run, 1)?,
    })
}

pub(super) fn length(ctx: &Ctx<'_>, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let bound = |key, value: &Option<toml::Spanned<i64>>| {
        value
            .as_ref()
            .map(|v| uint(ctx, this.id, key, v, 0))
            .transpose()
    };
    let min = bound("min", &this.table.min)?;
    let max = bound("max", &this.table.max)?;
    match (min, max) {
        (None, None) => Err(ctx.err(
            this.at,
            Some(this.id),
            "a `length` rule needs `min` or `max`",
        )),
        (Some(lo), Some(hi)) if lo > hi => {
            Err(ctx.err(this.at, Some(this.id), "`min` must not be above `max`"))
        }
        _ => Ok(Spec::Length { min, max }),
    }
}

pub(super) fn duplicate(ctx: &Ctx<'_>, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let w = required(ctx, this, "window_seconds", &this.table.window_seconds)?;
    let window_seconds = uint(ctx, this.id, "window_seconds", w, 1)? as u64;
    let scope = this
        .table
        .scope
        .as_ref()
        .map_or(Scope::Either, |s| *s.get_ref());
    Ok(Spec::Duplicate {
        window_seconds,
        scope,
    })
}

/// Labelled comments of each class the learned rule waits for when the file does not say.
pub(crate) const DEFAULT_MIN_LABELLED: u64 = 50;
/// The spam probability from which the learned rule counts when the file does not say: a
/// young model is often fairly sure and wrong; it is rarely very sure and wrong.
pub(crate) const DEFAULT_MIN_PROBABILITY: f64 = 0.95;

pub(super) fn learned(ctx: &Ctx<'_>, rule: &Rule, this: &RuleAt<'_>) -> Result<Spec, RulesError> {
    let r = this.table;
    if let Some(t) = &r.target {
        return Err(ctx.err(
            t.span().start,
            Some(this.id),
            "key `target` does not apply to a `learned` rule (it reads the normalized text)",
        ));
    }
    if rule.action != crate::rules::Action::Score {
        return Err(ctx.err(
            r.action.span().start,
            Some(this.id),
            "a `learned` rule's action must be \"score\": its weight is scaled by how sure the model is",
        ));
    }
    let min = |key, v: &Option<toml::Spanned<i64>>| match v {
        Some(v) => uint(ctx, this.id, key, v, 1).map(|n| n as u64),
        None => Ok(DEFAULT_MIN_LABELLED),
    };
    let ham_weight = match &r.ham_weight {
        Some(w) if !(w.get_ref().is_finite() && *w.get_ref() >= 0.0) => {
            return Err(ctx.err(
                w.span().start,
                Some(this.id),
                "`ham_weight` must be a number of at least 0",
            ))
        }
        Some(w) => *w.get_ref(),
        None => 0.0,
    };
    let min_probability = match &r.min_probability {
        Some(p) if !(0.5..1.0).contains(p.get_ref()) => {
            return Err(ctx.err(
                p.span().start,
                Some(this.id),
                "`min_probability` must be at least 0.5 and below 1",
            ))
        }
        Some(p) => *p.get_ref(),
        None => DEFAULT_MIN_PROBABILITY,
    };
    Ok(Spec::Learned {
        min_ham: min("min_ham", &r.min_ham)?,
        min_spam: min("min_spam", &r.min_spam)?,
        min_probability,
        ham_weight,
    })
}
