//! Warnings for `rules check`: rules that can never match, duplicate word entries, over-broad
//! entries that hit ordinary English (a sample carried in the binary), and fuzzy entries that
//! hit it through an edit. Notes for
//! disabled and shadow rules. A loaded file is valid whatever these say.

use super::compiled::{Compiled, Entry, Rule, Spec};
use super::evaluate::evaluate;
use super::format::{Kind, Mode};
use super::normalize::normalize;
use super::word_tokens::tokens;
use super::words::Role;
use super::{AuthorHistory, CommentInput, RuleSet, View};
use regex_syntax::hir::{self, Class, Hir, HirKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Ordinary news-comment English, one comment or sentence a line: no rule should hit much of it.
pub const EVERYDAY_ENGLISH: &str = include_str!("everyday_english.txt");
/// A words or regex rule hitting more than this share of the sample lines is over-broad.
const OVER_BROAD_SHARE: f64 = 0.01;
/// A `link_count` rule allowing more links than this practically never matches.
const MAX_SENSIBLE_LINKS: usize = 100;
/// How many entries one finding lists by name.
const LISTED: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Note,
}

/// One thing `rules check` reports about a valid file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable name of the check: `never_matches`, `duplicate_word`, `over_broad`, …
    pub code: &'static str,
    pub rule_id: String,
    /// Line of the rule in the rules file.
    pub line: usize,
    pub message: String,
    /// For `over_broad`: a sample line the rule hits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

/// Every warning and note about a loaded rules file, warnings first, in file order.
pub fn lint(rules: &RuleSet) -> Vec<Finding> {
    let c = &rules.inner;
    let mut out = Vec::new();
    for (i, rule) in c.rules.iter().enumerate() {
        let mut add = |severity, code, message: String| {
            out.push(finding(rule, severity, code, message, None));
        };
        if !rule.enabled {
            add(Severity::Note, "disabled", "disabled: not evaluated".into());
            continue;
        }
        if rule.mode == Mode::Shadow {
            add(
                Severity::Note,
                "shadow",
                "shadow mode: evaluated and recorded, never changes a decision".into(),
            );
        }
        for message in never_matches(c, i, rule) {
            add(Severity::Warning, "never_matches", message);
        }
    }
    duplicates(c, &mut out);
    let sample = sample_lines();
    over_broad(c, &sample, &mut out);
    fuzzy_everyday(c, &sample, &mut out);
    out.sort_by_key(|f| (f.severity, f.line));
    out
}

fn finding(
    rule: &Rule,
    severity: Severity,
    code: &'static str,
    message: String,
    example: Option<String>,
) -> Finding {
    Finding {
        severity,
        code,
        rule_id: rule.id.clone(),
        line: rule.line,
        message,
        example,
    }
}

fn entries_are(n: usize) -> &'static str {
    if n == 1 {
        "entry is"
    } else {
        "entries are"
    }
}

fn quoted_list<'a>(items: impl Iterator<Item = &'a str>, total: usize) -> String {
    list(items.map(|s| format!("\"{s}\"")), total)
}

fn list(items: impl Iterator<Item = String>, total: usize) -> String {
    let mut listed: Vec<String> = items.take(LISTED).collect();
    if total > LISTED {
        listed.push(format!("and {} more", total - LISTED));
    }
    listed.join(", ")
}

/// Why an enabled rule (or some of its parts) can never match.
fn never_matches(c: &Compiled, index: usize, rule: &Rule) -> Vec<String> {
    let mut found = Vec::new();
    match &rule.spec {
        Spec::Words => {
            let of = |role| c.entries.iter().filter(move |e| e.rule == index && e.role == role);
            let exceptions: HashSet<&str> = of(Role::Exception).map(|e| e.key.as_str()).collect();
            let words: Vec<&Entry> = of(Role::Word).collect();
            let dead: Vec<&Entry> = words
                .iter()
                .copied()
                .filter(|e| exceptions.contains(e.key.as_str()))
                .collect();
            if !dead.is_empty() && dead.len() == words.len() {
                found.push("every entry is also one of its exceptions: the rule can never match".into());
            } else if !dead.is_empty() {
                found.push(format!(
                    "{} {} also exceptions and can never match: {}",
                    dead.len(),
                    entries_are(dead.len()),
                    quoted_list(dead.iter().map(|e| e.key.as_str()), dead.len())
                ));
            }
        }
        Spec::Regex => {
            for p in c.patterns.iter().filter(|p| p.rule == index) {
                if !rule.normalized || can_match_lowercase(&p.source, p.case_insensitive) {
                    continue;
                }
                let view = if rule.raw {
                    "never matches the normalized (lowercase) view, so disguised text escapes it"
                } else {
                    "can never match: the normalized view is lowercase"
                };
                found.push(format!(
                    "pattern `{}` needs capital letters and {view}; set case_insensitive = true or target = \"raw\"",
                    p.source
                ));
            }
        }
        Spec::LinkCount { max } if *max > MAX_SENSIBLE_LINKS => found.push(format!(
            "matches only comments with more than {max} links: practically never"
        )),
        Spec::CapsRatio { .. } if !rule.raw => found.push(
            "counts capitals in the normalized view, which is lowercase: it can never match; use target = \"raw\"".into(),
        ),
        _ => {}
    }
    found
}

