//! Unit tests of normalization: each bypass, spans back into the raw text, and the ASCII fast
//! path against the general pipeline.

use super::*;

fn n(s: &str) -> String {
    normalize(s).text().to_string()
}

/// The fast path and the unit pipeline agree (text, spans, joined).
fn same_as_unit_pipeline(s: &str) -> bool {
    let (a, b) = (normalize(s), normalize_units(s));
    a.text == b.text && a.spans == b.spans && a.joined == b.joined && a.raw_len == b.raw_len
}

#[test]
fn fast_path_matches_unit_pipeline() {
    for s in [
        "",
        " ",
        "Hello   WORLD\n\tok",
        "fr33 m0n3y in 2024 at 10% off $5 c@$h",
        "v.i.a.g.r.a now",
        "a.m. and e.g 1.2.3 a.b-c",
        "Café naïve “quoted” — ＦＲＥＥ 𝐟𝐫𝐞𝐞 vіаgrа \u{200B}x\u{00AD} 你好 123abc ß İ ﬁ ① Ⅻ",
        "l33t你5 h4x0r émoji 😀5a",
        "x\u{00A0}\u{00A0} y\u{3000}z",
        "I&#39;m &quot;sure&quot; <b>f</b>.r.e.e <a href=\"http://x.io/?a&amp;b\">x</a><br />",
        "&lt;script&gt; a & b <3 <sarcasm> &nosuch; &#128514;",
    ] {
        assert!(same_as_unit_pipeline(s), "{s:?}");
    }
}

proptest::proptest! {
    #[test]
    fn fast_path_agrees_on_arbitrary_text(s in "\\PC{0,120}") {
        proptest::prop_assert!(same_as_unit_pipeline(&s));
    }

    #[test]
    fn fast_path_agrees_on_markup(s in "([a-z .]{0,4}|&(amp|#39|#x27|lt|hellip|nbsp|x);?|</?(a|b|br|p|i|zz)( href=[\"']?[a-z:/.&;#0-9]{0,12}[\"']?)? ?/?>?|<!--|-->){0,12}") {
        proptest::prop_assert!(same_as_unit_pipeline(&s));
    }

    #[test]
    fn fast_path_agrees_on_disguises(s in "[a-zA-Z0-9@$ .*_\\-\u{456}\u{430}\u{200b}\u{a0}\u{e9}\t\n]{0,60}") {
        proptest::prop_assert!(same_as_unit_pipeline(&s));
    }

    #[test]
    fn the_character_walk_finds_spaced_letters_where_the_indexed_test_does(s in "[a-zé1 .\\-_*\u{430}\u{2014}]{0,24}") {
        let chars: Vec<char> = s.chars().collect();
        proptest::prop_assert_eq!(
            chars_have_spaced_letters(&s),
            spaced_letters_in(chars.len(), |k| chars[k])
        );
    }

    #[test]
    fn the_byte_scan_finds_spaced_letters_where_the_indexed_test_does(s in "[a-z1 .\\-_*,]{0,48}") {
        let b = s.as_bytes();
        proptest::prop_assert_eq!(
            text_has_spaced_letters(&s),
            spaced_letters_in(b.len(), |k| char::from(b[k]))
        );
    }

    /// Folding plain ASCII (no markup) is one unit per byte: each printable byte lowercased
    /// with its own span, each run of white space or control bytes one space spanning the run.
    #[test]
    fn folding_plain_ascii_keeps_each_byte_and_collapses_each_blank_run(s in "[a-zA-Z0-9 .,!?'\\t\\n\\r\\x0b\\x0c\\x01\\x7f-]{0,80}") {
        let (text, spans) = folded_byte_by_byte(&s);
        let mut folded = Flat { text: Vec::new(), spans: Vec::new() };
        fold(&s, &mut folded);
        proptest::prop_assert_eq!(folded.text, text);
        proptest::prop_assert_eq!(folded.spans, spans);
    }

    #[test]
    fn fast_path_agrees_on_ascii_disguises(s in "[a-zA-Z0-9@$ .*_\\-\t]{0,80}") {
        proptest::prop_assert!(same_as_unit_pipeline(&s));
    }
}

/// What folding plain ASCII text (no markup) writes, byte by byte: each printable byte
/// lowercased with its own span, each run of white space or control bytes one space spanning
/// the run.
fn folded_byte_by_byte(s: &str) -> (Vec<u8>, Vec<Span>) {
    let (mut text, mut spans): (Vec<u8>, Vec<Span>) = (Vec::new(), Vec::new());
    for (i, b) in s.bytes().enumerate() {
        let i = i as u32;
        if b.is_ascii_graphic() {
            text.push(b.to_ascii_lowercase());
            spans.push((i, i + 1));
        } else if text.last() == Some(&b' ') {
            if let Some(last) = spans.last_mut() {
                last.1 = i + 1;
            }
        } else {
            text.push(b' ');
            spans.push((i, i + 1));
        }
    }
    (text, spans)
}

