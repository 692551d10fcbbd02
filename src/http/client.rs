//! `ClientIp`: the requester's address, from the socket or, behind a trusted proxy, from the
//! one forwarding header the operator named.

use super::error::ApiError;
use crate::ratelimit::{client_ip, TrustedProxies};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
use std::net::IpAddr;

pub struct ClientIp(pub IpAddr);

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
            return ready(Err(ApiError::internal(&"request without a peer address")));
        };
        let trusted = req.app_data::<web::Data<TrustedProxies>>();
        let ip = match trusted {
            Some(trusted) if !trusted.is_empty() => {
                // Only the header the operator named: another one may be the client's own.
                let values: Vec<&str> = req
                    .headers()
                    .get_all(trusted.header().name())
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                client_ip(peer, &values, trusted)
            }
            _ => peer,
        };
        ready(Ok(ClientIp(ip)))
    }
}
