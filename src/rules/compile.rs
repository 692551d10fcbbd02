//! Loading and validation: parses the TOML, checks every key and value, reads list files,
//! and builds the compiled rule table, phrase indexes and regex sets.

use super::error::RulesError;
use super::examples::{run_examples, Example};
use super::format::{Kind, LooseFile, Mode, RawFile, RawRule, Scope, Target};
use super::lists::{add_list_file, add_phrases};
use super::patterns::{compile_pattern, Pattern, ViewSet};
use super::values::{check_quota, domains, required, uint, valid_id};
use super::words::{PhraseIndex, Role};
use super::ModerationPolicy;
use super::{Action, Field, RateLimitSettings, Thresholds};
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// What a rule checks, with its validated parameters.
#[derive(Debug)]
pub(crate) enum Spec {
    Words,
    Regex,
    LinkCount {
        max: usize,
    },
    LinkDomains {
        deny: Vec<String>,
        allow: Vec<String>,
    },
    CapsRatio {
        min_ratio: f64,
        min_letters: usize,
    },
    RepeatedChars {
        max_run: usize,
    },
    Length {
        min: Option<usize>,
        max: Option<usize>,
    },
    Duplicate {
        window_seconds: u64,
        scope: Scope,
    },
    FirstComment,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub description: String,
    pub kind: Kind,
    pub action: Action,
    pub weight: f64,
    pub enabled: bool,
    pub mode: Mode,
    /// 1-based line of the rule's `[[rule]]` table in the rules file.
    pub line: usize,
    pub fields: Vec<Field>,
    pub raw: bool,
    pub normalized: bool,
    pub has_exceptions: bool,
    pub spec: Spec,
}

/// Everything `RuleSet` holds.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub version: String,
    pub thresholds: Thresholds,
    pub rate_limits: RateLimitSettings,
    pub moderation: ModerationPolicy,
    /// The list files the rules read, so a watcher can follow them.
    pub list_files: Vec<PathBuf>,
    pub rules: Vec<Rule>,
    pub phrases_raw: PhraseIndex,
    pub phrases_norm: PhraseIndex,
    pub patterns: Vec<Pattern>,
    /// Prefilter sets by field (`field_slot`) and view (raw, normalized): each holds only the
    /// patterns of enabled rules that read that field in that view.
    pub sets: [[Option<ViewSet>; 2]; 3],
    /// Every word entry and exception as written, for `rules check`.
    pub entries: Vec<Entry>,
    pub examples: Vec<Example>,
}

/// One word-list entry or exception of a rule, kept for the checks of `rules check`.
#[derive(Debug)]
pub(crate) struct Entry {
    pub rule: usize,
    pub role: Role,
    /// The entry's words as matched (folded for the rule's view), joined by single spaces.
    pub key: String,
    /// Where it is written: `line 40` of the rules file or `rules/x.txt:12`.
    pub origin: String,
}

pub(crate) struct Ctx<'a> {
    pub source: &'a str,
    pub origin: &'a Path,
    pub base_dir: &'a Path,
    pub hasher: sha2::Sha256,
    pub files: HashMap<String, String>,
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
}

