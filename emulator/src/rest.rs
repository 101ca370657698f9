//! The data-plane REST API the server SDKs call (PROTOCOL.md section 7), under `/api/`.
//!
//! Requests are authenticated with a Bearer JWT signed with the access key whose `aud` is the
//! request URL — with or without the query string, compared case-insensitively, also after
//! URL-decoding — because the SDKs sign the full URL while the docs say path only. Paths are
//! decoded segment by segment, so `/:send` and `/%3Asend` route the same. Anything the emulator
//! does not implement (`filter`, MQTT tokens, `:addToGroups`) is refused with an error, never
//! silently accepted.

use crate::auth;
use crate::http::{self, Query, Resp};
use crate::protocol::{self, DataFrame, DataType, Payload};
use crate::roles::Permission;
use crate::state::{Delivery, Hub, Shared};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// Largest REST send body (Microsoft's emulator: 1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

fn bad_request(message: impl Into<String>) -> Resp {
    http::error(StatusCode::BAD_REQUEST, "Error.BadRequest", message)
}

fn not_found(code: &str, message: impl Into<String>) -> Resp {
    http::error(StatusCode::NOT_FOUND, code, message)
}

fn not_supported(what: &str) -> Resp {
    http::error(
        StatusCode::NOT_IMPLEMENTED,
        "Error.NotImplemented",
        format!("{what} is not supported by webpubsub-emulator."),
    )
}

/// Checks the Bearer token of a REST request.
fn authorize(shared: &Shared, req: &Request<Incoming>) -> Result<(), Resp> {
    let unauthorized = |m: String| http::error(StatusCode::UNAUTHORIZED, "Error.Unauthorized", m);
    let token = http::bearer_token(req.headers())
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <token> header".into()))?;
    let claims = auth::verify(token, &shared.config.access_key).map_err(|e| unauthorized(e.to_string()))?;
    let aud =
        claims.get("aud").and_then(|v| v.as_str()).ok_or_else(|| unauthorized("the token has no aud claim".into()))?;
    let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let path = req.uri().path();
    let full = match req.uri().query() {
        Some(q) => format!("http://{host}{path}?{q}"),
        None => format!("http://{host}{path}"),
    };
    let path_only = format!("http://{host}{path}");
    let candidates = vec![http::decode(&full), http::decode(&path_only), full, path_only];
    if auth::audience_matches(aud, &candidates) || auth::audience_matches(&http::decode(aud), &candidates) {
        Ok(())
    } else {
        Err(unauthorized(format!("the token audience {aud:?} does not match the request URL {:?}", candidates[3])))
    }
}

/// Handles `/api/...`.
pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    route(shared, req).await.unwrap_or_else(|refusal| refusal)
}

