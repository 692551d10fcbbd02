//! Property tests: arbitrary text never panics normalize or evaluate, and every hit is a
//! valid char-boundary span of the raw field.

use super::tests::{body, rules, BANNED, LINKS, SCORES};
use super::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn all_kinds() -> &'static RuleSet {
    static RS: OnceLock<RuleSet> = OnceLock::new();
    RS.get_or_init(|| {
        rules(&format!(
            "{BANNED}{LINKS}{SCORES}\n[[rule]]\nid = \"re\"\ndescription = \"r\"\nkind = \"regex\"\naction = \"score\"\nweight = 1.0\npatterns = ['\\b\\w+\\b', '.']\nexceptions = [\"a\"]\nfields = [\"body\", \"author_name\", \"author_email\"]\n\n[[rule]]\nid = \"rep\"\ndescription = \"r\"\nkind = \"repeated_chars\"\naction = \"score\"\nweight = 1.0\nmax_run = 2\ntarget = \"both\"\n"
        ))
    })
}

fn check_spans(raw: &str, field: Field, v: &Verdict) {
    for h in v
        .matches
        .iter()
        .flat_map(|m| &m.hits)
        .filter(|h| h.field == field)
    {
        assert!(h.start <= h.end && h.end <= raw.len(), "{h:?}");
        assert!(
            raw.is_char_boundary(h.start) && raw.is_char_boundary(h.end),
            "{h:?}"
        );
    }
}

proptest! {
    #[test]
    fn normalize_never_panics_and_maps_to_char_boundaries(s in "\\PC{0,80}", a in 0usize..400, b in 0usize..400) {
        let n = normalize(&s);
        let r = n.raw_range(a.min(b), a.max(b));
        prop_assert!(r.start <= r.end && r.end <= s.len());
        prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
    }

    #[test]
    fn normalize_maps_markup_to_char_boundaries(s in "([a-zé€ .]{0,4}|&(amp|#39|#x1F600|lt|hellip|shy)?;?|</?(a|b|br|p)( href=[\"']?[a-zé:/.&;#0-9]{0,10}[\"']?)? ?/?>?|<!--|-->){0,12}", a in 0usize..200, b in 0usize..200) {
        let n = normalize(&s);
        let r = n.raw_range(a.min(b), a.max(b));
        prop_assert!(r.start <= r.end && r.end <= s.len());
        prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
        prop_assert!(n.text().is_char_boundary(n.text().len()));
    }

    #[test]
    fn evaluate_never_panics_and_spans_are_valid(body in any::<String>(), name in "\\PC{0,20}", email in proptest::option::of("[a-z@.\u{430}\u{200b}]{0,20}")) {
        let c = CommentInput { body: &body, author_name: &name, author_email: email.as_deref(), history: AuthorHistory::default() };
        let v = all_kinds().evaluate(&c);
        check_spans(&body, Field::Body, &v);
        check_spans(&name, Field::AuthorName, &v);
        if let Some(e) = &email { check_spans(e, Field::AuthorEmail, &v); }
    }

    #[test]
    fn evaluate_handles_disguised_spam(s in "[vV1іа. \u{200b}*_-]{0,40}(viagra|v.i.a.g.r.a|spam.com)[ a-z0-9.@$]{0,40}") {
        let v = all_kinds().evaluate(&body(&s));
        check_spans(&s, Field::Body, &v);
    }
}
