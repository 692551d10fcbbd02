//! The summary `rules eval` prints: per `label` (a corpus's own classes: spam, ham, hate…) how
//! many comments were published, held and rejected; for lines with `expected`, a confusion
//! matrix (expected × got), accuracy, and per rule its hits and precision. Every action (reject,
//! hold, score) pushes a comment away from "published", so a hit is correct when the comment was
//! expected to be pending or rejected, and a false positive when it was expected to be
//! published. Rendered as text for people or as JSON.

use crate::rules::{CommentStatus, RuleInfo};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;

fn slot(s: CommentStatus) -> usize {
    match s {
        CommentStatus::Published => 0,
        CommentStatus::Pending => 1,
        CommentStatus::Rejected => 2,
    }
}

#[derive(Debug, Clone, Default)]
struct RuleTally {
    hits: u64,
    labelled_hits: u64,
    false_positives: u64,
}

impl RuleTally {
    /// Share of hits on comments with `expected` that were right; none without such hits.
    fn precision(&self) -> Option<f64> {
        (self.labelled_hits > 0)
            .then(|| (self.labelled_hits - self.false_positives) as f64 / self.labelled_hits as f64)
    }
}

/// What became of the comments that carried one label.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LabelOutcomes {
    pub published: u64,
    pub pending: u64,
    pub rejected: u64,
}

impl LabelOutcomes {
    pub fn comments(&self) -> u64 {
        self.published + self.pending + self.rejected
    }

    /// Held or rejected.
    pub fn blocked(&self) -> u64 {
        self.pending + self.rejected
    }

    pub fn blocked_share(&self) -> f64 {
        self.blocked() as f64 / self.comments().max(1) as f64
    }

    fn add(&mut self, got: CommentStatus) {
        *match got {
            CommentStatus::Published => &mut self.published,
            CommentStatus::Pending => &mut self.pending,
            CommentStatus::Rejected => &mut self.rejected,
        } += 1;
    }
}

/// Counts gathered while evaluating.
#[derive(Debug, Clone)]
pub struct Summary {
    /// `matrix[expected][got]`, in the order published, pending, rejected.
    matrix: [[u64; 3]; 3],
    rules: Vec<RuleTally>,
    labels: BTreeMap<String, LabelOutcomes>,
    pub evaluated: u64,
    pub malformed: u64,
}

impl Summary {
    pub fn new(rule_count: usize) -> Summary {
        Summary {
            matrix: [[0; 3]; 3],
            rules: vec![RuleTally::default(); rule_count],
            labels: BTreeMap::new(),
            evaluated: 0,
            malformed: 0,
        }
    }

    /// Adds one evaluated comment: its status, what was expected, its label, and the rules it
    /// matched (indices into the rule table, live and shadow alike).
    pub fn add(
        &mut self,
        got: CommentStatus,
        expected: Option<CommentStatus>,
        label: Option<&str>,
        matched: &[usize],
    ) {
        self.evaluated += 1;
        if let Some(e) = expected {
            self.matrix[slot(e)][slot(got)] += 1;
        }
        if let Some(label) = label {
            match self.labels.get_mut(label) {
                Some(outcomes) => outcomes.add(got),
                None => {
                    let mut outcomes = LabelOutcomes::default();
                    outcomes.add(got);
                    self.labels.insert(label.to_string(), outcomes);
                }
            }
        }
        for &i in matched {
            let t = &mut self.rules[i];
            t.hits += 1;
            if let Some(e) = expected {
                t.labelled_hits += 1;
                t.false_positives += u64::from(e == CommentStatus::Published);
            }
        }
    }

    /// Comments that carried `expected`.
    pub fn labelled(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }

    fn accuracy(&self) -> (u64, f64) {
        let correct: u64 = (0..3).map(|i| self.matrix[i][i]).sum();
        (correct, correct as f64 / self.labelled().max(1) as f64)
    }

    /// The report for people; empty when no comment carried `label` or `expected`.
    pub fn render(&self, infos: &[RuleInfo]) -> String {
        let mut s = self.render_labels();
        let labelled = self.labelled();
        if labelled == 0 {
            return s;
        }
        let _ = writeln!(
            s,
            "confusion matrix ({labelled} comments with \"expected\"; rows expected, columns got):"
        );
        let _ = writeln!(
            s,
            "{:>12} {:>10} {:>10} {:>10}",
            "", "published", "pending", "rejected"
        );
        for e in CommentStatus::ALL {
            let row = self.matrix[slot(e)];
            let _ = writeln!(
                s,
                "{:>12} {:>10} {:>10} {:>10}",
                e.as_str(),
                row[0],
                row[1],
                row[2]
            );
        }
        let (correct, accuracy) = self.accuracy();
        let _ = writeln!(
            s,
            "accuracy: {:.1}% ({correct} of {labelled})",
            100.0 * accuracy
        );
        let _ = writeln!(
            s,
            "rules (a hit on a comment expected published is a false positive):"
        );
        let _ = writeln!(
            s,
            "  {:<32} {:>6} {:>7} {:>8} {:>6} {:>9}",
            "rule", "mode", "hits", "labelled", "false+", "precision"
        );
        for (info, t) in infos.iter().zip(&self.rules) {
            if t.hits == 0 {
                continue;
            }
            let precision = t
                .precision()
                .map_or("-".to_string(), |p| format!("{:.1}%", 100.0 * p));
            let _ = writeln!(
                s,
                "  {:<32} {:>6} {:>7} {:>8} {:>6} {:>9}",
                info.id,
                info.mode.as_str(),
                t.hits,
                t.labelled_hits,
                t.false_positives,
                precision
            );
        }
        s
    }

