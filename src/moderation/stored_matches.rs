//! A stored verdict's matches as a queue page shows them: handed on as written when they have
//! the shape the judge writes, rebuilt from the parsed verdict otherwise.

use crate::rules::{RuleMatch, Verdict};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// The part of a stored verdict a queue page shows, borrowed from the stored text.
#[derive(Deserialize)]
struct StoredVerdict<'a> {
    #[serde(borrow)]
    matches: &'a RawValue,
}

/// What a match written by today's judge has: every field of `RuleMatch`, `shadow` included
/// (verdicts stored before shadow rules existed lack it, and clients are owed `false`).
#[derive(Deserialize)]
#[allow(dead_code)] // read only to check that each field is there, with the right kind
struct MatchShape {
    rule_id: IgnoredAny,
    description: IgnoredAny,
    kind: IgnoredAny,
    action: IgnoredAny,
    weight: f64,
    shadow: bool,
    hits: Vec<IgnoredAny>,
}

/// A verdict's matches (a JSON list of `RuleMatch`): a queue page hands them on as stored
/// instead of building and re-serializing every match, hit and learned token of 50 verdicts.
/// Matches of another shape (an older verdict, an import's) go through `RuleMatch` as before,
/// and a verdict that cannot be read serializes as no matches rather than hiding the comment.
#[derive(Debug, Clone)]
pub struct StoredMatches(Option<Box<RawValue>>);

impl StoredMatches {
    pub fn of_verdict(verdict: &str) -> StoredMatches {
        let as_written = serde_json::from_str::<StoredVerdict<'_>>(verdict)
            .ok()
            .filter(|v| serde_json::from_str::<Vec<MatchShape>>(v.matches.get()).is_ok())
            .map(|v| v.matches.to_owned());
        StoredMatches(as_written.or_else(|| rebuilt(verdict)))
    }
}

/// The matches of a verdict parsed in full and written again (`None`: not a verdict).
fn rebuilt(verdict: &str) -> Option<Box<RawValue>> {
    let matches: Vec<RuleMatch> = serde_json::from_str::<Verdict>(verdict).ok()?.matches;
    serde_json::value::to_raw_value(&matches).ok()
}

impl Serialize for StoredMatches {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(raw) => raw.serialize(s),
            None => s.collect_seq(std::iter::empty::<()>()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Action, Decision, Field, Hit, View};
    use serde_json::{json, Value};

    fn verdict() -> Verdict {
        Verdict {
            decision: Decision::Hold,
            score: 2.5,
            hold_threshold: 2.0,
            reject_threshold: 5.0,
            matches: vec![RuleMatch {
                rule_id: "spam.links".into(),
                description: "a link \"quoted\" ünïcode".into(),
                kind: "words".into(),
                action: Action::Score,
                weight: 0.1 + 0.2,
                shadow: false,
                hits: vec![Hit {
                    field: Field::Body,
                    view: View::Normalized,
                    start: 3,
                    end: 9,
                    matched: "ab\\c".into(),
                }],
                learned: None,
            }],
            rules_version: "v1".into(),
        }
    }

    /// What a queue page showed before matches were handed on as stored.
    fn parsed_and_written_again(stored: &str) -> Value {
        let matches = serde_json::from_str::<Verdict>(stored)
            .map(|v| v.matches)
            .unwrap_or_default();
        serde_json::to_value(matches).unwrap()
    }

    fn shown(stored: &str) -> String {
        serde_json::to_string(&StoredMatches::of_verdict(stored)).unwrap()
    }

    #[test]
    fn matches_the_judge_wrote_are_shown_byte_for_byte_as_before() {
        let v = verdict();
        let stored = serde_json::to_string(&v).unwrap();
        assert_eq!(shown(&stored), serde_json::to_string(&v.matches).unwrap());
        assert!(
            matches!(StoredMatches::of_verdict(&stored).0, Some(ref raw) if stored.contains(raw.get()))
        );
    }

    #[test]
    fn a_verdict_from_before_shadow_rules_shows_shadow_false() {
        let mut stored: Value = serde_json::to_value(verdict()).unwrap();
        stored["matches"][0]
            .as_object_mut()
            .unwrap()
            .remove("shadow");
        let stored = stored.to_string();
        let shown: Value = serde_json::from_str(&shown(&stored)).unwrap();
        assert_eq!(shown[0]["shadow"], json!(false));
        assert_eq!(shown, parsed_and_written_again(&stored));
    }

    #[test]
    fn an_imported_verdict_with_its_keys_reordered_shows_the_same_matches() {
        // serde_json::Value sorts keys: how an import without `--judge` stored verdicts.
        let stored = serde_json::to_value(verdict()).unwrap().to_string();
        let shown: Value = serde_json::from_str(&shown(&stored)).unwrap();
        assert_eq!(shown, parsed_and_written_again(&stored));
    }

    #[test]
    fn matches_of_another_shape_are_shown_as_a_verdict_would_read_them() {
        for stored in [
            r#"{"matches":[1]}"#,
            r#"{"matches":[null]}"#,
            r#"{"matches":[{}]}"#,
            r#"{"matches":[{"shadow":true}]}"#,
            r#"{"matches":{"rule_id":"x"}}"#,
        ] {
            assert_eq!(shown(stored), "[]", "{stored}");
        }
    }

    #[test]
    fn an_unreadable_verdict_shows_no_matches() {
        for stored in ["", "not json", "{\"matches\": 3}", "{\"score\": 1}", "{}"] {
            assert_eq!(shown(stored), "[]", "{stored}");
        }
    }
}
