//! The HTTP server: actix's HTTP/1.1 service on each listener, assembled as actix-web's
//! `HttpServer` assembles it (same timeouts, graceful shutdown, workers), with one difference
//! `HttpServer` cannot make: every connection's socket is wrapped in
//! [`JsonRefusals`](super::protocol_refusals::JsonRefusals), so the answers actix gives on its
//! own are in the API's JSON error format too.

use super::connections::ConnectionLimits;
use super::protocol_refusals::JsonRefusals;
use actix_http::{HttpService, KeepAlive, Protocol, Request, Response};
use actix_server::{Server, ServerBuilder};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactory};
use actix_service::{Service, ServiceFactoryExt as _};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Extensions};
use actix_web::rt::net::TcpStream;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// A request head must arrive within this of connecting (actix-web's default), else 408.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `app` on every listener with `workers` threads (actix's default when `None`),
/// counting each connection in `connections`.
pub fn serve<F, I, S, B>(
    app: F,
    listeners: Vec<TcpListener>,
    workers: Option<usize>,
    connections: Arc<ConnectionLimits>,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let mut builder = ServerBuilder::default();
    if let Some(workers) = workers {
        builder = builder.workers(workers.max(1));
    }
    let shutdown = builder.graceful_shutdown_signal();
    for listener in listeners {
        let addr = listener.local_addr()?;
        let app = app.clone();
        let shutdown = shutdown.clone();
        let connections = connections.clone();
        builder = builder.listen(format!("gatehouse-{addr}"), listener, move || {
            let shutdown = shutdown.clone();
            let connections = connections.clone();
            let app = app()
                .into_factory()
                .map_err(|err| err.into().error_response());
            let http = HttpService::build()
                // Keep-alive connections finish the request in flight, then close, on stop.
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .keep_alive(KeepAlive::default())
                .client_request_timeout(HEAD_TIMEOUT)
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1_allow_half_closed(true)
                .local_addr(addr)
                .on_connect_ext(move |io: &JsonRefusals<TcpStream>, data: &mut Extensions| {
                    connections.on_connect(io.get_ref(), data)
                })
                // actix-web builds this config the same way; its constructor is only public
                // under this name (the one actix-test uses).
                .finish(map_config(app, move |_| {
                    AppConfig::__priv_test_new(false, addr.to_string(), addr)
                }));
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok((JsonRefusals::new(io), Protocol::Http1, peer))
            })
            .and_then(http)
        })?;
    }
    Ok(builder.run())
}
