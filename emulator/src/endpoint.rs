//! The client WebSocket endpoint: `/client/hubs/{hub}` and `/client/?hub=`.
//!
//! Everything that can be refused with an HTTP status is refused before the upgrade (bad hub,
//! not a WebSocket request, unsupported subprotocol, bad token → 401). A refused *recovery* is
//! different: like the service, the emulator accepts the upgrade, sends `disconnected` and closes
//! with 1008, because that close code is what tells a client not to try recovering again.

use crate::auth;
use crate::connection::{self, Start};
use crate::http::{self, Query, Resp};
use crate::protocol;
use crate::roles::Permissions;
use crate::state::{AckHistory, Conn, ConnState, Faults, Outbox, Shared};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, CONNECTION, HOST, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL, UPGRADE,
};
use hyper::{Request, Response, StatusCode};
use rand::RngCore;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Random hex id (connection ids: 32 hex characters, like Microsoft's emulator).
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Picks the first offered subprotocol we support, case-insensitively. Returns the name as the
/// client spelled it (echoed back) and the canonical one.
fn pick_subprotocol(req: &Request<Incoming>) -> Option<(String, &'static str)> {
    for value in req.headers().get_all(SEC_WEBSOCKET_PROTOCOL) {
        for offered in value.to_str().unwrap_or("").split(',').map(str::trim) {
            for known in [protocol::JSON, protocol::JSON_RELIABLE] {
                if offered.eq_ignore_ascii_case(known) {
                    return Some((offered.to_string(), known));
                }
            }
        }
    }
    None
}

fn offered_subprotocols(req: &Request<Incoming>) -> String {
    req.headers().get_all(SEC_WEBSOCKET_PROTOCOL).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ")
}

/// Handles an upgrade request to the client endpoint. `hub` comes from the path or query.
pub async fn handle(shared: Arc<Shared>, mut req: Request<Incoming>, hub_name: String, fd: RawFd) -> Resp {
    if !http::valid_hub(&hub_name) {
        return http::text(StatusCode::BAD_REQUEST, format!("invalid hub name {hub_name:?}"));
    }
    let is_ws =
        req.headers().get(UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).cloned().filter(|_| is_ws) else {
        return http::text(StatusCode::BAD_REQUEST, "the client endpoint expects a WebSocket upgrade request");
    };
    let Some((echoed, subprotocol)) = pick_subprotocol(&req) else {
        return http::text(
            StatusCode::BAD_REQUEST,
            format!(
                "unsupported subprotocol (offered: {:?}); this emulator supports {} and {} only \
                 (no raw WebSocket clients, no protobuf)",
                offered_subprotocols(&req),
                protocol::JSON,
                protocol::JSON_RELIABLE
            ),
        );
    };
    let query = Query::parse(req.uri().query());
    let hub = shared.hub(&hub_name);

    let start = match query.get("awps_connection_id").filter(|s| !s.is_empty()) {
        Some(id) => {
            // Recovery: the old access_token (if any) is ignored (PROTOCOL.md 1.2).
            let token = query.get("awps_reconnection_token").unwrap_or("");
            match hub.get(id) {
                _ if Faults::take(&shared.faults.refuse_recoveries) => {
                    if let Some(c) = hub.get(id) {
                        shared.end_conn(&hub, &c, None);
                    }
                    Start::Refuse("Recovery refused (injected fault).".into())
                }
                None => Start::Refuse(shared.closed_reason(id).unwrap_or_else(|| {
                    format!("Connection {id} cannot be recovered: it does not exist or has expired.")
                })),
                Some(c) => {
                    let valid = {
                        let st = c.lock();
                        !st.ended && c.reliable && st.reconnection_token.as_deref() == Some(token)
                    };
                    if !valid {
                        Start::Refuse("Invalid reconnection token.".into())
                    } else if c.subprotocol != subprotocol {
                        Start::Refuse(format!("The connection was created with {}.", c.subprotocol))
                    } else {
                        Start::Recover(c)
                    }
                }
            }
        }
        None => match new_connection(&shared, &req, &query, &hub_name, subprotocol) {
            Ok((conn, groups)) => Start::New(conn, groups),
            Err(resp) => return resp,
        },
    };

    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut resp = Response::new(http_body_util::Full::new(bytes::Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(SEC_WEBSOCKET_ACCEPT, HeaderValue::from_str(&accept).expect("base64 is a valid header"));
    if let Ok(v) = HeaderValue::from_str(&echoed) {
        h.insert(SEC_WEBSOCKET_PROTOCOL, v);
    }
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match upgrade.await {
            Ok(io) => connection::run(shared, hub, hyper_util::rt::TokioIo::new(io), fd, start).await,
            Err(e) => tracing::debug!("upgrade failed: {e}"),
        }
    });
    resp
}

/// Validates the access token and builds a new logical connection (not yet registered).
fn new_connection(
    shared: &Shared,
    req: &Request<Incoming>,
    query: &Query,
    hub_name: &str,
    subprotocol: &'static str,
) -> Result<(Arc<Conn>, Vec<String>), Resp> {
    let unauthorized = |e: auth::TokenError| http::text(StatusCode::UNAUTHORIZED, format!("401 Unauthorized: {e}"));
    let token = match query.get("access_token").filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => http::bearer_token(req.headers()).ok_or_else(|| unauthorized(auth::TokenError::Missing))?.to_string(),
    };
    let claims = auth::verify(&token, &shared.config.access_key).map_err(unauthorized)?;
    let aud = claims.get("aud").and_then(|v| v.as_str()).ok_or_else(|| unauthorized(auth::TokenError::NoAudience))?;
    let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut candidates = vec![format!("http://{host}/client/hubs/{hub_name}")];
    if let Some(fwd) = req.headers().get("x-forwarded-host").and_then(|v| v.to_str().ok()) {
        candidates.push(format!("http://{fwd}/client/hubs/{hub_name}"));
    }
    if !auth::audience_matches(aud, &candidates) {
        return Err(unauthorized(auth::TokenError::Audience {
            found: aud.to_string(),
            expected: candidates[0].clone(),
        }));
    }
    let user_id = match claims.get("sub") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(unauthorized(auth::TokenError::ClaimType("sub"))),
    };
    let roles = auth::string_list(&claims, "role").map_err(unauthorized)?;
    let perms = Permissions::from_roles(&roles)
        .map_err(|e| http::text(StatusCode::BAD_REQUEST, format!("invalid role in token: {e}")))?;
    let mut groups = auth::string_list(&claims, "webpubsub.group").map_err(unauthorized)?;
    groups.extend(auth::string_list(&claims, "group").map_err(unauthorized)?);
    if let Some(bad) = groups.iter().find(|g| !protocol::valid_group(g)) {
        return Err(http::text(StatusCode::BAD_REQUEST, format!("invalid group name {bad:?} in token")));
    }
    let reliable = subprotocol == protocol::JSON_RELIABLE;
    let conn = new_conn(&hub_name.to_ascii_lowercase(), user_id, reliable, subprotocol, perms);
    Ok((conn, groups))
}

pub(crate) fn new_conn(
    hub: &str,
    user_id: Option<String>,
    reliable: bool,
    subprotocol: &'static str,
    perms: Permissions,
) -> Arc<Conn> {
    let id: Arc<str> = random_hex(16).into();
    let token = reliable.then(|| random_hex(24));
    let mut out = Outbox::new();
    out.entries.push_back(crate::state::Entry {
        seq: 0,
        frame: crate::state::OutFrame::Text(protocol::connected(&id, user_id.as_deref(), token.as_deref())),
        at: None,
    });
    Arc::new(Conn {
        id,
        hub: hub.to_string(),
        user_id,
        reliable,
        subprotocol,
        st: Mutex::new(ConnState {
            perms,
            groups: Default::default(),
            acks: AckHistory::default(),
            out,
            transport: None,
            gen: 0,
            ended: false,
            paused: false,
            blackholed: false,
            blackhole_kill: None,
            delay: Duration::ZERO,
            drop_before_ack: false,
            reconnection_token: token,
        }),
        wake: Notify::new(),
        space: Notify::new(),
        pressure: AtomicUsize::new(0),
        pressure_bytes: AtomicUsize::new(0),
        flowing: AtomicBool::new(false),
    })
}
