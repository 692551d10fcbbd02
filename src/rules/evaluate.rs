//! `RuleSet::evaluate`: runs the compiled rules over one comment (each field and view worked
//! out once, lazily) and adds up the verdict.

use super::compiled::{field_slot, Compiled, Rule, Spec};
use super::format::{Mode, Scope};
use super::learned::{self, LearnedModel, LearnedScore};
use super::links::{find_links, Link};
use super::normalize::{normalize, Normalized};
use super::stats::TextStats;
use super::word_tokens::tokens;
use super::words::{Occurrence, Role};
use super::{AuthorHistory, CommentInput, Decision, Field, Hit, RuleMatch, Verdict, View};
use std::borrow::Cow;
use std::cell::OnceCell;

/// Most hits kept per matched rule.
pub(crate) const MAX_HITS: usize = 10;
/// Most regex matches inspected per pattern (bounds work when exceptions eat hits).
const MAX_REGEX_SCAN: usize = 1000;

/// One field of the comment with its views and per-view results, computed on first use.
struct FieldCtx<'a> {
    field: Field,
    raw: &'a str,
    /// The normalized view: worked out here, or the caller's (`RuleSet::evaluate_normalized`).
    norm: OnceCell<Cow<'a, Normalized>>,
    /// Tokens of each view's text (for the phrase index).
    toks: [OnceCell<Vec<(usize, usize)>>; 2],
    occ: [OnceCell<Vec<Occurrence>>; 2],
    candidates: [OnceCell<Vec<usize>>; 2],
    links: [OnceCell<Vec<Link>>; 2],
    stats: [OnceCell<TextStats>; 2],
}

fn slot(view: View) -> usize {
    match view {
        View::Raw => 0,
        View::Normalized => 1,
    }
}

impl<'a> FieldCtx<'a> {
    fn new(field: Field, raw: &'a str) -> FieldCtx<'a> {
        FieldCtx {
            field,
            raw,
            norm: OnceCell::new(),
            toks: Default::default(),
            occ: Default::default(),
            candidates: Default::default(),
            links: Default::default(),
            stats: Default::default(),
        }
    }

    fn normalized(&self) -> &Normalized {
        self.norm
            .get_or_init(|| Cow::Owned(normalize(self.raw)))
            .as_ref()
    }

    fn text(&self, view: View) -> &str {
        match view {
            View::Raw => self.raw,
            View::Normalized => self.normalized().text(),
        }
    }

    fn to_raw(&self, view: View, start: usize, end: usize) -> (usize, usize) {
        match view {
            View::Raw => (start, end),
            View::Normalized => {
                let r = self.normalized().raw_range(start, end);
                (r.start, r.end)
            }
        }
    }

    fn occurrences(&self, c: &Compiled, view: View) -> &[Occurrence] {
        self.occ[slot(view)].get_or_init(|| {
            let idx = if view == View::Raw {
                &c.phrases_raw
            } else {
                &c.phrases_norm
            };
            if idx.is_empty() {
                return Vec::new();
            }
            let text = self.text(view);
            let toks = self.toks[slot(view)].get_or_init(|| tokens(text));
            match view {
                View::Normalized => idx.find(text, toks, self.normalized().joined()),
                View::Raw => idx.find(text, toks, &[]),
            }
        })
    }

    fn candidates(&self, c: &Compiled, view: View) -> &[usize] {
        self.candidates[slot(view)].get_or_init(|| {
            c.sets[field_slot(self.field)][slot(view)]
                .as_ref()
                .map_or_else(Vec::new, |s| s.candidates(self.text(view)))
        })
    }

    fn stats(&self, c: &Compiled, view: View) -> &TextStats {
        self.stats[slot(view)].get_or_init(|| TextStats::of(self.text(view), c.shortest_run))
    }

    fn links(&self, view: View) -> &[Link] {
        self.links[slot(view)].get_or_init(|| find_links(self.text(view)))
    }
}

/// Hits of one rule in one field and view, in view coordinates, before exceptions.
fn view_hits(
    c: &Compiled,
    index: usize,
    rule: &Rule,
    f: &FieldCtx<'_>,
    view: View,
) -> (bool, Vec<(usize, usize)>) {
    let text = f.text(view);
    match &rule.spec {
        Spec::Words => {
            let hits = f
                .occurrences(c, view)
                .iter()
                .filter(|o| o.owner.rule as usize == index && o.owner.role == Role::Word);
            (false, hits.map(|o| (o.start, o.end)).collect())
        }
        Spec::Regex => {
            let mut hits = Vec::new();
            for &p in f.candidates(c, view) {
                let pattern = &c.patterns[p];
                if pattern.rule != index {
                    continue;
                }
                let found = pattern
                    .regex
                    .find_iter(text)
                    .take(MAX_REGEX_SCAN)
                    .filter(|m| !m.is_empty());
                hits.extend(found.map(|m| (m.start(), m.end())));
            }
            hits.sort_unstable();
            hits.dedup();
            (false, hits)
        }
        Spec::LinkCount { .. } => (
            false,
            f.links(view).iter().map(|l| (l.start, l.end)).collect(),
        ),
        Spec::LinkDomains { deny, allow } => {
            let bad =
                |l: &&Link| deny.covers_link(l) || (!allow.is_empty() && !allow.covers_link(l));
            (
                false,
                f.links(view)
                    .iter()
                    .filter(bad)
                    .map(|l| (l.start, l.end))
                    .collect(),
            )
        }
        Spec::CapsRatio {
            min_ratio,
            min_letters,
        } => (f.stats(c, view).caps(*min_ratio, *min_letters), Vec::new()),
        Spec::RepeatedChars { max_run } => (false, f.stats(c, view).runs_over(*max_run)),
        Spec::Length { min, max } => {
            let n = f.stats(c, view).trimmed_chars;
            (
                min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m),
                Vec::new(),
            )
        }
        Spec::Duplicate { .. } | Spec::FirstComment | Spec::Learned { .. } => (false, Vec::new()),
    }
}

