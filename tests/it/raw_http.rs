//! Raw HTTP/1.1 over a TCP socket, for what a client library would not send: malformed or
//! stalled requests, too many headers.

/// Sends `request` on a fresh connection and reads until the server closes it (or 30 s pass);
/// off the async workers.
pub async fn raw_exchange(port: u16, request: Vec<u8>) -> String {
    actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        // A server that refuses early may close before reading everything: read its answer.
        let _ = stream.write_all(&request);
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        String::from_utf8_lossy(&received).into_owned()
    })
    .await
    .unwrap()
}
