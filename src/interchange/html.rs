//! Comment bodies from other systems are HTML (`<p>`, `<br>`, `<a>`, entities); Gatehouse
//! stores plain text and the widget shows it as text. Tags are dropped, paragraph and line
//! breaks kept as newlines, character references decoded as the rules decode them
//! (`rules::reference_at`).

/// The text a reader saw in `html`.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            let Some(end) = rest.find('>') else {
                // A lone `<` is text ("a < b").
                out.push('<');
                rest = &rest[1..];
                continue;
            };
            // A tag's name follows `<` (or `</`) at once: `a < b` is text.
            let tag = rest[1..end].to_ascii_lowercase();
            let name = tag
                .trim_start_matches('/')
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                out.push('<');
                rest = &rest[1..];
                continue;
            }
            match (name, tag.starts_with('/')) {
                ("br", _) => out.push('\n'),
                ("p" | "div" | "blockquote" | "li", true) => out.push_str("\n\n"),
                _ => {}
            }
            rest = &rest[end + 1..];
        } else {
            match crate::rules::reference_at(rest) {
                // A no-break space is an ordinary space in stored text.
                Some((c, len)) => {
                    out.push(if c == '\u{a0}' { ' ' } else { c });
                    rest = &rest[len..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    collapse_blank_lines(out.trim())
}

/// At most one blank line in a row; trailing spaces of lines dropped.
fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn paragraphs_and_breaks_become_newlines_and_tags_go() {
        assert_eq!(
            to_text("<p>First <b>bold</b> line<br>second</p><p>Next &amp; last</p>"),
            "First bold line\nsecond\n\nNext & last"
        );
    }

    #[test]
    fn text_that_only_looks_like_markup_stays() {
        assert_eq!(to_text("a < b && c > d; 3<4"), "a < b && c > d; 3<4");
        assert_eq!(to_text("&#233;t&#xE9; &bogus; &"), "été &bogus; &");
    }

    #[test]
    fn a_link_keeps_its_words() {
        assert_eq!(
            to_text(r#"see <a href="https://x.org" rel="nofollow">this</a>"#),
            "see this"
        );
    }
}