fn history_match(spec: &Spec, h: &AuthorHistory) -> bool {
    match spec {
        Spec::Duplicate {
            window_seconds,
            scope,
        } => {
            let within = |s: Option<u64>| s.is_some_and(|s| s <= *window_seconds);
            match scope {
                Scope::Author => within(h.same_body_by_author_secs_ago),
                Scope::Ip => within(h.same_body_by_ip_secs_ago),
                Scope::Either => {
                    within(h.same_body_by_author_secs_ago) || within(h.same_body_by_ip_secs_ago)
                }
            }
        }
        Spec::FirstComment => h.prior_published == 0,
        _ => false,
    }
}

fn evaluate_rule(
    c: &Compiled,
    index: usize,
    rule: &Rule,
    fields: &[FieldCtx<'_>],
    h: &AuthorHistory,
) -> Option<Vec<Hit>> {
    if rule.first_comment_only && h.prior_published > 0 {
        return None;
    }
    if matches!(rule.spec, Spec::Duplicate { .. } | Spec::FirstComment) {
        return history_match(&rule.spec, h).then(Vec::new);
    }
    let mut matched = false;
    let mut hits: Vec<Hit> = Vec::new();
    for f in fields.iter().filter(|f| rule.fields.contains(&f.field)) {
        let views = [(rule.raw, View::Raw), (rule.normalized, View::Normalized)];
        for view in views.into_iter().filter_map(|(on, v)| on.then_some(v)) {
            let (flag, found) = view_hits(c, index, rule, f, view);
            matched |= flag;
            // Exception occurrences are looked up only when there is a hit to excuse.
            let exceptions: Vec<(usize, usize)> = if rule.has_exceptions && !found.is_empty() {
                f.occurrences(c, view)
                    .iter()
                    .filter(|o| o.owner.rule as usize == index && o.owner.role == Role::Exception)
                    .map(|o| (o.start, o.end))
                    .collect()
            } else {
                Vec::new()
            };
            let kept = found
                .into_iter()
                .filter(|&(s, e)| !exceptions.iter().any(|&(xs, xe)| xs <= s && e <= xe));
            let kept: Vec<(usize, usize)> = kept.collect();
            match &rule.spec {
                Spec::LinkCount { max } => matched |= kept.len() > *max,
                _ => matched |= !kept.is_empty(),
            }
            let text = f.text(view);
            for (s, e) in kept {
                if hits.len() >= MAX_HITS {
                    break;
                }
                let (start, end) = f.to_raw(view, s, e);
                if hits
                    .iter()
                    .any(|x| x.field == f.field && x.start == start && x.end == end)
                {
                    continue;
                }
                let matched_text = text.get(s..e).unwrap_or_default().to_string();
                hits.push(Hit {
                    field: f.field,
                    view,
                    start,
                    end,
                    matched: matched_text,
                });
            }
        }
    }
    matched.then_some(hits)
}

/// The learned rule on this comment: the score it adds (within `-ham_weight..=weight`) and its
/// match, or `None` while the model is missing, too young, or undecided about the comment.
fn learned_match(
    rule: &Rule,
    fields: &[FieldCtx<'_>],
    model: Option<&LearnedModel>,
) -> Option<(f64, Vec<Hit>, LearnedScore)> {
    let Spec::Learned {
        min_ham,
        min_spam,
        min_probability,
        ham_weight,
    } = rule.spec
    else {
        return None;
    };
    let model = model.filter(|m| m.ham_docs() >= min_ham && m.spam_docs() >= min_spam)?;
    let mut scorer = learned::Scorer::new(model);
    for f in fields.iter().filter(|f| rule.fields.contains(&f.field)) {
        let text = f.text(View::Normalized);
        let toks = f.toks[slot(View::Normalized)].get_or_init(|| tokens(text));
        let links = if f.field == Field::Body {
            f.links(View::Raw)
        } else {
            &[]
        };
        scorer.field(f.field, text, toks, links);
    }
    let mut scored = scorer.scored;
    let p = learned::score(&mut scored);
    let explained = scored;
    // From `min_probability` up the weight grows linearly to its full value at p = 1; the
    // mirror image lowers the score by up to `ham_weight`. In between the rule is silent.
    let span = 1.0 - min_probability;
    let weight = if p > min_probability {
        rule.weight * (p - min_probability) / span
    } else if p < span && ham_weight > 0.0 {
        -ham_weight * (span - p) / span
    } else {
        return None;
    };
    let mut hits = Vec::with_capacity(explained.len());
    let mut shown = Vec::with_capacity(explained.len());
    for s in explained {
        let Some(f) = fields.iter().find(|f| f.field == s.feature.field) else {
            continue;
        };
        let (fs, fe) = (s.feature.start, s.feature.end);
        // Links are found in the raw text (where the link rules found them), words in the
        // normalized one.
        let view = if s.feature.link {
            View::Raw
        } else {
            View::Normalized
        };
        let matched = f.text(view).get(fs..fe).unwrap_or_default().to_string();
        let (start, end) = f.to_raw(view, fs, fe);
        let prefix = if f.field == Field::Body { "" } else { "name:" };
        shown.push(learned::LearnedToken {
            token: if s.feature.link {
                matched.clone()
            } else {
                format!("{prefix}{matched}")
            },
            spam_probability: (s.probability * 1000.0).round() / 1000.0,
        });
        hits.push(Hit {
            field: f.field,
            view,
            start,
            end,
            matched,
        });
    }
    let score = LearnedScore {
        spam_probability: (p * 1000.0).round() / 1000.0,
        ham_docs: model.ham_docs(),
        spam_docs: model.spam_docs(),
        tokens: shown,
    };
    Some((weight, hits, score))
}

/// Runs the rules over `comment`; `normalized_body`, when given, is `normalize(comment.body)`
/// already worked out by the caller (one that does not match the body's length is ignored).
pub(crate) fn evaluate(
    c: &Compiled,
    comment: &CommentInput<'_>,
    model: Option<&LearnedModel>,
    normalized_body: Option<&Normalized>,
) -> Verdict {
    let body = FieldCtx::new(Field::Body, comment.body);
    if let Some(norm) = normalized_body.filter(|n| n.raw_len() == comment.body.len()) {
        let _ = body.norm.set(Cow::Borrowed(norm));
    }
    let mut fields = vec![body, FieldCtx::new(Field::AuthorName, comment.author_name)];
    if let Some(email) = comment.author_email {
        fields.push(FieldCtx::new(Field::AuthorEmail, email));
    }
    let mut matches = Vec::new();
    let mut score = 0.0;
    let (mut reject, mut hold) = (false, false);
    for (index, rule) in c.rules.iter().enumerate() {
        if !rule.enabled {
            continue;
        }
        if let Spec::Learned { .. } = rule.spec {
            if rule.first_comment_only && comment.history.prior_published > 0 {
                continue;
            }
            let Some((weight, hits, learned)) = learned_match(rule, &fields, model) else {
                continue;
            };
            let shadow = rule.mode == Mode::Shadow;
            if !shadow {
                score += weight;
            }
            matches.push(RuleMatch {
                rule_id: rule.id.clone(),
                description: rule.description.clone(),
                kind: rule.kind.as_str().to_string(),
                action: rule.action,
                weight: (weight * 1000.0).round() / 1000.0,
                shadow,
                hits,
                learned: Some(learned),
            });
            continue;
        }
        let Some(hits) = evaluate_rule(c, index, rule, &fields, &comment.history) else {
            continue;
        };
        // A shadow rule's match is recorded but never counts.
        let shadow = rule.mode == Mode::Shadow;
        if !shadow {
            score += rule.weight;
            reject |= rule.action == super::Action::Reject;
            hold |= rule.action == super::Action::Hold;
        }
        matches.push(RuleMatch {
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            kind: rule.kind.as_str().to_string(),
            action: rule.action,
            weight: rule.weight,
            shadow,
            hits,
            learned: None,
        });
    }
    let t = c.thresholds;
    let decision = if reject || score >= t.reject {
        Decision::Reject
    } else if hold || score >= t.hold {
        Decision::Hold
    } else {
        Decision::Publish
    };
    Verdict {
        decision,
        score,
        hold_threshold: t.hold,
        reject_threshold: t.reject,
        matches,
        rules_version: c.version.clone(),
    }
}