/// Ends `conns` (all but `excluded`) with `disconnected` carrying `reason` and a 1000 close.
fn close_conns(
    shared: &Shared,
    hub: &Hub,
    conns: Vec<Arc<crate::state::Conn>>,
    excluded: &[String],
    reason: &str,
) -> Resp {
    for c in conns {
        if !excluded.iter().any(|e| **e == *c.id) {
            shared.end_conn(hub, &c, Some((1000, reason)));
        }
    }
    http::empty(StatusCode::NO_CONTENT)
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Resp> {
    let segs = http::segments(req.uri().path());
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let method = req.method().clone();
    if segs == ["api", "health"] && (method == Method::HEAD || method == Method::GET) {
        return Ok(http::empty(StatusCode::OK));
    }
    authorize(&shared, &req)?;
    let ["api", "hubs", hub_name, rest @ ..] = segs.as_slice() else {
        return Err(not_found("Error.NotFound", format!("no such API: {} {}", method, req.uri().path())));
    };
    if !http::valid_hub(hub_name) {
        return Err(bad_request(format!("invalid hub name {hub_name:?}")));
    }
    let query = Query::parse(req.uri().query());
    if query.has("filter") {
        return Err(not_supported("The OData `filter` parameter"));
    }
    if let Some(ttl) = query.get("messageTtlSeconds") {
        // Accepted and ignored: the emulator delivers immediately and never expires messages.
        match ttl.parse::<u32>() {
            Ok(0..=300) => {}
            _ => return Err(bad_request(format!("messageTtlSeconds must be an integer 0-300, got {ttl:?}"))),
        }
    }
    let hub = shared.hub(hub_name);
    let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let excluded = query.all("excluded");
    let reason = query.get("reason").map(str::to_string);
    let reason = reason.as_deref().unwrap_or("The connection was closed by the service.");
    let m = &method;
    let cfg = &shared.config;

    // Group and user names from the path are validated where they are used.
    for (i, s) in rest.iter().enumerate() {
        if i > 0 && rest[i - 1] == "groups" && !protocol::valid_group(s) {
            return Err(bad_request(format!("invalid group name {s:?}")));
        }
    }

    Ok(match (m, rest.as_slice()) {
        (&Method::POST, [":send"]) => {
            let payload = read_payload(req, cfg.http_body_timeout).await?;
            let df = DataFrame::server(payload.data_type, &payload.json);
            finish_send(&shared, &hub, hub.send_to_all(&df, &excluded, cfg))
        }
        (&Method::POST, [":closeConnections"]) => close_conns(&shared, &hub, hub.all(), &excluded, reason),
        (&Method::POST, [":generateToken"]) => generate_token(&shared, &req, &query, hub_name),
        (&Method::POST, [":addToGroups"]) | (&Method::POST, [":removeFromGroups"]) => {
            not_supported("Adding or removing connections by filter (:addToGroups / :removeFromGroups)")
        }
        (&Method::POST, ["connections", id, ":send"]) => {
            let payload = read_payload(req, cfg.http_body_timeout).await?;
            let df = DataFrame::server(payload.data_type, &payload.json);
            // 202 also when the connection does not exist, like the service.
            let d = hub.send_to_conn(id, &df, cfg).unwrap_or_default();
            finish_send(&shared, &hub, d)
        }
        (&Method::DELETE, ["connections", id]) => {
            if let Some(c) = hub.get(id) {
                shared.end_conn(&hub, &c, Some((1000, reason)));
            }
            http::empty(StatusCode::NO_CONTENT)
        }
        (&Method::HEAD, ["connections", id]) | (&Method::GET, ["connections", id]) => {
            exists(hub.get(id).is_some(), "Warning.Connection.NotExisted")
        }
        (&Method::DELETE, ["connections", id, "groups"]) => {
            if let Some(c) = hub.get(id) {
                hub.leave_all(&c);
            }
            http::empty(StatusCode::NO_CONTENT)
        }
        (&Method::POST, ["users", user, ":send"]) => {
            let payload = read_payload(req, cfg.http_body_timeout).await?;
            let df = DataFrame::server(payload.data_type, &payload.json);
            finish_send(&shared, &hub, hub.send_to_user(user, &df, cfg))
        }
        (&Method::POST, ["users", user, ":closeConnections"]) => {
            close_conns(&shared, &hub, hub.user_conns(user), &excluded, reason)
        }
        (&Method::HEAD, ["users", user]) | (&Method::GET, ["users", user]) => {
            exists(!hub.user_conns(user).is_empty(), "Warning.User.NotExisted")
        }
        (&Method::PUT, ["users", user, "groups", group]) => {
            hub.add_user_to_group(user, group);
            http::empty(StatusCode::OK)
        }
        (&Method::DELETE, ["users", user, "groups", group]) => {
            hub.remove_user_from_group(user, group);
            http::empty(StatusCode::NO_CONTENT)
        }
        (&Method::DELETE, ["users", user, "groups"]) => {
            hub.remove_user_from_all_groups(user);
            http::empty(StatusCode::NO_CONTENT)
        }
        (&Method::POST, ["groups", group, ":send"]) => {
            let payload = read_payload(req, cfg.http_body_timeout).await?;
            let df = DataFrame::group(group, None, payload.data_type, &payload.json);
            finish_send(&shared, &hub, hub.send_to_group(group, &df, None, &excluded, cfg))
        }
        (&Method::POST, ["groups", group, ":closeConnections"]) => {
            close_conns(&shared, &hub, hub.group_conns(group), &excluded, reason)
        }
        (&Method::HEAD, ["groups", group]) | (&Method::GET, ["groups", group]) => {
            exists(hub.group_exists(group), "Warning.Group.NotExisted")
        }
        (&Method::GET, ["groups", group, "connections"]) => list_group(&hub, group, &query),
        (&Method::PUT, ["groups", group, "connections", id]) => match hub.get(id) {
            Some(c) => {
                hub.join(&c, group);
                http::empty(StatusCode::OK)
            }
            None => not_found("Error.Connection.NotExisted", format!("connection {id} does not exist")),
        },
        (&Method::DELETE, ["groups", group, "connections", id]) => {
            if let Some(c) = hub.get(id) {
                hub.leave(&c, group);
            }
            http::empty(StatusCode::NO_CONTENT)
        }
        (_, ["permissions", perm, "connections", id]) => {
            let Some(perm) = Permission::parse(perm) else {
                return Err(bad_request(format!(
                    "unknown permission {perm:?}: expected sendToGroup or joinLeaveGroup"
                )));
            };
            let target = query.get("targetName").map(str::to_string);
            if let Some(t) = &target {
                if !protocol::valid_group(t) {
                    return Err(bad_request(format!("invalid targetName {t:?}")));
                }
            }
            let conn = hub.get(id);
            match *m {
                Method::PUT => match conn {
                    Some(c) => {
                        c.lock().perms.grant(perm, target.as_deref());
                        http::empty(StatusCode::OK)
                    }
                    None => not_found("Error.Connection.NotExisted", format!("connection {id} does not exist")),
                },
                Method::DELETE => {
                    if let Some(c) = conn {
                        c.lock().perms.revoke(perm, target.as_deref());
                    }
                    http::empty(StatusCode::NO_CONTENT)
                }
                Method::HEAD | Method::GET => {
                    let has = conn.is_some_and(|c| c.lock().perms.check(perm, target.as_deref()));
                    exists(has, "Warning.Permission.NotExisted")
                }
                _ => method_not_allowed(m),
            }
        }
        _ => not_found("Error.NotFound", format!("no such API: {} {}", method, req_path(&rest, hub_name))),
    })
}

fn req_path(rest: &[&str], hub: &str) -> String {
    format!("/api/hubs/{hub}/{}", rest.join("/"))
}

fn method_not_allowed(m: &Method) -> Resp {
    http::error(StatusCode::METHOD_NOT_ALLOWED, "Error.MethodNotAllowed", format!("method {m} is not allowed here"))
}

fn exists(yes: bool, code: &str) -> Resp {
    if yes {
        http::empty(StatusCode::OK)
    } else {
        let mut r = http::empty(StatusCode::NOT_FOUND);
        r.headers_mut().insert("x-ms-error-code", hyper::header::HeaderValue::from_str(code).expect("ascii"));
        r
    }
}

fn finish_send(shared: &Shared, hub: &Hub, d: Delivery) -> Resp {
    shared.end_overflowed(hub, &d.overflowed);
    http::empty(StatusCode::ACCEPTED)
}

/// Reads a send body: `Content-Type` selects the data type, 1 MiB at most, within `timeout`.
pub(crate) async fn read_payload(req: Request<Incoming>, timeout: Duration) -> Result<Payload, Resp> {
    let ct = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let Some(data_type) = DataType::from_content_type(ct.as_deref()) else {
        return Err(http::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Error.UnsupportedMediaType",
            format!(
                "Content-Type {:?} is not supported: use text/plain, application/json or application/octet-stream",
                ct.unwrap_or_default()
            ),
        ));
    };
    let body = http::read_body(req.into_body(), MAX_BODY, timeout).await?;
    Payload::from_body(data_type, &body).map_err(bad_request)
}

