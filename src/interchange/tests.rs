//! The readers on the fixtures in tests/fixtures/import (written for these tests) and on
//! hostile input built here: entity bombs, deep nesting, broken UTF-8, huge fields.

use super::*;
use crate::article_key::UrlKeyRule;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn items(format: Format, input: &[u8]) -> Vec<Item> {
    read(format, input, ArticleMapping::default()).collect()
}

fn comments(items: &[Item]) -> Vec<&SourceComment> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Comment(c) => Some(&**c),
            _ => None,
        })
        .collect()
}

fn malformed(items: &[Item]) -> Vec<&Malformed> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Malformed(m) => Some(m),
            _ => None,
        })
        .collect()
}

#[test]
fn disqus_posts_map_threads_states_and_parents() {
    let items = items(Format::Disqus, &fixture("disqus.xml"));
    let comments = comments(&items);
    let ids: Vec<&str> = comments.iter().map(|c| c.source_id.as_str()).collect();
    assert_eq!(
        ids,
        ["9003", "9002", "9004", "9005", "9006", "9007", "9002"]
    );
    let reply = comments[0];
    assert_eq!(reply.article_id, "harbourtimes.example:news:2026:budget");
    assert_eq!(reply.parent_source_id.as_deref(), Some("9002"));
    assert_eq!(reply.body, "Agreed — the ferry line matters more.");
    assert_eq!(reply.author_email.as_deref(), Some("bo@readers.example"));
    assert_eq!(reply.client_ip.as_deref(), Some("198.51.100.23"));
    assert_eq!(
        comments[1].body,
        "Finally some money for the harbour wall.\n\nAbout time & well spent."
    );
    let states: Vec<(CommentStatus, Option<&str>)> = comments[2..5]
        .iter()
        .map(|c| (c.status, c.source_state.as_deref()))
        .collect();
    assert_eq!(
        states,
        [
            (CommentStatus::Rejected, Some("spam")),
            (CommentStatus::Rejected, Some("deleted")),
            (CommentStatus::Pending, Some("unapproved")),
        ]
    );
    assert_eq!(comments[4].article_id, "harbourtimes.example:sport:regatta");
    let problems = malformed(&items);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].message.contains("createdAt"), "{problems:?}");
    assert_eq!(problems[0].position.record, 7);
    assert!(problems[1].message.contains("thread is not in the file"));
    assert_eq!(problems[1].position.record, 9);
}

#[test]
fn disqus_threads_can_be_keyed_by_identifier() {
    let mapping = ArticleMapping {
        from: ArticleIdFrom::Identifier,
        url_rule: UrlKeyRule::default(),
    };
    let items: Vec<Item> = read(Format::Disqus, &fixture("disqus.xml")[..], mapping).collect();
    let comments = comments(&items);
    assert_eq!(comments[0].article_id, "budget-2026");
    // The regatta thread has no identifier: its URL keys it.
    assert_eq!(comments[4].article_id, "harbourtimes.example:sport:regatta");
}

#[test]
fn wordpress_comments_map_states_dates_and_skip_pingbacks() {
    let mapping = ArticleMapping {
        from: ArticleIdFrom::Url,
        url_rule: UrlKeyRule {
            keep_query: vec!["p".into()],
            keep_www: false,
        },
    };
    let items: Vec<Item> =
        read(Format::Wordpress, &fixture("wordpress.xml")[..], mapping).collect();
    let comments = comments(&items);
    let ids: Vec<&str> = comments.iter().map(|c| c.source_id.as_str()).collect();
    assert_eq!(ids, ["311", "312", "314", "315", "401", "402"]);
    assert_eq!(comments[0].article_id, "valleygardener.example~3Fp~3D42");
    assert_eq!(
        comments[0].body,
        "How deep should the cloves go?\nMine rotted last year."
    );
    assert_eq!(comments[0].client_ip.as_deref(), Some("2001:db8::17"));
    assert_eq!(
        crate::timestamps::rfc3339(comments[0].created_at),
        "2025-10-05T09:02:00Z"
    );
    assert_eq!(comments[1].parent_source_id.as_deref(), Some("311"));
    assert_eq!(comments[0].parent_source_id, None);
    assert_eq!(comments[2].status, CommentStatus::Rejected);
    assert_eq!(comments[2].body, "best backlinks");
    assert_eq!(comments[4].status, CommentStatus::Pending);
    // No GMT date: the local one stands in.
    assert_eq!(
        crate::timestamps::rfc3339(comments[4].created_at),
        "2025-11-01T08:00:00Z"
    );
    assert_eq!(comments[5].source_state.as_deref(), Some("trash"));
    assert!(items
        .iter()
        .any(|i| matches!(i, Item::Skipped { reason, .. } if reason.contains("pingback"))));
    let problems = malformed(&items);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("\"maybe\""));
}

