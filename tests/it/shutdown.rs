//! Stopping the real binary with SIGTERM: requests already in flight on keep-alive
//! connections are finished and answered (201, and stored), clients busy on keep-alive
//! connections get every answer and then a clean close, nothing unanswered is stored, new
//! connections are refused, and the process exits 0.

use crate::backend_tests;
use crate::helpers::Db;
use crate::serve_process::{marked_body, stored_markers, ServeSetup};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

backend_tests!(sigterm_answers_requests_in_flight_refuses_new_connections_and_exits_0);

/// Generous bounds for a loaded machine; actix's own drain timeout is 30 s.
const DEADLINE: Duration = Duration::from_secs(60);
/// How long after the signal the requests in flight finish arriving.
const SLOW_UPLOAD: Duration = Duration::from_secs(2);
/// Clients posting back to back on their keep-alive connections while the signal comes.
const BUSY_CLIENTS: usize = 8;

/// A keep-alive POST of a comment whose body carries `marker`.
fn comment_request(marker: &str) -> Vec<u8> {
    let body =
        serde_json::json!({"author_name": "Reader", "body": marked_body(marker)}).to_string();
    format!(
        "POST /api/v1/articles/shutdown/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

struct Answer {
    status: u16,
    /// The server said it closes the connection after this answer.
    closing: bool,
    body: String,
}

impl Answer {
    fn comment_id(&self) -> String {
        let answer: serde_json::Value = serde_json::from_str(&self.body).expect("JSON answer");
        answer["id"].as_str().expect("an id").to_string()
    }
}

/// Reads one HTTP/1.1 response with a Content-Length.
fn read_answer(stream: &mut TcpStream) -> std::io::Result<Answer> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut fill = |received: &mut Vec<u8>| -> std::io::Result<()> {
        match stream.read(&mut chunk)? {
            0 => Err(ErrorKind::UnexpectedEof.into()),
            n => {
                received.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    };
    let header_end = loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        fill(&mut received)?;
    };
    let head = String::from_utf8_lossy(&received[..header_end]).to_lowercase();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok());
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let length: usize = header("content-length:")
        .and_then(|v| v.parse().ok())
        .expect("a content-length");
    while received.len() < header_end + length {
        fill(&mut received)?;
    }
    Ok(Answer {
        status: status.expect("a status line"),
        closing: header("connection:").as_deref() == Some("close"),
        body: String::from_utf8_lossy(&received[header_end..header_end + length]).into_owned(),
    })
}

/// A keep-alive connection on which one comment was already accepted.
fn warm_connection(port: u16, marker: &str) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(&comment_request(marker)).unwrap();
    let answer = read_answer(&mut stream).expect("first answer");
    assert_eq!(answer.status, 201, "{}", answer.body);
    stream
}

/// What one busy client saw: its answers (marker, answer), and the marker of the request that
/// got none, if the connection ended without the server saying it would close.
#[derive(Default)]
struct BusyClient {
    answers: Vec<(String, Answer)>,
    unanswered: Option<String>,
}

/// Posts comments back to back on one keep-alive connection until the server closes it;
/// reports on `started` after its first answer.
fn keep_posting(port: u16, client: usize, started: mpsc::Sender<()>) -> BusyClient {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut seen = BusyClient::default();
    for sequence in 0.. {
        let marker = format!("busy-{client}-{sequence}");
        let answer = stream
            .write_all(&comment_request(&marker))
            .and_then(|()| read_answer(&mut stream));
        match answer {
            Ok(answer) => {
                let closing = answer.closing;
                seen.answers.push((marker, answer));
                if sequence == 0 {
                    let _ = started.send(());
                }
                if closing {
                    break;
                }
            }
            Err(_) => {
                seen.unanswered = Some(marker);
                break;
            }
        }
    }
    seen
}

async fn sigterm_answers_requests_in_flight_refuses_new_connections_and_exits_0(db: Db) {
    let setup = ServeSetup::new(db);
    let mut server = setup.start().await;
    let port = server.port;

    // Requests in flight: on warm keep-alive connections, all of each request but its last
    // bytes is sent, so the server is reading it when the signal comes.
    let mut in_flight: Vec<(String, TcpStream, Vec<u8>)> = (0..4)
        .map(|n| {
            let mut stream = warm_connection(port, &format!("warm-{n}"));
            let marker = format!("in-flight-{n}");
            let request = comment_request(&marker);
            let (sent, rest) = request.split_at(request.len() - 10);
            stream.write_all(sent).unwrap();
            (marker, stream, rest.to_vec())
        })
        .collect();
    let mut idle = warm_connection(port, "idle");
    let (started, busy_started) = mpsc::channel();
    let busy: Vec<_> = (0..BUSY_CLIENTS)
        .map(|n| {
            let started = started.clone();
            std::thread::spawn(move || keep_posting(port, n, started))
        })
        .collect();
    for _ in 0..BUSY_CLIENTS {
        busy_started
            .recv_timeout(DEADLINE)
            .expect("every busy client got a first answer");
    }

    server.terminate();

    let deadline = Instant::now() + DEADLINE;
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Err(err) if err.kind() == ErrorKind::ConnectionRefused => break,
            _ => assert!(
                Instant::now() < deadline,
                "new connections still accepted {DEADLINE:?} after SIGTERM"
            ),
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }

    // Slow uploads: the last bytes come well after the signal; the server still waits for them.
    actix_web::rt::time::sleep(SLOW_UPLOAD).await;
    let mut answered: HashMap<String, String> = HashMap::new();
    for (marker, stream, rest) in &mut in_flight {
        stream.write_all(rest).expect("finish sending the request");
        let answer = read_answer(stream)
            .unwrap_or_else(|err| panic!("{marker}, in flight at SIGTERM, got no answer: {err}"));
        assert_eq!(answer.status, 201, "{marker}: {}", answer.body);
        answered.insert(answer.comment_id(), marker.clone());
    }

    // An idle keep-alive connection is closed, not reset.
    let mut byte = [0u8; 1];
    match idle.read(&mut byte) {
        Ok(0) => {}
        other => panic!("the idle keep-alive connection was not closed cleanly: {other:?}"),
    }

    let mut unanswered = Vec::new();
    for client in busy {
        let seen = client.join().expect("busy client");
        for (marker, answer) in seen.answers {
            assert_eq!(answer.status, 201, "{marker}: {}", answer.body);
            answered.insert(answer.comment_id(), marker);
        }
        unanswered.extend(seen.unanswered);
    }

    let status = server
        .wait_for_exit(DEADLINE)
        .await
        .unwrap_or_else(|| panic!("still running {DEADLINE:?} after SIGTERM"));
    assert!(status.success(), "exit status after SIGTERM: {status}");

    let stored: HashMap<String, String> = stored_markers(&setup.database_url).into_iter().collect();
    for (id, marker) in &answered {
        assert_eq!(
            stored.get(id),
            Some(marker),
            "{marker} was answered 201 as {id}"
        );
    }
    // A request the server dropped unanswered must not have been processed either.
    let stored_markers: Vec<&String> = stored.values().collect();
    for marker in &unanswered {
        assert!(
            !stored_markers.contains(&marker),
            "{marker} got no answer but was stored"
        );
    }
}