/// Whether the pattern can match some text without uppercase letters (the normalized view).
pub(crate) fn can_match_lowercase(source: &str, case_insensitive: bool) -> bool {
    let parsed = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .build()
        .parse(source);
    let Ok(hir) = parsed else { return true };
    without_uppercase(&hir).properties().minimum_len().is_some()
}

/// The expression restricted to text with no uppercase letter: uppercase literals fail,
/// classes lose their uppercase members.
fn without_uppercase(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Literal(hir::Literal(bytes)) => {
            let text = String::from_utf8_lossy(bytes);
            if text.chars().any(char::is_uppercase) {
                Hir::fail()
            } else {
                h.clone()
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            let kept: Vec<hir::ClassUnicodeRange> = class
                .iter()
                .flat_map(|r| split_out_uppercase(r.start(), r.end()))
                .collect();
            Hir::class(Class::Unicode(hir::ClassUnicode::new(kept)))
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut class = class.clone();
            class.difference(&hir::ClassBytes::new([hir::ClassBytesRange::new(
                b'A', b'Z',
            )]));
            Hir::class(Class::Bytes(class))
        }
        HirKind::Repetition(r) => {
            let sub = without_uppercase(&r.sub);
            if sub.properties().minimum_len().is_none() && r.min == 0 {
                // Zero repetitions of something impossible still match (empty).
                return Hir::empty();
            }
            Hir::repetition(hir::Repetition {
                sub: Box::new(sub),
                ..r.clone()
            })
        }
        HirKind::Capture(cap) => Hir::capture(hir::Capture {
            sub: Box::new(without_uppercase(&cap.sub)),
            ..cap.clone()
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(without_uppercase).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(without_uppercase).collect())
        }
        HirKind::Empty | HirKind::Look(_) => h.clone(),
    }
}

/// The parts of a character range that are not uppercase letters.
fn split_out_uppercase(start: char, end: char) -> Vec<hir::ClassUnicodeRange> {
    let mut out = Vec::new();
    let mut run: Option<(char, char)> = None;
    // Wide ranges (`.`, `\W`, negated classes) certainly keep lowercase text: skip the scan.
    if (end as u32) - (start as u32) > 0x2000 {
        return vec![hir::ClassUnicodeRange::new(start, end)];
    }
    for c in (start..=end).filter(|c| !c.is_uppercase()) {
        run = match run {
            Some((s, e)) if (e as u32) + 1 == c as u32 => Some((s, c)),
            Some((s, e)) => {
                out.push(hir::ClassUnicodeRange::new(s, e));
                Some((c, c))
            }
            None => Some((c, c)),
        };
    }
    if let Some((s, e)) = run {
        out.push(hir::ClassUnicodeRange::new(s, e));
    }
    out
}

/// Word entries listed twice in one rule, or in two enabled rules with the same action.
fn duplicates(c: &Compiled, out: &mut Vec<Finding>) {
    let live = |e: &&Entry| e.role == Role::Word && c.rules[e.rule].enabled;
    let mut first: HashMap<(usize, &str), &Entry> = HashMap::new();
    let mut twice: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in c.entries.iter().filter(live) {
        if let Some(earlier) = first.insert((e.rule, &e.key), e) {
            twice.entry(e.rule).or_default().push(format!(
                "\"{}\" ({} and {})",
                e.key, earlier.origin, e.origin
            ));
        }
    }
    for (rule, items) in twice {
        let message = format!(
            "{} {} listed twice: {}",
            items.len(),
            entries_are(items.len()),
            list(items.iter().cloned(), items.len())
        );
        out.push(finding(
            &c.rules[rule],
            Severity::Warning,
            "duplicate_word",
            message,
            None,
        ));
    }
    // Across rules: the first rule (in file order) with the same action owns the entry.
    let mut owner: HashMap<(super::Action, &str), usize> = HashMap::new();
    let mut shared: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    for e in c.entries.iter().filter(live) {
        let key = (c.rules[e.rule].action, e.key.as_str());
        match owner.get(&key) {
            Some(&o) if o != e.rule => shared.entry((e.rule, o)).or_default().push(&e.key),
            Some(_) => {}
            None => {
                owner.insert(key, e.rule);
            }
        }
    }
    for ((rule, other), mut keys) in shared {
        keys.dedup();
        let r = &c.rules[rule];
        let message = format!(
            "{} {} also in rule `{}` (same action \"{}\"): {}",
            keys.len(),
            entries_are(keys.len()),
            c.rules[other].id,
            r.action.as_str(),
            quoted_list(keys.iter().copied(), keys.len())
        );
        out.push(finding(
            r,
            Severity::Warning,
            "duplicate_word",
            message,
            None,
        ));
    }
}

