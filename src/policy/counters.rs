//! `RuleHitCounters`: per-rule live and shadow hit counts, shared between threads without
//! locks (one pair of atomics per rule of a loaded `RuleSet`).

use crate::rules::{RuleSet, Verdict};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// How often one rule matched since the counters were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleHitCount {
    pub rule_id: String,
    /// Matches of the rule while it was live (they counted towards decisions).
    pub live_hits: u64,
    /// Matches of the rule in shadow mode (recorded only).
    pub shadow_hits: u64,
}

/// Hit counters for the rules of one `RuleSet`. Make a new one when the rules are swapped
/// (or keep the old one: ids the counters do not know are ignored).
#[derive(Debug)]
pub struct RuleHitCounters {
    index: HashMap<String, usize>,
    counts: Vec<(String, AtomicU64, AtomicU64)>,
}

impl RuleHitCounters {
    /// Zeroed counters for every rule of `rules`, disabled ones included.
    pub fn new(rules: &RuleSet) -> RuleHitCounters {
        let ids = rules.rule_ids();
        RuleHitCounters {
            index: ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.to_string(), i))
                .collect(),
            counts: ids
                .into_iter()
                .map(|id| (id.to_string(), AtomicU64::new(0), AtomicU64::new(0)))
                .collect(),
        }
    }

    /// Counts every rule that matched in the verdict, live or shadow.
    pub fn record(&self, verdict: &Verdict) {
        for m in &verdict.matches {
            if let Some(&i) = self.index.get(&m.rule_id) {
                let (_, live, shadow) = &self.counts[i];
                let counter = if m.shadow { shadow } else { live };
                counter.fetch_add(1, Ordering::Relaxed);
                let mode = if m.shadow { "shadow" } else { "live" };
                metrics::counter!(crate::telemetry::metrics::RULE_HITS, "rule" => m.rule_id.clone(), "mode" => mode)
                    .increment(1);
            }
        }
    }

    /// The current counts, in the rules file's order.
    pub fn snapshot(&self) -> Vec<RuleHitCount> {
        self.counts
            .iter()
            .map(|(id, live, shadow)| RuleHitCount {
                rule_id: id.clone(),
                live_hits: live.load(Ordering::Relaxed),
                shadow_hits: shadow.load(Ordering::Relaxed),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{CommentInput, RuleSet};
    use std::collections::HashMap;
    use std::path::Path;

    const SPAM_AND_SHADOW: &str = r#"
[thresholds]
hold = 5.0
reject = 10.0

[[rule]]
id = "spam.words"
description = "Spam"
kind = "words"
action = "score"
weight = 6.0
words = ["free money", "viagra"]

[[rule]]
id = "trial.reject"
description = "Trial"
kind = "words"
action = "reject"
mode = "shadow"
words = ["free money", "nice"]
"#;

    fn rules(src: &str) -> RuleSet {
        RuleSet::parse(src, Path::new("r.toml"), &HashMap::new()).unwrap()
    }

    fn body(text: &str) -> CommentInput<'_> {
        CommentInput {
            body: text,
            author_name: "reader",
            ..Default::default()
        }
    }

    #[test]
    fn counts_live_and_shadow_hits_per_rule_across_threads() {
        let rs = rules(SPAM_AND_SHADOW);
        let counters = RuleHitCounters::new(&rs);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..25 {
                        counters.record(&rs.evaluate(&body("free money")));
                    }
                });
            }
        });
        counters.record(&rs.evaluate(&body("nice")));
        let snap = counters.snapshot();
        let count = |id: &str| snap.iter().find(|c| c.rule_id == id).unwrap().clone();
        assert_eq!(
            (
                count("spam.words").live_hits,
                count("spam.words").shadow_hits
            ),
            (100, 0)
        );
        assert_eq!(
            (
                count("trial.reject").live_hits,
                count("trial.reject").shadow_hits
            ),
            (0, 101)
        );
    }
}