#[test]
fn an_ampersand_or_angle_bracket_that_starts_no_markup_folds_like_any_byte() {
    for s in [
        "x &y",
        "a & b <3 c &x d < e",
        "A  &amp B&c <3<3 x<",
        "& a <",
    ] {
        let mut folded = Flat {
            text: Vec::new(),
            spans: Vec::new(),
        };
        fold(s, &mut folded);
        assert_eq!((folded.text, folded.spans), folded_byte_by_byte(s), "{s:?}");
    }
}

#[test]
fn lowercases_and_collapses_whitespace() {
    assert_eq!(n("Hello   WORLD\n\tok"), "hello world ok");
}

#[test]
fn maps_fullwidth_letters_to_ascii() {
    assert_eq!(n("ＦＲＥＥ"), "free");
}

#[test]
fn maps_mathematical_alphanumerics_to_ascii() {
    assert_eq!(n("𝐟𝐫𝐞𝐞 𝓂𝑜𝓃𝑒𝓎"), "free money");
}

#[test]
fn maps_cyrillic_and_greek_lookalikes_to_ascii() {
    assert_eq!(n("vіаgrа"), "viagra");
    assert_eq!(n("Αpple"), "apple");
}

#[test]
fn strips_zero_width_and_format_characters() {
    assert_eq!(
        n("v\u{200B}i\u{200C}a\u{200D}g\u{2060}r\u{FEFF}a\u{00AD}"),
        "viagra"
    );
}

#[test]
fn decodes_leetspeak_only_in_tokens_with_letters() {
    assert_eq!(
        n("fr33 m0n3y in 2024 at 10% off $5"),
        "free money in 2024 at 10% off $5"
    );
    assert_eq!(n("c@$h"), "cash");
}

#[test]
fn collapses_separated_single_letters() {
    assert_eq!(n("v.i.a.g.r.a now"), "viagra now");
    assert_eq!(n("v-i-a-g-r-a"), "viagra");
    assert_eq!(n("get f r e e stuff"), "get free stuff");
    assert_eq!(n("v_1_a_g_r_a"), "viagra");
    assert_eq!(n("a f.a.g.g.o.t"), "a faggot");
    assert_eq!(normalize("xx a f r e e yy").joined(), &[(3, 8)]);
}

#[test]
fn keeps_short_runs_and_mixed_separators() {
    assert_eq!(n("a.m. and e.g"), "a.m. and e.g");
    assert_eq!(n("1.2.3"), "1.2.3");
    assert_eq!(n("a.b-c"), "a.b-c");
}

#[test]
fn strips_diacritics() {
    assert_eq!(n("Café"), "cafe");
}

#[test]
fn maps_normalized_ranges_back_to_raw_bytes() {
    let raw = "xx v.і.а.g.r.а yy";
    let norm = normalize(raw);
    let pos = norm.text().find("viagra").unwrap();
    let r = norm.raw_range(pos, pos + 6);
    assert_eq!(&raw[r], "v.і.а.g.r.а");
}

#[test]
fn fingerprint_ignores_disguises() {
    assert_eq!(
        body_fingerprint("Buy  CHEAP pills"),
        body_fingerprint("buy cheap p\u{200B}ills ")
    );
    assert_ne!(
        body_fingerprint("buy cheap pills"),
        body_fingerprint("buy cheap pill")
    );
}

#[test]
fn decodes_character_references_as_a_reader_sees_them() {
    assert_eq!(
        n("I&#39;m &quot;done&quot; &amp; out&hellip; caf&eacute; &#x27;x&#x27;"),
        "i'm \"done\" & out... cafe 'x'"
    );
    assert_eq!(n("a&nbsp;b"), "a b");
    assert_eq!(n("AT&T &amp co &unknown;"), "at&t &amp co &unknown;");
}

#[test]
fn drops_tags_and_keeps_link_targets() {
    assert_eq!(
        n("line one<br />line two<p>three</p>"),
        "line one line two three "
    );
    assert_eq!(n("f<b>u</b>ck <i>off</i>"), "fuck off");
    assert_eq!(
        n("see <a href=\"http://spam.io/x?a=1&amp;b=2\" rel=\"nofollow\">this</a>!"),
        "see http://spam.io/x?a=1&b=2 this !"
    );
    assert_eq!(n("a <!-- hidden --> b"), "a b");
    assert_eq!(
        n("1 < 2 and 3 > 2, <3, <sarcasm>"),
        "1 < 2 and 3 > 2, <3, <sarcasm>"
    );
}

#[test]
fn escaped_markup_is_text_not_tags() {
    assert_eq!(n("&lt;b&gt;hi&lt;/b&gt;"), "<b>hi</b>");
}

#[test]
fn spans_of_decoded_text_point_at_the_markup_as_written() {
    let raw = "I&#39;m <a href=\"http://x.io/a&amp;b\">site</a>";
    let norm = normalize(raw);
    let text = norm.text();
    let at = |s: &str| {
        let p = text.find(s).unwrap();
        &raw[norm.raw_range(p, p + s.len())]
    };
    assert_eq!(at("'"), "&#39;");
    assert_eq!(at("i'm"), "I&#39;m");
    assert_eq!(at("http://x.io/a&b"), "http://x.io/a&amp;b");
    assert_eq!(at("site"), "site");
}
