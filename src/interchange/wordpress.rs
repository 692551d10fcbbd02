//! WordPress' export (WXR): `<item>` posts (`<link>`, `<guid>`, `<wp:post_name>`,
//! `<wp:post_id>`) each holding `<wp:comment>` elements (`comment_id`, `comment_parent` with
//! 0 for none, `comment_author`, `comment_author_email`, `comment_author_IP`,
//! `comment_date_gmt`, `comment_content`, `comment_approved`, `comment_type`). Comments stream.
//!
//! States: `1` published, `0` pending, `spam` and `trash` (also `post-trashed`) rejected.
//! Pingbacks and trackbacks are not readers' comments: skipped, and counted.

use super::xml::{next_item, Step, XmlWalker};
use super::{html, parse_time, ArticleMapping, Item, Malformed, Position, SourceComment};
use crate::rules::CommentStatus;
use std::io::BufRead;

#[derive(Default)]
struct PostFields {
    link: String,
    guid: String,
    post_name: String,
    post_id: String,
    /// The article id, worked out when the post's first comment opens.
    article: Option<Result<String, String>>,
}

#[derive(Default)]
struct CommentFields {
    id: String,
    parent: String,
    author: String,
    email: String,
    ip: String,
    date: String,
    date_gmt: String,
    content: String,
    approved: String,
    kind: String,
}

pub struct WordpressReader<R: BufRead> {
    walker: XmlWalker<R>,
    mapping: ArticleMapping,
    post: Option<PostFields>,
    comment: Option<(CommentFields, Position)>,
}

impl<R: BufRead> WordpressReader<R> {
    pub fn new(input: R, mapping: ArticleMapping) -> Self {
        WordpressReader {
            walker: XmlWalker::new(input),
            mapping,
            post: None,
            comment: None,
        }
    }

    fn finish_comment(&mut self, c: CommentFields, position: Position) -> Item {
        let mut problems = self.walker.take_problems();
        let id = c.id.trim().to_string();
        if id.is_empty() {
            problems.push("the comment has no comment_id".into());
        }
        if matches!(c.kind.trim(), "pingback" | "trackback") {
            return Item::Skipped {
                position,
                reason: format!("a {} (not a reader's comment)", c.kind.trim()),
            };
        }
        let article = match self.post.as_ref().and_then(|p| p.article.clone()) {
            Some(Ok(article)) => Some(article),
            Some(Err(why)) => {
                problems.push(format!("comment {id}: its post has {why}"));
                None
            }
            None => {
                problems.push(format!("comment {id} is outside any post"));
                None
            }
        };
        let (status, source_state) = match c.approved.trim() {
            "1" | "approve" => (Some(CommentStatus::Published), None),
            "0" | "hold" => (Some(CommentStatus::Pending), Some("unapproved")),
            "spam" => (Some(CommentStatus::Rejected), Some("spam")),
            "trash" | "post-trashed" => (Some(CommentStatus::Rejected), Some("trash")),
            other => {
                problems.push(format!(
                    "comment {id}: comment_approved {other:?} is not 1, 0, spam or trash"
                ));
                (None, None)
            }
        };
        let date = if c.date_gmt.trim().is_empty() || c.date_gmt.starts_with("0000") {
            &c.date
        } else {
            &c.date_gmt
        };
        let created_at = parse_time(date)
            .map_err(|e| problems.push(format!("comment {id}: comment_date_gmt: {e}")))
            .ok();
        let (Some(article_id), Some(status), Some(created_at), true) =
            (article, status, created_at, problems.is_empty())
        else {
            return Item::Malformed(Malformed {
                position,
                message: problems.join("; "),
            });
        };
        let parent = c.parent.trim();
        let (email, ip, author) = (c.email.trim(), c.ip.trim(), c.author.trim());
        Item::Comment(Box::new(SourceComment {
            position,
            source_id: id,
            article_id,
            parent_source_id: (!parent.is_empty() && parent != "0").then(|| parent.to_string()),
            author_name: if author.is_empty() {
                "Anonymous"
            } else {
                author
            }
            .to_string(),
            author_email: (!email.is_empty()).then(|| email.to_string()),
            body: html::to_text(&c.content),
            created_at,
            status,
            source_state: source_state.map(str::to_string),
            client_ip: (!ip.is_empty()).then(|| ip.to_string()),
            record: None,
        }))
    }

    fn step(&mut self) -> Result<Option<Item>, String> {
        let step = self.walker.next_step()?;
        match step {
            Step::Eof => Ok(None),
            Step::Open { name, depth: 3, .. } if name == "item" => {
                let _ = self.walker.take_problems();
                self.post = Some(PostFields::default());
                Ok(None)
            }
            Step::Open { name, depth: 4, .. } if name == "comment" => {
                if let Some(post) = &mut self.post {
                    if post.article.is_none() {
                        let url = if post.link.trim().is_empty() {
                            &post.guid
                        } else {
                            &post.link
                        };
                        let identifier = if post.post_name.trim().is_empty() {
                            &post.post_id
                        } else {
                            &post.post_name
                        };
                        post.article = Some(self.mapping.article_id(url.trim(), identifier));
                    }
                }
                // Problems of the post's own fields are not this comment's.
                let _ = self.walker.take_problems();
                self.walker.records += 1;
                let position = Position {
                    record: self.walker.records,
                    byte: self.walker.position(),
                    line: None,
                };
                self.comment = Some((CommentFields::default(), position));
                Ok(None)
            }
            Step::Open { .. } => Ok(None),
            Step::Close { name, depth: 4, .. } if name == "comment" => Ok(self
                .comment
                .take()
                .map(|(c, position)| self.finish_comment(c, position))),
            Step::Close { name, depth: 3, .. } if name == "item" => {
                self.post = None;
                Ok(None)
            }
            Step::Close {
                name,
                text,
                depth: 4,
            } => {
                if let Some(post) = &mut self.post {
                    match name.as_str() {
                        "link" => post.link = text,
                        "guid" => post.guid = text,
                        "post_name" => post.post_name = text,
                        "post_id" => post.post_id = text,
                        _ => {}
                    }
                }
                Ok(None)
            }
            Step::Close {
                name,
                text,
                depth: 5,
            } => {
                if let Some((c, _)) = &mut self.comment {
                    let field = match name.as_str() {
                        "comment_id" => &mut c.id,
                        "comment_parent" => &mut c.parent,
                        "comment_author" => &mut c.author,
                        "comment_author_email" => &mut c.email,
                        "comment_author_IP" => &mut c.ip,
                        "comment_date" => &mut c.date,
                        "comment_date_gmt" => &mut c.date_gmt,
                        "comment_content" => &mut c.content,
                        "comment_approved" => &mut c.approved,
                        "comment_type" => &mut c.kind,
                        _ => return Ok(None),
                    };
                    *field = text;
                }
                Ok(None)
            }
            Step::Close { .. } => Ok(None),
        }
    }
}

impl<R: BufRead> Iterator for WordpressReader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        next_item(self, |r| &mut r.walker, Self::step)
    }
}
