//! The summary `rules eval` prints for labelled input: a confusion matrix (expected × got),
//! accuracy, and per rule its hits and precision. Every action (reject, hold, score) pushes a
//! comment away from "published", so a hit is correct when the comment was expected to be
//! pending or rejected, and a false positive when it was expected to be published.

use crate::rules::{CommentStatus, RuleInfo};
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

/// Counts gathered while evaluating.
#[derive(Debug, Clone)]
pub struct Summary {
    /// `matrix[expected][got]`, in the order published, pending, rejected.
    matrix: [[u64; 3]; 3],
    rules: Vec<RuleTally>,
    pub evaluated: u64,
    pub malformed: u64,
}

impl Summary {
    pub fn new(rule_count: usize) -> Summary {
        Summary {
            matrix: [[0; 3]; 3],
            rules: vec![RuleTally::default(); rule_count],
            evaluated: 0,
            malformed: 0,
        }
    }

    /// Adds one evaluated comment: its status, what was expected, and the rules it matched
    /// (indices into the rule table, live and shadow alike).
    pub fn add(&mut self, got: CommentStatus, expected: Option<CommentStatus>, matched: &[usize]) {
        self.evaluated += 1;
        if let Some(e) = expected {
            self.matrix[slot(e)][slot(got)] += 1;
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

    /// The report for stderr; empty when no comment carried `expected`.
    pub fn render(&self, infos: &[RuleInfo]) -> String {
        let labelled = self.labelled();
        if labelled == 0 {
            return String::new();
        }
        let mut s = String::new();
        let _ = writeln!(
            s,
            "confusion matrix ({labelled} labelled comments; rows expected, columns got):"
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
        let correct: u64 = (0..3).map(|i| self.matrix[i][i]).sum();
        let _ = writeln!(
            s,
            "accuracy: {:.1}% ({correct} of {labelled})",
            100.0 * correct as f64 / labelled as f64
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
            let precision = if t.labelled_hits == 0 {
                "-".to_string()
            } else {
                let ok = t.labelled_hits - t.false_positives;
                format!("{:.1}%", 100.0 * ok as f64 / t.labelled_hits as f64)
            };
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
        s.add(CommentStatus::Pending, Some(CommentStatus::Published), &[0]);
        s.add(
            CommentStatus::Pending,
            Some(CommentStatus::Pending),
            &[0, 1],
        );
        s.add(CommentStatus::Published, None, &[1]);
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
    }

    #[test]
    fn prints_nothing_without_labelled_comments() {
        let mut s = Summary::new(1);
        s.add(CommentStatus::Published, None, &[]);
        assert_eq!(s.render(&[info("a")]), "");
    }
}
