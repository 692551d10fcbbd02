//! The shape of one word-list entry, read from its folded text: a phrase of whole words, a
//! template with gaps (`check out my *`: each `*` stands for any one word), or a `near` form
//! (`subscribe near/3 channel`: both terms, in either order, at most 3 words apart).

/// One position of a phrase: a word, or a gap that any one word fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Word(String),
    Gap,
}

/// What an entry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    Phrase(Vec<Piece>),
    Near {
        left: Vec<Piece>,
        right: Vec<Piece>,
        /// Most words allowed between the two terms.
        within: usize,
    },
}

/// Largest `N` in `near/N`: beyond it, two words are hardly related.
pub(crate) const MAX_NEAR: usize = 20;

/// Reads an entry's folded text (`tokenize` splits a chunk into its words). `Err` says what is
/// wrong, for an error that names the entry's line.
pub(crate) fn parse(folded: &str, tokenize: impl Fn(&str) -> Vec<String>) -> Result<Shape, String> {
    let mut sides: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut within = None;
    for chunk in folded.split_whitespace() {
        if let Some(n) = near_operator(chunk) {
            if within.is_some() {
                return Err("an entry can hold only one `near/N`".into());
            }
            within = Some(n?);
            sides.push(Vec::new());
        } else if let Some(side) = sides.last_mut() {
            if chunk == "*" {
                side.push(Piece::Gap);
            } else {
                side.extend(tokenize(chunk).into_iter().map(Piece::Word));
            }
        }
    }
    for side in &sides {
        check_phrase(side, within.is_some())?;
    }
    match (within, sides.len()) {
        (None, _) => Ok(Shape::Phrase(sides.swap_remove(0))),
        (Some(within), 2) => {
            let right = sides.pop().unwrap_or_default();
            let left = sides.pop().unwrap_or_default();
            Ok(Shape::Near {
                left,
                right,
                within,
            })
        }
        _ => Err("an entry can hold only one `near/N`".into()),
    }
}

/// `Some` when the chunk is a `near/N` operator, with `N` or why it is not valid.
fn near_operator(chunk: &str) -> Option<Result<usize, String>> {
    let n = chunk.strip_prefix("near/")?;
    Some(match n.parse::<usize>() {
        Ok(n) if n <= MAX_NEAR => Ok(n),
        _ => Err(format!(
            "`{chunk}`: N in `near/N` must be a whole number from 0 to {MAX_NEAR}"
        )),
    })
}

fn check_phrase(pieces: &[Piece], in_near: bool) -> Result<(), String> {
    if !pieces.iter().any(|p| matches!(p, Piece::Word(_))) {
        return Err(if in_near {
            "`near/N` needs words on both sides".into()
        } else if pieces.is_empty() {
            "contains no letters or digits".into()
        } else {
            "a template needs at least one word besides `*`".into()
        });
    }
    if pieces.first() == Some(&Piece::Gap) {
        return Err("a template cannot start with `*`: put the gap after a word".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(s: &str) -> Result<Shape, String> {
        parse(s, |c| {
            c.split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        })
    }

    fn words(ws: &[&str]) -> Vec<Piece> {
        ws.iter()
            .map(|w| match *w {
                "*" => Piece::Gap,
                w => Piece::Word(w.to_string()),
            })
            .collect()
    }

    #[test]
    fn reads_phrases_templates_and_near_forms() {
        assert_eq!(
            shape("don't stop"),
            Ok(Shape::Phrase(words(&["don", "t", "stop"])))
        );
        assert_eq!(
            shape("check out my *"),
            Ok(Shape::Phrase(words(&["check", "out", "my", "*"])))
        );
        assert_eq!(
            shape("f*ck off"),
            Ok(Shape::Phrase(words(&["f", "ck", "off"])))
        );
        assert_eq!(
            shape("subscribe near/3 my channel"),
            Ok(Shape::Near {
                left: words(&["subscribe"]),
                right: words(&["my", "channel"]),
                within: 3
            })
        );
    }

    #[test]
    fn refuses_bad_templates_and_near_forms() {
        for (entry, why) in [
            ("* channel", "cannot start with `*`"),
            ("*", "at least one word besides `*`"),
            ("* *", "at least one word besides `*`"),
            ("near/3 channel", "words on both sides"),
            ("subscribe near/3", "words on both sides"),
            ("a near/2 b near/2 c", "only one `near/N`"),
            ("a near/x b", "whole number from 0 to 20"),
            ("a near/21 b", "whole number from 0 to 20"),
            ("subscribe near/2 * channel", "cannot start with `*`"),
            ("!!!", "no letters or digits"),
        ] {
            let err = shape(entry).expect_err(entry);
            assert!(err.contains(why), "{entry}: {err}");
        }
    }
}
