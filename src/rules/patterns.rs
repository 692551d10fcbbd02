//! Regex rules: every enabled pattern of every rule in one `RegexSet` per view used as a
//! prefilter (word-boundary assertions dropped, so it stays on the fast DFA), then the exact
//! per-pattern `Regex` only for patterns the set flagged.

use ::regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Compiled size limit of one pattern.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// Lazy DFA cache of one pattern.
const PATTERN_DFA_LIMIT: usize = 4 << 20;
/// Limits for the combined prefilter set.
const SET_SIZE_LIMIT: usize = 64 << 20;
const SET_DFA_LIMIT: usize = 64 << 20;

/// Compiles one rule pattern with size limits; refuses patterns that match empty text.
pub(crate) fn compile_pattern(source: &str, case_insensitive: bool) -> Result<Regex, String> {
    let re = RegexBuilder::new(source)
        .case_insensitive(case_insensitive)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_DFA_LIMIT)
        .build()
        .map_err(|e| match e {
            ::regex::Error::CompiledTooBig(limit) => {
                format!("pattern is too large (compiled size exceeds {limit} bytes)")
            }
            other => format!("invalid pattern: {other}"),
        })?;
    if re.is_match("") {
        return Err("pattern matches empty text, so it would match every comment".into());
    }
    Ok(re)
}