fn generate_token(shared: &Shared, req: &Request<Incoming>, query: &Query, hub: &str) -> Resp {
    let minutes = match query.get("minutesToExpire").map(auth::parse_token_minutes) {
        None => 60,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            return bad_request(format!(
                "minutesToExpire must be an integer from 1 to {}: {e}",
                auth::MAX_TOKEN_MINUTES
            ))
        }
    };
    if let Some(ct) = query.get("clientType") {
        if ct.eq_ignore_ascii_case("mqtt") {
            return not_supported("MQTT client tokens");
        } else if !ct.eq_ignore_ascii_case("default") {
            return bad_request(format!("unknown clientType {ct:?}"));
        }
    }
    let groups = query.all("group");
    if let Some(bad) = groups.iter().find(|g| !protocol::valid_group(g)) {
        return bad_request(format!("invalid group name {bad:?}"));
    }
    let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let aud = format!("http://{host}/client/hubs/{hub}");
    let claims = auth::client_claims(&aud, query.get("userId"), &query.all("role"), &groups, minutes * 60);
    http::json(StatusCode::OK, &serde_json::json!({"token": auth::sign(&claims, &shared.config.access_key)}))
}

fn list_group(hub: &Hub, group: &str, query: &Query) -> Resp {
    let page = match query.get("maxpagesize").or(query.get("top")) {
        None => 200,
        Some(s) => match s.parse::<usize>() {
            Ok(n @ 1..=200) => n,
            _ => return bad_request(format!("maxpagesize must be 1-200, got {s:?}")),
        },
    };
    let start = match query.get("continuationToken") {
        None => 0,
        Some(s) => match s.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return bad_request(format!("invalid continuationToken {s:?}")),
        },
    };
    let mut conns = hub.group_conns(group);
    conns.sort_by(|a, b| a.id.cmp(&b.id));
    let value: Vec<_> = conns
        .iter()
        .skip(start)
        .take(page)
        .map(|c| serde_json::json!({"connectionId": &*c.id, "userId": c.user_id}))
        .collect();
    let next = (start + page < conns.len()).then(|| {
        format!(
            "/api/hubs/{}/groups/{}/connections?maxpagesize={page}&continuationToken={}",
            hub.name,
            group,
            start + page
        )
    });
    http::json(StatusCode::OK, &serde_json::json!({"value": value, "nextLink": next}))
}