    fn render_labels(&self) -> String {
        let mut s = String::new();
        if self.labels.is_empty() {
            return s;
        }
        let _ = writeln!(s, "outcomes by label (blocked = held or rejected):");
        let _ = writeln!(
            s,
            "  {:<16} {:>8} {:>10} {:>8} {:>9} {:>8}",
            "label", "comments", "published", "held", "rejected", "blocked"
        );
        for (label, o) in &self.labels {
            let _ = writeln!(
                s,
                "  {:<16} {:>8} {:>10} {:>8} {:>9} {:>7.1}%",
                label,
                o.comments(),
                o.published,
                o.pending,
                o.rejected,
                100.0 * o.blocked_share()
            );
        }
        s
    }

    /// The report for machines: every count `render` shows, as one JSON object.
    pub fn json(&self, infos: &[RuleInfo]) -> serde_json::Value {
        let labels: serde_json::Map<String, serde_json::Value> = self
            .labels
            .iter()
            .map(|(label, o)| {
                let value = json!({
                    "comments": o.comments(), "published": o.published, "pending": o.pending,
                    "rejected": o.rejected, "blocked": o.blocked(),
                    "blocked_share": o.blocked_share(),
                });
                (label.clone(), value)
            })
            .collect();
        let expected = (self.labelled() > 0).then(|| {
            let matrix: serde_json::Map<String, serde_json::Value> = CommentStatus::ALL
                .iter()
                .map(|e| {
                    let row = self.matrix[slot(*e)];
                    let row = json!({"published": row[0], "pending": row[1], "rejected": row[2]});
                    (e.as_str().to_string(), row)
                })
                .collect();
            let (correct, accuracy) = self.accuracy();
            json!({
                "comments": self.labelled(), "matrix": matrix,
                "correct": correct, "accuracy": accuracy,
            })
        });
        let rules: Vec<serde_json::Value> = infos
            .iter()
            .zip(&self.rules)
            .filter(|(_, t)| t.hits > 0)
            .map(|(info, t)| {
                json!({
                    "rule_id": info.id, "mode": info.mode.as_str(), "hits": t.hits,
                    "labelled_hits": t.labelled_hits, "false_positives": t.false_positives,
                    "precision": t.precision(),
                })
            })
            .collect();
        json!({
            "evaluated": self.evaluated, "malformed": self.malformed,
            "labels": labels, "expected": expected, "rules": rules,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Action, Kind, Mode};

    fn info(id: &str) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            description: "d".into(),
            kind: Kind::Words,
            action: Action::Score,
            weight: 1.0,
            mode: Mode::Live,
            enabled: true,
            line: 1,
        }
    }

    #[test]
    fn counts_a_hit_on_a_comment_expected_published_as_a_false_positive() {
        let mut s = Summary::new(2);
        s.add(
            CommentStatus::Pending,
            Some(CommentStatus::Published),
            None,
            &[0],
        );
        s.add(
            CommentStatus::Pending,
            Some(CommentStatus::Pending),
            None,
            &[0, 1],
        );
        s.add(CommentStatus::Published, None, None, &[1]);
        let text = s.render(&[info("a"), info("b")]);
        assert!(text.contains("accuracy: 50.0% (1 of 2)"), "{text}");
        let a = text
            .lines()
            .find(|l| l.trim_start().starts_with("a "))
            .unwrap();
        assert!(a.ends_with("50.0%"), "{a}");
        let b = text
            .lines()
            .find(|l| l.trim_start().starts_with("b "))
            .unwrap();
        assert!(b.contains(" 2 ") && b.ends_with("100.0%"), "{b}");
        let json = s.json(&[info("a"), info("b")]);
        assert_eq!(json["expected"]["accuracy"], 0.5);
        assert_eq!(json["rules"][0]["precision"], 0.5);
        assert_eq!(json["rules"][1]["hits"], 2);
    }

    #[test]
    fn counts_each_labels_outcomes_and_blocked_share() {
        let mut s = Summary::new(0);
        s.add(CommentStatus::Rejected, None, Some("spam"), &[]);
        s.add(CommentStatus::Pending, None, Some("spam"), &[]);
        s.add(CommentStatus::Published, None, Some("spam"), &[]);
        s.add(CommentStatus::Published, None, Some("spam"), &[]);
        s.add(CommentStatus::Published, None, Some("ham"), &[]);
        s.add(CommentStatus::Published, None, None, &[]);
        let text = s.render(&[]);
        let spam = text
            .lines()
            .find(|l| l.trim_start().starts_with("spam "))
            .unwrap();
        let cells: Vec<&str> = spam.split_whitespace().collect();
        assert_eq!(cells, ["spam", "4", "2", "1", "1", "50.0%"], "{text}");
        assert!(!text.contains("confusion matrix"), "{text}");
        let json = s.json(&[]);
        assert_eq!(json["labels"]["spam"]["blocked"], 2);
        assert_eq!(json["labels"]["spam"]["blocked_share"], 0.5);
        assert_eq!(json["labels"]["ham"]["published"], 1);
        assert!(json["expected"].is_null());
    }

    #[test]
    fn prints_nothing_without_labelled_comments() {
        let mut s = Summary::new(1);
        s.add(CommentStatus::Published, None, None, &[]);
        assert_eq!(s.render(&[info("a")]), "");
    }
}
