//! The comment as the rules see it, with the facts about its author's past that some rules need.

/// Facts about the author's past that some rules need; the caller looks them up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorHistory {
    /// Comments by this author that were published before (first-comment rule).
    pub prior_published: u64,
    /// Seconds since the same body (by `body_fingerprint`) came from the same author, if it did
    /// within `RuleSet::duplicate_window`.
    pub same_body_by_author_secs_ago: Option<u64>,
    /// Seconds since the same body came from the same client IP, likewise.
    pub same_body_by_ip_secs_ago: Option<u64>,
}

/// The comment as the rules see it.
#[derive(Debug, Clone, Default)]
pub struct CommentInput<'a> {
    pub body: &'a str,
    pub author_name: &'a str,
    pub author_email: Option<&'a str>,
    pub history: AuthorHistory,
}

impl<'a> CommentInput<'a> {
    /// A comment as the admin tools and rules-file examples try it: no recent duplicate, from a
    /// reader with one published comment, or with none when `first_comment` is set.
    pub fn sample(
        body: &'a str,
        author_name: &'a str,
        author_email: Option<&'a str>,
        first_comment: bool,
    ) -> CommentInput<'a> {
        CommentInput {
            body,
            author_name,
            author_email,
            history: AuthorHistory {
                prior_published: u64::from(!first_comment),
                ..Default::default()
            },
        }
    }
}
