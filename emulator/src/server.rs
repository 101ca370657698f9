//! The listener and the router: one port serves the client endpoint (`/client/...`), the
//! data-plane REST API (`/api/...`) and the control surface (`/_emulator/...`), like the
//! service serves clients and REST on one host.

use crate::http::{self, Query, Resp};
use crate::state::Shared;
use crate::{control, endpoint, rest};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Accepts connections until shutdown.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                // Out of descriptors and the like: back off briefly instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let fd = stream.as_raw_fd();
        let shared = shared.clone();
        let mut shutdown = shared.shutdown.subscribe();
        tokio::spawn(async move {
            let svc_shared = shared.clone();
            let svc = service_fn(move |req| {
                let shared = svc_shared.clone();
                async move { Ok::<_, Infallible>(route(shared, req, fd).await) }
            });
            // The header timeout closes a connection whose request head is not complete in time
            // (and an idle keep-alive connection after as long); hyper needs a timer for it.
            let mut http = http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(shared.config.http_header_timeout);
            let conn = http.serve_connection(TokioIo::new(stream), svc).with_upgrades();
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!("http connection: {e}") },
                _ = shutdown.changed() => {}
            }
        });
    }
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>, fd: std::os::fd::RawFd) -> Resp {
    // Every route: a body declared larger than any route accepts is refused unread. Handlers
    // that read a body read it through `http::read_body`, which bounds its size and time.
    if let Err(too_large) = http::check_declared_length(req.headers(), shared.config.max_http_body_size) {
        return too_large;
    }
    let path = req.uri().path().to_string();
    let segs = http::segments(&path);
    match segs.first().map(String::as_str) {
        Some("client") => {
            let hub = match segs.as_slice() {
                [_, hubs, hub] if hubs == "hubs" => Some(hub.clone()),
                [_] => Query::parse(req.uri().query()).get("hub").map(str::to_string),
                _ => None,
            };
            match hub {
                Some(hub) => endpoint::handle(shared, req, hub, fd).await,
                None => http::text(StatusCode::NOT_FOUND, "use /client/hubs/{hub} or /client/?hub={hub}"),
            }
        }
        Some("api") => rest::handle(shared, req).await,
        Some("_emulator") => control::handle(shared, req).await,
        _ => http::text(StatusCode::NOT_FOUND, format!("no such endpoint: {path}")),
    }
}
