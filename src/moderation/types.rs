//! Parsed submission types: once constructed, an `ArticleId` or `NewComment` is known valid, so
//! nothing downstream re-checks.

use super::{ModerationError, Unacceptable};

pub const MAX_ARTICLE_ID_LEN: usize = 128;
pub const MAX_AUTHOR_NAME_CHARS: usize = 80;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_BODY_CHARS: usize = 10_000;

/// An article identifier chosen by the site: 1–128 characters of `A-Z a-z 0-9 - _ . : ~`, not
/// only dots (`.` and `..` are path segments a URL normalizer or proxy rewrites away).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleId(String);

impl ArticleId {
    pub fn parse(raw: &str) -> Result<Self, ModerationError> {
        let valid_char =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '~');
        if raw.is_empty()
            || raw.len() > MAX_ARTICLE_ID_LEN
            || !raw.chars().all(valid_char)
            || raw.chars().all(|c| c == '.')
        {
            return Err(ModerationError::invalid(
                "article_id",
                format!(
                    "article_id must be 1-{MAX_ARTICLE_ID_LEN} characters of letters, digits and - _ . : ~, not only dots"
                ),
            ));
        }
        Ok(ArticleId(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A reader's comment, validated and trimmed, not yet judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub parent_id: Option<uuid::Uuid>,
    /// Who this is for history, bans and rate limits (see `identity::author_key`).
    pub author_key: String,
}

impl NewComment {
    pub fn parse(
        article_id: ArticleId,
        author_name: &str,
        author_email: Option<&str>,
        body: &str,
        parent_id: Option<&str>,
    ) -> Result<Self, ModerationError> {
        let author_name = parse_author_name(author_name)?;
        let author_email = parse_email(author_email)?;
        Ok(NewComment {
            article_id,
            author_key: super::identity::author_key(&author_name, author_email.as_deref()),
            author_name,
            author_email,
            body: parse_body(body)?,
            parent_id: parent_id.map(parse_parent_id).transpose()?,
        })
    }
}

/// Characters that draw nothing: zero-width space, joiners, word joiner, byte-order mark, soft
/// hyphen, Mongolian vowel separator, invisible math operators. A text of only these (and
/// whitespace) is as empty as a blank one.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FEFF}'
                | '\u{00AD}'
                | '\u{180E}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
        )
}

/// Bidirectional embeddings, overrides and isolates: in a name they reorder the text around it
/// (a name that displays as another's, or that flips the words after it), so names drop them.
/// They are dropped rather than refused because real names carry them: copied from a
/// right-to-left page, an Arabic or Hebrew name often arrives wrapped in an embedding
/// (U+202B … U+202C), and the page's own bidi algorithm lays out its letters without them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn has_control_chars(text: &str, allow_line_breaks: bool) -> bool {
    text.chars().any(|c| {
        let allowed = allow_line_breaks && matches!(c, '\n' | '\r' | '\t');
        c.is_control() && !allowed
    })
}