fn parse_error(source: &str, origin: &Path, e: &toml::de::Error) -> RulesError {
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

/// Index of a field in per-field tables.
pub(crate) fn field_slot(field: Field) -> usize {
    match field {
        Field::Body => 0,
        Field::AuthorName => 1,
        Field::AuthorEmail => 2,
    }
}

pub(crate) fn compile(
    source: &str,
    base_dir: &Path,
    origin: &Path,
) -> Result<Compiled, RulesError> {
    let raw: RawFile = toml::from_str(source).map_err(|e| parse_error(source, origin, &e))?;
    let mut ctx = Ctx {
        source,
        origin,
        base_dir,
        hasher: sha2::Sha256::new(),
        files: HashMap::new(),
    };
    ctx.hasher.update(source.as_bytes());

    let t = raw.thresholds.get_ref();
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
    let rl = raw.rate_limits.get_ref();
    for (name, q) in [
        ("per_ip", &rl.per_ip),
        ("per_author", &rl.per_author),
        ("per_article", &rl.per_article),
        ("global", &rl.global),
        ("flags", &rl.flags),
    ] {
        check_quota(&ctx, raw.rate_limits.span().start, name, q)?;
    }
    let moderation = raw
        .moderation
        .as_ref()
        .map(|m| *m.get_ref())
        .unwrap_or_default();
    if moderation.flag_threshold == 0 {
        let at = raw.moderation.as_ref().map_or(0, |m| m.span().start);
        return Err(ctx.err(at, None, "moderation.flag_threshold must be at least 1"));
    }

    let mut out = Compiled {
        version: String::new(),
        thresholds: Thresholds { hold, reject },
        rate_limits: rl.clone(),
        moderation,
        list_files: Vec::new(),
        rules: Vec::with_capacity(raw.rule.len()),
        phrases_raw: PhraseIndex::new(true),
        phrases_norm: PhraseIndex::new(false),
        patterns: Vec::new(),
        sets: Default::default(),
        entries: Vec::new(),
        examples: Vec::new(),
    };
    let mut seen = HashSet::new();
    for spanned in &raw.rule {
        let rule = compile_rule(&mut ctx, &mut out, spanned, &mut seen)?;
        out.rules.push(rule);
    }
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
    out.sets = sets;
    let mut list_files: Vec<PathBuf> = ctx.files.keys().map(|rel| ctx.base_dir.join(rel)).collect();
    list_files.sort();
    out.list_files = list_files;
    out.version = hex::encode(ctx.hasher.finalize());
    out.examples = raw
        .example
        .iter()
        .map(|e| Example::from_raw(e, source))
        .collect();
    run_examples(&out, origin)?;
    Ok(out)
}

fn compile_rule(
    ctx: &mut Ctx<'_>,
    out: &mut Compiled,
    spanned: &Spanned<RawRule>,
    seen: &mut HashSet<String>,
) -> Result<Rule, RulesError> {
    let r = spanned.get_ref();
    let at = spanned.span().start;
    let id = r.id.get_ref().as_str();
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
    let kind = *r.kind.get_ref();
    let action = *r.action.get_ref();
    for (key, offset) in r.present_keys() {
        if !kind.keys().contains(&key) {
            return Err(ctx.err(
                offset,
                Some(id),
                format!("key `{key}` does not apply to a `{}` rule", kind.as_str()),
            ));
        }
    }
    if !kind.reads_text() {
        let extra = [
            ("fields", r.fields.as_ref().map(|f| f.span().start)),
            ("target", r.target.as_ref().map(|f| f.span().start)),
        ];
        if let Some((key, Some(offset))) = extra.into_iter().find(|(_, o)| o.is_some()) {
            return Err(ctx.err(
                offset,
                Some(id),
                format!("key `{key}` does not apply to a `{}` rule", kind.as_str()),
            ));
        }
    }
    if let Some(ex) = &r.exceptions {
        if !kind.takes_exceptions() {
            return Err(ctx.err(
                ex.span().start,
                Some(id),
                format!(
                    "key `exceptions` does not apply to a `{}` rule",
                    kind.as_str()
                ),
            ));
        }
    }
    let weight = match &r.weight {
        Some(w) if !(w.get_ref().is_finite() && *w.get_ref() >= 0.0) => {
            return Err(ctx.err(
                w.span().start,
                Some(id),
                "weight must be a number of at least 0",
            ));
        }
        Some(w) => *w.get_ref(),
        None if action == Action::Score => {
            return Err(ctx.err(at, Some(id), "a rule with action \"score\" needs `weight`"));
        }
        None => 0.0,
    };
    let mut fields = match &r.fields {
        Some(f) if f.get_ref().is_empty() => {
            return Err(ctx.err(f.span().start, Some(id), "`fields` must not be empty"))
        }
        Some(f) => f.get_ref().clone(),
        None => vec![Field::Body],
    };
    let mut unique = Vec::with_capacity(fields.len());
    for f in fields.drain(..) {
        if !unique.contains(&f) {
            unique.push(f);
        }
    }
    fields = unique;
    let target = r
        .target
        .as_ref()
        .map_or(kind.default_target(), |t| *t.get_ref());
    let rule_index = out.rules.len();
    let enabled = r.enabled.unwrap_or(true);
    let (line, _) = super::error::line_col(ctx.source, at);
    let mut rule = Rule {
        id: id.to_string(),
        description: r.description.get_ref().clone(),
        kind,
        action,
        weight,
        enabled,
        mode: r.mode.unwrap_or_default(),
        line,
        fields,
        raw: kind.reads_text() && target != Target::Normalized,
        normalized: kind.reads_text() && target != Target::Raw,
        has_exceptions: r
            .exceptions
            .as_ref()
            .is_some_and(|e| !e.get_ref().is_empty()),
        spec: Spec::FirstComment,
    };
    if let Some(ex) = &r.exceptions {
        add_phrases(
            ctx,
            out,
            &rule,
            rule_index,
            Role::Exception,
            ex,
            "exception",
        )?;
    }
    rule.spec = match kind {
        Kind::Words => {
            let mut count = 0;
            if let Some(words) = &r.words {
                count += add_phrases(ctx, out, &rule, rule_index, Role::Word, words, "word")?;
            }
            if let Some(files) = &r.files {
                for f in files.get_ref() {
                    count += add_list_file(ctx, out, &rule, rule_index, f)?;
                }
            }
            if count == 0 {
                return Err(ctx.err(
                    at,
                    Some(id),
                    "a `words` rule needs at least one entry in `words` or `files`",
                ));
            }
            Spec::Words
        }
        Kind::Regex => {
            let list = required(ctx, at, id, kind, "patterns", &r.patterns)?;
            if list.get_ref().is_empty() {
                return Err(ctx.err(list.span().start, Some(id), "`patterns` must not be empty"));
            }
            let ci = r.case_insensitive.as_ref().is_none_or(|c| *c.get_ref());
            for p in list.get_ref() {
                let regex = compile_pattern(p.get_ref(), ci).map_err(|m| {
                    ctx.err(
                        p.span().start,
                        Some(id),
                        format!("{m} (pattern `{}`)", p.get_ref()),
                    )
                })?;
                out.patterns.push(Pattern {
                    rule: rule_index,
                    regex,
                    case_insensitive: ci,
                    source: p.get_ref().clone(),
                });
            }
            Spec::Regex
        }
        Kind::LinkCount => Spec::LinkCount {
            max: uint(
                ctx,
                id,
                "max",
                required(ctx, at, id, kind, "max", &r.max)?,
                0,
            )?,
        },
        Kind::LinkDomains => {
            let deny = domains(ctx, id, &r.deny)?;
            let allow = domains(ctx, id, &r.allow)?;
            if deny.is_empty() && allow.is_empty() {
                return Err(ctx.err(
                    at,
                    Some(id),
                    "a `link_domains` rule needs a non-empty `deny` or `allow`",
                ));
            }
            Spec::LinkDomains { deny, allow }
        }
        Kind::CapsRatio => {
            let m = required(ctx, at, id, kind, "min_ratio", &r.min_ratio)?;
            if !(0.0..=1.0).contains(m.get_ref()) {
                return Err(ctx.err(
                    m.span().start,
                    Some(id),
                    "`min_ratio` must be between 0 and 1",
                ));
            }
            let min_letters = match &r.min_letters {
                Some(v) => uint(ctx, id, "min_letters", v, 1)?,
                None => 20,
            };
            Spec::CapsRatio {
                min_ratio: *m.get_ref(),
                min_letters,
            }
        }
        Kind::RepeatedChars => Spec::RepeatedChars {
            max_run: uint(
                ctx,
                id,
                "max_run",
                required(ctx, at, id, kind, "max_run", &r.max_run)?,
                1,
            )?,
        },
        Kind::Length => {
            let min = r
                .min
                .as_ref()
                .map(|v| uint(ctx, id, "min", v, 0))
                .transpose()?;
            let max = r
                .max
                .as_ref()
                .map(|v| uint(ctx, id, "max", v, 0))
                .transpose()?;
            match (min, max) {
                (None, None) => {
                    return Err(ctx.err(at, Some(id), "a `length` rule needs `min` or `max`"))
                }
                (Some(lo), Some(hi)) if lo > hi => {
                    return Err(ctx.err(at, Some(id), "`min` must not be above `max`"));
                }
                _ => Spec::Length { min, max },
            }
        }
        Kind::Duplicate => {
            let w = required(ctx, at, id, kind, "window_seconds", &r.window_seconds)?;
            let window_seconds = uint(ctx, id, "window_seconds", w, 1)? as u64;
            let scope = r.scope.as_ref().map_or(Scope::Either, |s| *s.get_ref());
            Spec::Duplicate {
                window_seconds,
                scope,
            }
        }
        Kind::FirstComment => Spec::FirstComment,
    };
    Ok(rule)
}