/// The lines of the everyday-English sample.
fn sample_lines() -> Vec<&'static str> {
    EVERYDAY_ENGLISH
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Fuzzy rules whose entries match a line of the everyday-English sample only through an edit
/// ("subscribe" taking "subscribed"): each such line is a false positive in waiting.
fn fuzzy_everyday(c: &Compiled, lines: &[&str], out: &mut Vec<Finding>) {
    if !c.rules.iter().any(|r| r.enabled && r.fuzzy) {
        return;
    }
    // rule index → (lines hit, first line hit, matched texts)
    let mut hits: BTreeMap<usize, (usize, &str, Vec<String>)> = BTreeMap::new();
    for line in lines {
        let norm = normalize(line);
        let views = [
            (&c.phrases_norm, norm.text(), norm.joined()),
            (&c.phrases_raw, *line, &[][..]),
        ];
        let mut rules_hit = HashSet::new();
        for (index, text, joined) in views {
            for o in index.find(text, &tokens(text), joined) {
                if !o.fuzzy || o.owner.role != Role::Word {
                    continue;
                }
                let rule = o.owner.rule as usize;
                let entry = hits.entry(rule).or_insert((0, line, Vec::new()));
                if rules_hit.insert(rule) {
                    entry.0 += 1;
                }
                let matched = text[o.start..o.end].to_lowercase();
                if !entry.2.contains(&matched) {
                    entry.2.push(matched);
                }
            }
        }
    }
    for (i, (count, example, matched)) in hits {
        let message = format!(
            "fuzzy matching hits {count} of {} lines of ordinary English, matching {}: list the \
             misspellings you mean as entries instead, or drop `fuzzy`",
            lines.len(),
            quoted_list(matched.iter().map(String::as_str), matched.len())
        );
        out.push(finding(
            &c.rules[i],
            Severity::Warning,
            "fuzzy_everyday",
            message,
            Some(example.to_string()),
        ));
    }
}

/// Words and regex rules that hit more than 1% of the everyday-English sample.
fn over_broad(c: &Compiled, lines: &[&str], out: &mut Vec<Finding>) {
    // rule index → (lines hit, first line hit, matched texts)
    let mut hits: BTreeMap<usize, (usize, &str, Vec<String>)> = BTreeMap::new();
    let index: HashMap<&str, usize> = c
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    for line in lines {
        let comment = CommentInput {
            body: line,
            author_name: "",
            author_email: None,
            history: AuthorHistory {
                prior_published: 1,
                ..Default::default()
            },
        };
        for m in evaluate(c, &comment, None, None).matches {
            let i = index[m.rule_id.as_str()];
            if !matches!(c.rules[i].kind, Kind::Words | Kind::Regex) {
                continue;
            }
            let entry = hits.entry(i).or_insert((0, line, Vec::new()));
            entry.0 += 1;
            for h in m.hits {
                let text = match h.view {
                    View::Raw => h.matched.to_lowercase(),
                    View::Normalized => h.matched,
                };
                if !entry.2.contains(&text) {
                    entry.2.push(text);
                }
            }
        }
    }
    for (i, (count, example, matched)) in hits {
        if (count as f64) <= OVER_BROAD_SHARE * lines.len() as f64 {
            continue;
        }
        let message = format!(
            "over-broad: hits {count} of {} lines of ordinary English ({:.1}%), matching {}",
            lines.len(),
            100.0 * count as f64 / lines.len() as f64,
            quoted_list(matched.iter().map(String::as_str), matched.len())
        );
        out.push(finding(
            &c.rules[i],
            Severity::Warning,
            "over_broad",
            message,
            Some(example.to_string()),
        ));
    }
}
