//! The answers actix-http gives on its own, in the API's JSON error format. Before any Gatehouse
//! code runs, actix refuses a request head it cannot parse (400), one over its 128 KiB buffer
//! or with more than 96 headers (431), and one that does not arrive within the request timeout
//! (408), each with an empty body and no hook to change it. Every connection's socket is
//! wrapped in [`JsonRefusals`], which rewrites exactly those answers on their way out and
//! passes everything else through untouched. Gatehouse's own errors always carry a JSON body,
//! so an empty 400, 408 or 431 can only be one of actix's.

use super::error::{ErrorBody, ErrorDetail};
use super::error_code::ErrorCode;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What actix answers by itself, by status code, and what the JSON body says instead.
const REFUSALS: [(&[u8; 3], ErrorCode, &str); 3] = [
    (
        b"400",
        ErrorCode::MalformedRequest,
        "the request is not valid HTTP/1.1",
    ),
    (
        b"408",
        ErrorCode::RequestTimeout,
        "the request's head did not arrive in time",
    ),
    (
        b"431",
        ErrorCode::HeadersTooLarge,
        "the request's head is too large (over 128 KiB, or more than 96 headers)",
    ),
];

const STATUS_LINE_START: &[u8] = b"HTTP/1.";
const EMPTY_BODY: &[u8] = b"\r\ncontent-length: 0\r\n";
const HEAD_END: &[u8] = b"\r\n\r\n";

/// One of actix's own refusals found in bytes on their way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Refusal {
    /// Where its status line starts.
    start: usize,
    /// Just past the blank line that ends its head (it has no body).
    end: usize,
    code: ErrorCode,
    message: &'static str,
}

/// Finds the first of actix's empty refusals in `out`, whole (an answer cut in two by a
/// partial write is not recognised and goes out as actix wrote it).
fn find_refusal(out: &[u8]) -> Option<Refusal> {
    let mut from = 0;
    while let Some(offset) = memchr::memmem::find(&out[from..], STATUS_LINE_START) {
        let start = from + offset;
        from = start + 1;
        // "HTTP/1.1 431 " : version digit, space, three status digits, space.
        let status = out.get(start + 9..start + 12)?;
        let Some(&(_, code, message)) = REFUSALS.iter().find(|(s, _, _)| &s[..] == status) else {
            continue;
        };
        let head_len = memchr::memmem::find(&out[start..], HEAD_END)?;
        let end = start + head_len + HEAD_END.len();
        // The head's last CRLF belongs to the header search too: "…\r\ncontent-length: 0\r\n".
        if memchr::memmem::find(&out[start..end], EMPTY_BODY).is_some() {
            return Some(Refusal {
                start,
                end,
                code,
                message,
            });
        }
    }
    None
}

/// The refusal's head with a JSON body: its status line and headers kept, but for the length.
fn rewrite(head: &[u8], code: ErrorCode, message: &str) -> Vec<u8> {
    let body = serde_json::to_vec(&ErrorBody {
        error: ErrorDetail {
            code,
            message: message.to_string(),
            field: None,
            current_status: None,
            changed_by: None,
            changed_at: None,
        },
    })
    .unwrap_or_default();
    let head = head.strip_suffix(HEAD_END).unwrap_or(head);
    let mut out = Vec::with_capacity(head.len() + body.len() + 64);
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if i > 0 && line.to_ascii_lowercase().starts_with(b"content-length:") {
            continue;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"content-type: application/json\r\n");
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}

/// A connection's socket whose outgoing bytes have actix's empty refusals rewritten.
pub struct JsonRefusals<T> {
    inner: T,
    /// Rewritten bytes still to send; they go out before anything written after them.
    pending: Vec<u8>,
}

impl<T> JsonRefusals<T> {
    pub fn new(inner: T) -> Self {
        JsonRefusals {
            inner,
            pending: Vec::new(),
        }
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsyncWrite + Unpin> JsonRefusals<T> {
    fn send_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let sent = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if sent == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..sent);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonRefusals<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonRefusals<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.send_pending(cx))?;
        match find_refusal(buf) {
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
            // What comes before the refusal first, as it is.
            Some(refusal) if refusal.start > 0 => {
                Pin::new(&mut this.inner).poll_write(cx, &buf[..refusal.start])
            }
            Some(refusal) => {
                this.pending = rewrite(&buf[..refusal.end], refusal.code, refusal.message);
                // Whatever cannot go now goes on the next write, flush or shutdown.
                if let Poll::Ready(Err(e)) = this.send_pending(cx) {
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(Ok(refusal.end))
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.send_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.send_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    const TOO_LARGE: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\n\
        content-length: 0\r\nconnection: close\r\ndate: Mon, 30 Nov 2026 00:00:00 GMT\r\n\r\n";

    fn written(chunks: &[&[u8]]) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut socket = JsonRefusals::new(Vec::new());
            for chunk in chunks {
                socket.write_all(chunk).await.unwrap();
            }
            socket.flush().await.unwrap();
            socket.inner
        })
    }

    fn split(answer: &[u8]) -> (String, serde_json::Value) {
        let text = String::from_utf8(answer.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_string(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn an_empty_431_gets_a_json_body_with_its_length_and_other_headers_kept() {
        let (head, body) = split(&written(&[TOO_LARGE]));
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("connection: close"));
        assert!(head.contains("date: Mon, 30 Nov 2026"));
        assert!(head.contains("content-type: application/json"));
        assert!(!head.contains("content-length: 0"));
        assert_eq!(body["error"]["code"], "headers_too_large");
        let length = serde_json::to_vec(&body).unwrap().len();
        assert!(head.contains(&format!("content-length: {length}")));
    }

    #[test]
    fn a_refusal_after_an_ordinary_answer_is_rewritten_and_the_answer_kept() {
        let ordinary: &[u8] =
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}";
        let empty_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let out = written(&[&[ordinary, empty_400].concat()]);
        assert!(out.starts_with(ordinary));
        let (head, body) = split(&out[ordinary.len()..]);
        assert!(head.starts_with("HTTP/1.1 400 Bad Request"));
        assert_eq!(body["error"]["code"], "malformed_request");
    }

    #[test]
    fn answers_with_bodies_pass_through_unchanged() {
        let own_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 27\r\n\r\n\
            {\"error\":{\"code\":\"x\"}}    ";
        let own_408: &[u8] =
            b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 10\r\n\r\n0123456789";
        assert_eq!(written(&[own_400, own_408]), [own_400, own_408].concat());
        let empty_404: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(written(&[empty_404]), empty_404);
    }

    #[test]
    fn a_head_timeout_408_is_rewritten() {
        let empty_408: &[u8] = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n";
        let (_, body) = split(&written(&[empty_408]));
        assert_eq!(body["error"]["code"], "request_timeout");
    }

    #[test]
    fn a_refusal_cut_by_a_partial_write_goes_out_as_written() {
        let (first, second) = TOO_LARGE.split_at(20);
        assert_eq!(written(&[first, second]), TOO_LARGE);
    }
}