#[test]
fn entities_are_never_expanded_and_the_doctype_is_reported() {
    let items = items(Format::Disqus, &fixture("billion_laughs.xml"));
    let problems = malformed(&items);
    assert!(problems[0].message.contains("DOCTYPE"), "{problems:?}");
    assert!(problems.iter().any(|m| m.message.contains("&lol9;")));
    assert!(problems.iter().any(|m| m.message.contains("&xxe;")));
    let comments = comments(&items);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "Plain & harmless é");
}

fn disqus_with_post(message_xml: &[u8]) -> Vec<u8> {
    let mut file = br#"<?xml version="1.0"?><disqus xmlns:dsq="x"><thread dsq:id="1"><link>https://x.org/a</link></thread>"#.to_vec();
    file.extend_from_slice(br#"<post dsq:id="1"><createdAt>2026-01-01T00:00:00Z</createdAt><author><name>A</name></author><thread dsq:id="1"/><message>"#);
    file.extend_from_slice(message_xml);
    file.extend_from_slice(b"</message></post>");
    file.extend_from_slice(br#"<post dsq:id="2"><createdAt>2026-01-01T00:00:00Z</createdAt><author><name>B</name></author><thread dsq:id="1"/><message>fine</message></post></disqus>"#);
    file
}

#[test]
fn deep_nesting_is_reported_and_the_next_record_is_read() {
    let depth = 100_000;
    let mut nested = "<b>".repeat(depth).into_bytes();
    nested.extend_from_slice("</b>".repeat(depth).as_bytes());
    let items = items(Format::Disqus, &disqus_with_post(&nested));
    let problems = malformed(&items);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("nested deeper"));
    let comments = comments(&items);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "fine");
}

#[test]
fn invalid_utf8_is_reported_with_its_record() {
    let items = items(Format::Disqus, &disqus_with_post(b"caf\xC3\x28 \xFF"));
    let problems = malformed(&items);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].position.record, 1);
    assert_eq!(comments(&items).len(), 1);
}

#[test]
fn a_huge_field_is_not_kept_and_is_reported() {
    let huge = "x".repeat(xml::MAX_TEXT + 10);
    let items = items(Format::Disqus, &disqus_with_post(huge.as_bytes()));
    let problems = malformed(&items);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("more than"));
    assert_eq!(comments(&items).len(), 1);
}

#[test]
fn broken_xml_stops_reading_with_its_position_and_keeps_what_came_before() {
    let mut file = disqus_with_post(b"ok");
    file.truncate(file.len() - 60);
    let items = items(Format::Disqus, &file);
    assert_eq!(comments(&items).len(), 1);
    let problems = malformed(&items);
    assert!(
        problems.last().unwrap().message.contains("reading stopped"),
        "{problems:?}"
    );
}

