//! Disqus' XML export: `<thread dsq:id>` elements (page `<link>`, identifier `<id>`) then
//! `<post dsq:id>` elements (`<message>` HTML, `<createdAt>`, `<isDeleted>`, `<isSpam>`,
//! `<isApproved>`, `<author>` with `<name>`/`<email>`, `<ipAddress>`, `<thread dsq:id>`,
//! `<parent dsq:id>`). Threads are remembered (id to article id) as they pass; posts stream.
//!
//! States: spam and deleted posts become `rejected` (kept for moderators, never shown),
//! `isApproved` false becomes `pending`, every other post `published`.

use super::xml::{next_item, Step, XmlWalker};
use super::{html, parse_time, ArticleMapping, Item, Malformed, Position, SourceComment};
use crate::rules::CommentStatus;
use std::collections::HashMap;
use std::io::BufRead;

#[derive(Default)]
struct PostFields {
    id: Option<String>,
    message: String,
    created_at: String,
    is_deleted: bool,
    is_spam: bool,
    is_approved: Option<bool>,
    author_name: String,
    author_username: String,
    author_email: String,
    ip: String,
    thread: Option<String>,
    parent: Option<String>,
}

#[derive(Default)]
struct ThreadFields {
    dsq_id: Option<String>,
    identifier: String,
    link: String,
}

enum Open {
    Nothing,
    Thread(ThreadFields),
    Post(Box<PostFields>, Position),
}

pub struct DisqusReader<R: BufRead> {
    walker: XmlWalker<R>,
    mapping: ArticleMapping,
    /// Each thread's `dsq:id` to its article id, or why it has none.
    threads: HashMap<String, Result<String, String>>,
    open: Open,
}

impl<R: BufRead> DisqusReader<R> {
    pub fn new(input: R, mapping: ArticleMapping) -> Self {
        DisqusReader {
            walker: XmlWalker::new(input),
            mapping,
            threads: HashMap::new(),
            open: Open::Nothing,
        }
    }

    fn finish_post(&mut self, post: PostFields, position: Position) -> Item {
        let mut problems = self.walker.take_problems();
        let malformed = |position: Position, problems: Vec<String>| {
            Item::Malformed(Malformed {
                position,
                message: problems.join("; "),
            })
        };
        let Some(source_id) = post.id.filter(|id| !id.is_empty()) else {
            problems.push("the post has no dsq:id".into());
            return malformed(position, problems);
        };
        let article_id = match post.thread.as_deref().map(|t| self.threads.get(t)) {
            Some(Some(Ok(article))) => Some(article.clone()),
            Some(Some(Err(why))) => {
                problems.push(format!("post {source_id}: its thread has {why}"));
                None
            }
            Some(None) => {
                problems.push(format!("post {source_id}: its thread is not in the file"));
                None
            }
            None => {
                problems.push(format!("post {source_id} names no thread"));
                None
            }
        };
        let created_at = parse_time(&post.created_at)
            .map_err(|e| problems.push(format!("post {source_id}: createdAt: {e}")))
            .ok();
        let (Some(article_id), Some(created_at), true) =
            (article_id, created_at, problems.is_empty())
        else {
            return malformed(position, problems);
        };
        let (status, source_state) = if post.is_spam {
            (CommentStatus::Rejected, Some("spam"))
        } else if post.is_deleted {
            (CommentStatus::Rejected, Some("deleted"))
        } else if post.is_approved == Some(false) {
            (CommentStatus::Pending, Some("unapproved"))
        } else {
            (CommentStatus::Published, None)
        };
        let name = [post.author_name.trim(), post.author_username.trim()]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or("Anonymous")
            .to_string();
        let email = post.author_email.trim();
        let ip = post.ip.trim();
        Item::Comment(Box::new(SourceComment {
            position,
            source_id,
            article_id,
            parent_source_id: post.parent.filter(|p| !p.is_empty()),
            author_name: name,
            author_email: (!email.is_empty()).then(|| email.to_string()),
            body: html::to_text(&post.message),
            created_at,
            status,
            source_state: source_state.map(str::to_string),
            client_ip: (!ip.is_empty()).then(|| ip.to_string()),
            record: None,
        }))
    }

    fn finish_thread(&mut self, thread: ThreadFields) {
        let problems = self.walker.take_problems();
        let Some(dsq_id) = thread.dsq_id else {
            return;
        };
        let article = if problems.is_empty() {
            self.mapping
                .article_id(thread.link.trim(), &thread.identifier)
        } else {
            Err(format!("unreadable fields: {}", problems.join("; ")))
        };
        self.threads.insert(dsq_id, article);
    }

    fn step(&mut self) -> Result<Option<Item>, String> {
        let step = self.walker.next_step()?;
        let attribute = |attributes: &[(String, String)]| {
            attributes
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.trim().to_string())
        };
        match step {
            Step::Eof => Ok(None),
            Step::Open {
                name,
                attributes,
                depth: 2,
            } => {
                // Problems before a record belong to no record.
                let _ = self.walker.take_problems();
                if name == "post" {
                    self.walker.records += 1;
                    let position = Position {
                        record: self.walker.records,
                        byte: self.walker.position(),
                        line: None,
                    };
                    let post = PostFields {
                        id: attribute(&attributes),
                        ..PostFields::default()
                    };
                    self.open = Open::Post(Box::new(post), position);
                } else if name == "thread" {
                    self.open = Open::Thread(ThreadFields {
                        dsq_id: attribute(&attributes),
                        ..ThreadFields::default()
                    });
                }
                Ok(None)
            }
            Step::Open {
                name,
                attributes,
                depth: 3,
            } => {
                if let Open::Post(post, _) = &mut self.open {
                    match name.as_str() {
                        "thread" => post.thread = attribute(&attributes),
                        "parent" => post.parent = attribute(&attributes),
                        _ => {}
                    }
                }
                Ok(None)
            }
            Step::Open { .. } => Ok(None),
            Step::Close {
                name,
                text,
                depth: 2,
            } => match (
                std::mem::replace(&mut self.open, Open::Nothing),
                name.as_str(),
            ) {
                (Open::Post(post, position), "post") => Ok(Some(self.finish_post(*post, position))),
                (Open::Thread(thread), "thread") => {
                    self.finish_thread(thread);
                    Ok(None)
                }
                _ => {
                    drop(text);
                    Ok(None)
                }
            },
            Step::Close { name, text, depth } => {
                let in_author = self.walker.path().get(2).is_some_and(|n| n == "author");
                match &mut self.open {
                    Open::Post(post, _) if depth == 3 => match name.as_str() {
                        "message" => post.message = text,
                        "createdAt" => post.created_at = text,
                        "isDeleted" => post.is_deleted = truthy(&text),
                        "isSpam" => post.is_spam = truthy(&text),
                        "isApproved" => post.is_approved = Some(truthy(&text)),
                        "ipAddress" => post.ip = text,
                        _ => {}
                    },
                    Open::Post(post, _) if depth == 4 && in_author => match name.as_str() {
                        "name" => post.author_name = text,
                        "username" => post.author_username = text,
                        "email" => post.author_email = text,
                        _ => {}
                    },
                    Open::Thread(thread) if depth == 3 => match name.as_str() {
                        "id" => thread.identifier = text,
                        "link" => thread.link = text,
                        _ => {}
                    },
                    _ => {}
                }
                Ok(None)
            }
        }
    }
}

fn truthy(text: &str) -> bool {
    matches!(text.trim(), "true" | "1")
}

impl<R: BufRead> Iterator for DisqusReader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        next_item(self, |r| &mut r.walker, Self::step)
    }
}
