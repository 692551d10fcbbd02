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
    fn fast_path_agrees_on_disguises(s in "[a-zA-Z0-9@$ .*_\\-\u{456}\u{430}\u{200b}\u{a0}\u{e9}\t\n]{0,60}") {
        proptest::prop_assert!(same_as_unit_pipeline(&s));
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