#[test]
fn jsonl_reports_each_bad_line_by_number_and_reads_the_rest() {
    let good = CommentRecord {
        format: RECORD_FORMAT.into(),
        version: 1,
        id: "0190c0de-0000-7000-8000-000000000001".into(),
        article_id: "a1".into(),
        parent_id: None,
        author_name: "Ann".into(),
        author_email: None,
        body: "Hello".into(),
        client_ip: "192.0.2.1".into(),
        created_at: "2026-01-01T00:00:00Z".into(),
        status: "published".into(),
        score: 0.25,
        verdict: serde_json::json!({}),
        rules_version: "v".into(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        flagged_at: None,
        flag_count: 0,
        edited_at: None,
        deleted_at: None,
        status_changed_by: None,
        status_changed_at: None,
        revision: 0,
        decisions: Vec::new(),
        flags: Vec::new(),
        revisions: Vec::new(),
        imported_from: None,
    };
    let mut newer = good.clone();
    newer.version = RECORD_VERSION + 1;
    let mut file = Vec::new();
    file.extend_from_slice(good.to_line().as_bytes());
    file.extend_from_slice(b"\nnot json\n\n\xFF\xFE\n");
    file.extend_from_slice(newer.to_line().as_bytes());
    file.push(b'\n');
    file.extend_from_slice(&vec![b'x'; jsonl::MAX_LINE + 1]);
    file.push(b'\n');
    let items = items(Format::Jsonl, &file);
    assert_eq!(comments(&items).len(), 1);
    let lines: Vec<Option<u64>> = malformed(&items).iter().map(|m| m.position.line).collect();
    assert_eq!(lines, [Some(2), Some(4), Some(5), Some(6)]);
    assert!(malformed(&items)[2].message.contains("upgrade"));
}

#[test]
fn jsonl_reads_article_records_and_version_1_comments_without_the_later_fields() {
    let version_1 = r#"{"format":"gatehouse.comment","version":1,"id":"0190c0de-0000-7000-8000-000000000001","article_id":"a1","parent_id":null,"author_name":"Ann","author_email":null,"body":"Hello","client_ip":"192.0.2.1","created_at":"2026-01-01T00:00:00Z","status":"published","score":0.0,"verdict":{},"rules_version":"v","decided_by":null,"decided_at":null,"decision_reason":null,"flagged_at":null,"flag_count":0}"#;
    let article = r#"{"format":"gatehouse.article","version":1,"article_id":"a1","state":"closed","closes_at":null,"updated_by":"mia","updated_at":"2026-01-02T00:00:00Z"}"#;
    let newer_article = article.replace("\"version\":1", "\"version\":2");
    let unknown = r#"{"format":"gatehouse.poll","version":1}"#;
    let file = format!("{version_1}\n{article}\n{newer_article}\n{unknown}\n");
    let items = items(Format::Jsonl, file.as_bytes());
    let read = comments(&items);
    assert_eq!(read.len(), 1);
    let record = read[0].record.as_ref().unwrap();
    assert_eq!((record.deleted_at.as_ref(), record.revision), (None, 0));
    assert!(record.revisions.is_empty());
    let articles: Vec<&ArticleRecord> = items
        .iter()
        .filter_map(|i| match i {
            Item::Article { record, .. } => Some(&**record),
            _ => None,
        })
        .collect();
    assert_eq!(articles.len(), 1);
    assert_eq!(
        (articles[0].state.as_str(), articles[0].updated_by.as_str()),
        ("closed", "mia")
    );
    let problems = malformed(&items);
    let lines: Vec<Option<u64>> = problems.iter().map(|m| m.position.line).collect();
    assert_eq!(lines, [Some(3), Some(4)]);
    assert!(problems[0].message.contains("upgrade"), "{problems:?}");
    assert!(
        problems[1].message.contains("gatehouse.poll"),
        "{problems:?}"
    );
}

#[test]
fn a_comment_record_needs_version_2_only_for_a_readers_delete() {
    let line = r#"{"format":"gatehouse.comment","version":1,"id":"x","article_id":"a1","parent_id":null,"author_name":"Ann","author_email":null,"body":"Hello","client_ip":"","created_at":"2026-01-01T00:00:00Z","status":"published","score":0.0,"verdict":{},"rules_version":"v","decided_by":null,"decided_at":null,"decision_reason":null,"flagged_at":null,"flag_count":0,"edited_at":"2026-01-01T00:01:00Z"}"#;
    let mut record: CommentRecord = serde_json::from_str(line).unwrap();
    assert_eq!(record.version_needed(), 1, "an edit is safe to drop");
    record.deleted_at = Some("2026-01-01T00:02:00Z".into());
    assert_eq!(record.version_needed(), 2);
}