fn parse_author_name(raw: &str) -> Result<String, ModerationError> {
    let without_bidi: String;
    let name = if raw.chars().any(is_bidi_control) {
        without_bidi = raw.chars().filter(|c| !is_bidi_control(*c)).collect();
        without_bidi.trim()
    } else {
        raw.trim()
    };
    if name.chars().all(is_invisible) {
        return Err(ModerationError::invalid(
            "author_name",
            "author_name is required",
        ));
    }
    if name.chars().count() > MAX_AUTHOR_NAME_CHARS {
        return Err(ModerationError::invalid(
            "author_name",
            format!("author_name must be at most {MAX_AUTHOR_NAME_CHARS} characters"),
        ));
    }
    if has_control_chars(name, false) {
        return Err(ModerationError::invalid(
            "author_name",
            "author_name must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

fn parse_email(raw: Option<&str>) -> Result<Option<String>, ModerationError> {
    let Some(email) = raw.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let invalid =
        || ModerationError::invalid("author_email", "author_email is not a valid email address");
    if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(Some(email.to_string()))
}

fn parse_body(raw: &str) -> Result<String, ModerationError> {
    if has_control_chars(raw, true) {
        return Err(ModerationError::invalid(
            "body",
            "body must not contain control characters other than line breaks and tabs",
        ));
    }
    let body = raw.trim();
    if body.chars().all(is_invisible) {
        return Err(ModerationError::Unprocessable {
            reason: Unacceptable::EmptyBody,
            field: Some("body"),
            message: "the comment is empty".into(),
        });
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ModerationError::invalid(
            "body",
            format!("body must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(body.to_string())
}

fn parse_parent_id(raw: &str) -> Result<uuid::Uuid, ModerationError> {
    uuid::Uuid::try_parse(raw.trim()).map_err(|_| {
        ModerationError::invalid("parent_id", "parent_id must be a comment id (a UUID)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> ArticleId {
        ArticleId::parse("news-2026-11-27").unwrap()
    }

    fn field_of(err: ModerationError) -> &'static str {
        match err {
            ModerationError::Invalid { field, .. } => field,
            ModerationError::Unprocessable {
                field: Some(field), ..
            } => field,
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn accepts_article_ids_sites_actually_use() {
        for id in [
            "42",
            "politics/brexit".replace('/', "-").as_str(),
            "urn:article:9~b",
            "A.b_c",
        ] {
            assert!(ArticleId::parse(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_hostile_article_ids() {
        let long = "a".repeat(129);
        for id in [
            "",
            "../etc/passwd",
            "a b",
            "<script>",
            "x\0y",
            "é",
            ".",
            "..",
            long.as_str(),
        ] {
            assert!(ArticleId::parse(id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn trims_fields_and_drops_an_empty_email() {
        let c = NewComment::parse(article(), "  Ann ", Some("  "), "  hello \n", None).unwrap();
        assert_eq!(c.author_name, "Ann");
        assert_eq!(c.author_email, None);
        assert_eq!(c.body, "hello");
    }

    #[test]
    fn empty_body_after_trimming_is_unprocessable() {
        let err = NewComment::parse(article(), "Ann", None, " \n\t ", None).unwrap_err();
        assert!(matches!(
            err,
            ModerationError::Unprocessable {
                reason: Unacceptable::EmptyBody,
                ..
            }
        ));
    }

    #[test]
    fn a_body_or_name_of_only_zero_width_characters_counts_as_empty() {
        let invisible = "\u{200B}\u{200C} \u{200D}\u{2060}\u{FEFF}";
        let err = NewComment::parse(article(), "Ann", None, invisible, None).unwrap_err();
        assert!(matches!(
            err,
            ModerationError::Unprocessable {
                reason: Unacceptable::EmptyBody,
                ..
            }
        ));
        let err = NewComment::parse(article(), invisible, None, "hi", None).unwrap_err();
        assert_eq!(field_of(err), "author_name");
        // Joiners inside real text are kept: emoji sequences need them.
        assert!(NewComment::parse(article(), "Ann", None, "ok \u{200D} fine", None).is_ok());
    }

    #[test]
    fn bidi_overrides_embeddings_and_isolates_are_dropped_from_names() {
        for (name, kept) in [
            ("Ann\u{202E}nimda", "Annnimda"),
            ("\u{2067}Ann", "Ann"),
            ("Ann\u{202A}x\u{202C}", "Annx"),
            ("\u{202B}جوجو\u{202C}", "جوجو"),
        ] {
            let comment = NewComment::parse(article(), name, None, "hi", None).unwrap();
            assert_eq!(comment.author_name, kept, "{name:?}");
        }
        let err = NewComment::parse(article(), "\u{202E}\u{2066}", None, "hi", None).unwrap_err();
        assert_eq!(field_of(err), "author_name");
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let cases = [
            ("", None, "hi", None, "author_name"),
            ("A\u{7}nn", None, "hi", None, "author_name"),
            ("Ann", Some("not-an-email"), "hi", None, "author_email"),
            ("Ann", Some("a@b"), "hi", None, "author_email"),
            ("Ann", None, "bell\u{7}", None, "body"),
            ("Ann", None, "hi", Some("123"), "parent_id"),
        ];
        for (name, email, body, parent, field) in cases {
            let err = NewComment::parse(article(), name, email, body, parent).unwrap_err();
            assert_eq!(
                field_of(err),
                field,
                "{name:?} {email:?} {body:?} {parent:?}"
            );
        }
    }

    #[test]
    fn body_limit_counts_characters_not_bytes() {
        let at_limit = "é".repeat(MAX_BODY_CHARS);
        assert!(NewComment::parse(article(), "Ann", None, &at_limit, None).is_ok());
        let over = "é".repeat(MAX_BODY_CHARS + 1);
        assert!(NewComment::parse(article(), "Ann", None, &over, None).is_err());
    }
}
