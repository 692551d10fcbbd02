//! Open connections per client address. One client must not hold the server's file
//! descriptors: each connection is counted from accept to close (`on_connect`), and a request
//! on a connection past the address's bound is answered 429 and the connection closed, so a
//! client opening connections it never finishes cannot crowd out everyone else. Trusted
//! proxies carry many clients and are not bounded here.

use super::error::ApiError;
use super::error_code::ErrorCode;
use crate::ratelimit::TrustedProxies;
use actix_web::body::MessageBody;
use actix_web::dev::{Extensions, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts open connections per address.
pub struct ConnectionLimits {
    per_address: usize,
    trusted: TrustedProxies,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// Held in the connection's data for its lifetime; counts it down when dropped.
pub struct CountedConnection {
    limits: Arc<ConnectionLimits>,
    address: IpAddr,
    /// This connection was opened past the address's bound.
    over: bool,
}

impl Drop for CountedConnection {
    fn drop(&mut self) {
        let mut open = self.limits.lock();
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

impl ConnectionLimits {
    pub fn new(per_address: usize, trusted: TrustedProxies) -> Arc<Self> {
        Arc::new(ConnectionLimits {
            per_address: per_address.max(1),
            trusted,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a new connection from its peer address (`http::server` calls it as each
    /// connection opens). Runs on the worker that takes the connection, so connections opened
    /// together may be counted in another order than they were opened: which one is past the
    /// bound is the server's order, and the bound holds either way.
    pub fn on_connect(
        self: &Arc<Self>,
        stream: &actix_web::rt::net::TcpStream,
        data: &mut Extensions,
    ) {
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let address = peer.ip().to_canonical();
        if self.trusted.contains(address) {
            return;
        }
        let over = {
            let mut open = self.lock();
            let count = open.entry(address).or_insert(0);
            *count += 1;
            *count > self.per_address
        };
        data.insert(CountedConnection {
            limits: self.clone(),
            address,
            over,
        });
    }
}

/// The longest request target (path and query) answered; longer ones are 414. (Heads past
/// actix's own buffer, 128 KiB, are refused by actix before any of this runs: 431, made JSON
/// by `protocol_refusals`.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Middleware: a request on a connection past its address's bound is refused and the
/// connection closed; an overlong URL is 414. Both in the JSON error format.
pub async fn refuse_excess(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        let response = ApiError::new(
            ErrorCode::UriTooLong,
            format!("the URL is longer than {MAX_URI_BYTES} bytes"),
        )
        .error_response();
        return Ok(req.into_response(response));
    }
    let over = req.conn_data::<CountedConnection>().is_some_and(|c| c.over);
    if over {
        let mut response = ApiError::new(
            ErrorCode::RateLimited,
            "too many open connections from your address; close some and try again",
        )
        .with_retry_after(1)
        .error_response();
        response
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