/// The pattern with `\b`, `\B` and `\b{...}` assertions removed and bounded repetitions
/// opened up (`{0,30}` → `{0,}`, `{3}` → `{3,}`): it matches a superset of the original, keeps
/// Unicode word boundaries out of the big set, and keeps counted repetitions from multiplying
/// its DFA states. The exact pattern checks every candidate.
pub(crate) fn prefilter_source(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    // Depth of `[...]` classes: inside one, `{` is a literal.
    let mut class = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('b') | Some('B') => {
                    if chars.peek() == Some(&'{') {
                        for d in chars.by_ref() {
                            if d == '}' {
                                break;
                            }
                        }
                    }
                }
                Some(d) => {
                    out.push('\\');
                    out.push(d);
                }
                None => out.push('\\'),
            },
            '[' => {
                class += 1;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal.
                if chars.peek() == Some(&'^') {
                    out.extend(chars.next());
                }
                if chars.peek() == Some(&']') {
                    out.extend(chars.next());
                }
            }
            ']' if class > 0 => {
                class -= 1;
                out.push(c);
            }
            '{' if class == 0 => {
                let rest: String = chars.clone().take_while(|&d| d != '}').collect();
                let min = rest.split(',').next().unwrap_or_default();
                let counted = !min.is_empty()
                    && min.bytes().all(|b| b.is_ascii_digit())
                    && rest.bytes().all(|b| b.is_ascii_digit() || b == b',')
                    && rest.matches(',').count() <= 1
                    && chars.clone().nth(rest.chars().count()) == Some('}');
                if counted {
                    for _ in 0..=rest.chars().count() {
                        chars.next();
                    }
                    out.push_str(&format!("{{{min},}}"));
                } else {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// One compiled pattern and the rule it belongs to.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub rule: usize,
    pub regex: Regex,
    pub case_insensitive: bool,
    pub source: String,
}

/// Whether every match of the pattern starts at the start of the text (`^…` without multi-line
/// mode, in every branch): such a pattern is tried once, at the start, so running it costs a
/// few bytes of scanning.
pub(crate) fn anchored_at_start(source: &str, case_insensitive: bool) -> bool {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .build()
        .parse(source)
        .is_ok_and(|hir| {
            hir.properties()
                .look_set_prefix()
                .contains(regex_syntax::hir::Look::Start)
        })
}

/// The prefilter set over a subset of patterns (one view). Identical prefilter sources (the
/// same pattern in two rules) are in the set once. Patterns anchored at the text's start stay
/// out of it and are always candidates: opened up (`{0,4}` → `{0,}`), "`^` a few words, a
/// link, a few words `$`" becomes "any text with a link", which would send every such comment
/// to the set's slower search that names its matches, while the exact pattern fails within a
/// few words.
#[derive(Debug)]
pub(crate) struct ViewSet {
    set: Option<RegexSet>,
    /// Set index → indices into the pattern table.
    members: Vec<Vec<usize>>,
    /// Patterns anchored at the start (indices into the pattern table).
    anchored: Vec<usize>,
}

impl ViewSet {
    /// Builds the set for `members` (indices into `patterns`); `None` when empty.
    pub fn build(patterns: &[Pattern], members: Vec<usize>) -> Result<Option<ViewSet>, String> {
        if members.is_empty() {
            return Ok(None);
        }
        let mut sources: Vec<String> = Vec::new();
        let mut grouped: Vec<Vec<usize>> = Vec::new();
        let mut anchored = Vec::new();
        for i in members {
            let p = &patterns[i];
            if anchored_at_start(&p.source, p.case_insensitive) {
                anchored.push(i);
                continue;
            }
            let body = prefilter_source(&p.source);
            let source = if p.case_insensitive {
                format!("(?i){body}")
            } else {
                body
            };
            match sources.iter().position(|s| *s == source) {
                Some(k) => grouped[k].push(i),
                None => {
                    sources.push(source);
                    grouped.push(vec![i]);
                }
            }
        }
        let set = if sources.is_empty() {
            None
        } else {
            let set = RegexSetBuilder::new(&sources)
                .size_limit(SET_SIZE_LIMIT)
                .dfa_size_limit(SET_DFA_LIMIT)
                .build()
                .map_err(|e| format!("the combined regex set cannot be built: {e}"))?;
            Some(set)
        };
        Ok(Some(ViewSet {
            set,
            members: grouped,
            anchored,
        }))
    }

    /// Indices (into the pattern table) of patterns that may match `text`.
    pub fn candidates(&self, text: &str) -> Vec<usize> {
        let mut out = self.anchored.clone();
        let Some(set) = &self.set else {
            return out;
        };
        // Most comments match no pattern: a search that may stop at the first match settles
        // that faster than the overlapping search that names every pattern.
        if !set.is_match(text) {
            return out;
        }
        out.extend(
            set.matches(text)
                .into_iter()
                .flat_map(|i| self.members[i].iter().copied()),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefilter_drops_word_boundaries_only() {
        assert_eq!(prefilter_source(r"\bfoo\B\d+\\b\b{start}x"), r"foo\d+\\bx");
    }

    #[test]
    fn prefilter_opens_up_counted_repetitions_outside_classes() {
        assert_eq!(
            prefilter_source(r"a[^.!?]{0,30}?b\d{3}[{}]x{2,}\{1}[]{1}]"),
            r"a[^.!?]{0,}?b\d{3,}[{}]x{2,}\{1}[]{1}]"
        );
        for (pattern, text) in [(r"\d{3}-\d{4}", "555-1234"), (r"a.{0,3}b", "a12b")] {
            let relaxed = compile_pattern(&prefilter_source(pattern), true).unwrap();
            assert!(relaxed.is_match(text), "{pattern}");
        }
    }

    #[test]
    fn only_patterns_whose_every_branch_starts_at_the_text_start_count_as_anchored() {
        assert!(anchored_at_start(r"^\W*(?:\S+\s+){0,4}?www\.", false));
        assert!(anchored_at_start(r"^(?:a|b)c", true));
        assert!(anchored_at_start(r"\A[\s\p{Cf}]+$", false));
        assert!(!anchored_at_start(r"^a|b", false));
        assert!(!anchored_at_start(r"(?m)^a", false));
        assert!(!anchored_at_start(r"a^", false));
        assert!(!anchored_at_start(r"www\.", false));
    }

    #[test]
    fn refuses_patterns_that_match_empty_text() {
        assert!(compile_pattern("a*", true).is_err());
        assert!(compile_pattern("a+", true).is_ok());
    }

    #[test]
    fn refuses_patterns_that_are_too_large() {
        let err = compile_pattern(r"\w{500}\w{500}", false).unwrap_err();
        assert!(err.contains("too large"), "{err}");
    }

    #[test]
    fn set_flags_candidates_for_exact_check() {
        let patterns = vec![
            Pattern {
                rule: 0,
                regex: compile_pattern(r"\bcat\b", true).unwrap(),
                case_insensitive: true,
                source: r"\bcat\b".into(),
            },
            Pattern {
                rule: 1,
                regex: compile_pattern("dog", false).unwrap(),
                case_insensitive: false,
                source: "dog".into(),
            },
        ];
        let set = ViewSet::build(&patterns, vec![0, 1]).unwrap().unwrap();
        assert_eq!(set.candidates("CATALOG"), vec![0]);
        assert!(!patterns[0].regex.is_match("CATALOG"));
    }

    #[test]
    fn set_holds_a_pattern_shared_by_two_rules_once() {
        let pattern = |rule| Pattern {
            rule,
            regex: compile_pattern("dog", true).unwrap(),
            case_insensitive: true,
            source: "dog".into(),
        };
        let patterns = vec![pattern(0), pattern(1)];
        let set = ViewSet::build(&patterns, vec![0, 1]).unwrap().unwrap();
        assert_eq!(set.set.as_ref().map(RegexSet::len), Some(1));
        assert_eq!(set.candidates("a DOG"), vec![0, 1]);
    }

    #[test]
    fn an_anchored_pattern_stays_out_of_the_set_and_is_always_a_candidate() {
        let pattern = |rule, source: &str| Pattern {
            rule,
            regex: compile_pattern(source, true).unwrap(),
            case_insensitive: true,
            source: source.into(),
        };
        let patterns = vec![pattern(0, r"^\W*(?:\S+\s+){0,2}?www\."), pattern(1, "dog")];
        let set = ViewSet::build(&patterns, vec![0, 1]).unwrap().unwrap();
        assert_eq!(set.set.as_ref().map(RegexSet::len), Some(1));
        assert_eq!(set.candidates("no link here"), vec![0]);
        assert_eq!(set.candidates("a dog"), vec![0, 1]);
        let only_anchored = ViewSet::build(&patterns, vec![0]).unwrap().unwrap();
        assert!(only_anchored.set.is_none());
        assert_eq!(only_anchored.candidates("see www.x.org"), vec![0]);
    }
}
