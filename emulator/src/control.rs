//! The HTTP control surface under `/_emulator/`, for tests written in other languages. Every
//! endpoint maps onto the same operation as the in-process [`crate::Emulator`] handle; each is
//! documented with an example in `emulator/README.md`. No authentication: the emulator is a
//! local test tool.

use crate::auth;
use crate::events::RecordedEvent;
use crate::http::{self, Query, Resp};
use crate::protocol::DataType;
use crate::rest::read_payload;
use crate::state::Shared;
use base64::Engine;
use hyper::body::Incoming;
use hyper::header::HOST;
use hyper::{Method, Request, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Response header of `GET /_emulator/events`: events dropped from the full record since the
/// last clear.
const DROPPED_EVENTS_HEADER: &str = "x-emulator-dropped-events";

fn bad(message: impl Into<String>) -> Resp {
    http::error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn no_conn(id: &str) -> Resp {
    http::error(StatusCode::NOT_FOUND, "NotFound", format!("no connection {id:?}"))
}

fn ok(v: Value) -> Resp {
    http::json(StatusCode::OK, &v)
}

fn found(yes: bool, id: &str, v: Value) -> Resp {
    if yes {
        ok(v)
    } else {
        no_conn(id)
    }
}

fn count(q: &Query) -> Result<u64, Resp> {
    match q.get("count") {
        None => Ok(1),
        Some(s) => s.parse().map_err(|_| bad(format!("count must be a non-negative integer, got {s:?}"))),
    }
}

fn reset_mode(q: &Query) -> Result<bool, Resp> {
    match q.get("mode") {
        None | Some("reset") => Ok(true),
        Some("fin") => Ok(false),
        Some(m) => Err(bad(format!("mode must be reset or fin, got {m:?}"))),
    }
}

/// The recorded event as JSON: text as a string, json as its value, binary as base64.
pub fn event_json(e: &RecordedEvent) -> Value {
    let data = match e.data_type {
        DataType::Text => Value::String(String::from_utf8_lossy(&e.data).into_owned()),
        DataType::Json => serde_json::from_slice(&e.data).unwrap_or(Value::Null),
        DataType::Binary | DataType::Protobuf => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(&e.data))
        }
    };
    json!({"hub": e.hub, "connectionId": e.connection_id, "userId": e.user_id, "event": e.event,
           "dataType": e.data_type.as_str(), "data": data})
}

pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    route(shared, req).await.unwrap_or_else(|refusal| refusal)
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Resp> {
    let segs = http::segments(req.uri().path());
    let segs: Vec<&str> = segs.iter().skip(1).map(String::as_str).collect();
    let q = Query::parse(req.uri().query());
    let m = req.method().clone();
    let s = &shared;
    Ok(match (&m, segs.as_slice()) {
        (&Method::GET, ["info"]) => {
            let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            ok(json!({"endpoint": format!("http://{host}"),
                      "connectionString": format!("Endpoint=http://{host};AccessKey={};Version=1.0;", s.config.access_key)}))
        }
        (&Method::GET, ["connections"]) => {
            ok(serde_json::to_value(s.connection_infos(q.get("hub"))).expect("serialisable"))
        }
        (&Method::GET, ["connections", id]) => match s.find(id) {
            Some((_, c)) => ok(serde_json::to_value(c.info()).expect("serialisable")),
            None => no_conn(id),
        },
        (&Method::POST, ["connections", id, "drop"]) => {
            found(s.drop_connection(id, reset_mode(&q)?), id, json!({"dropped": true}))
        }
        (&Method::POST, ["drop-all"]) => ok(json!({"dropped": s.drop_all(q.get("hub"), reset_mode(&q)?)})),
        (&Method::POST, ["connections", id, "close"]) => {
            let code = match q.get("code").map(str::parse::<u16>) {
                None => 1000,
                Some(Ok(c)) if http::sendable_close_code(c) => c,
                _ => {
                    return Err(bad("code must be a close code that may be sent (RFC 6455 7.4): 1000-1003, \
                                    1007-1014 or 3000-4999"))
                }
            };
            let reason = q.get("reason").unwrap_or("Closed by the emulator control API.");
            found(s.close_connection(id, code, reason), id, json!({"closed": true}))
        }
        (&Method::POST, ["refuse-recoveries"]) => {
            let n = count(&q)?;
            s.refuse_recoveries(n);
            ok(json!({"refuseRecoveries": n}))
        }
        (&Method::POST, ["fail-acks"]) => {
            let n = count(&q)?;
            s.fail_acks(n);
            ok(json!({"failAcks": n}))
        }
        (&Method::POST, ["drop-before-next-ack"]) => {
            let id = q.get("connectionId");
            found(s.drop_before_next_ack(id), id.unwrap_or(""), json!({"armed": true}))
        }
        (&Method::POST, ["connections", id, "delay"]) => match q.get("ms").map(str::parse::<u64>) {
            Some(Ok(ms)) => found(s.delay_delivery(id, Duration::from_millis(ms)), id, json!({"delayMs": ms})),
            _ => bad("ms must be a non-negative integer"),
        },
        (&Method::POST, ["connections", id, "pause"]) => found(s.set_paused(id, true), id, json!({"paused": true})),
        (&Method::POST, ["connections", id, "resume"]) => found(s.set_paused(id, false), id, json!({"paused": false})),
        (&Method::POST, ["connections", id, "blackhole"]) => found(s.blackhole(id), id, json!({"blackholed": true})),
        (&Method::POST, ["connections", id, "raw"]) => {
            let id = id.to_string();
            let body =
                http::read_body(req.into_body(), s.config.max_http_body_size, s.config.http_body_timeout).await?;
            found(s.inject_raw_frame(&id, &body), &id, json!({"queued": true}))
        }
        (&Method::POST, ["hubs", hub, "server-message"]) => {
            let (hub, id) = (hub.to_string(), q.get("connectionId").map(str::to_string));
            let p = read_payload(req, s.config.http_body_timeout).await?;
            match s.inject_server_payload(&hub, id.as_deref(), &p) {
                Ok(n) => ok(json!({"delivered": n})),
                Err(crate::InjectError::NoSuchConnection(id, _)) => no_conn(&id),
                Err(e) => bad(e.to_string()),
            }
        }
        (&Method::POST, ["hubs", hub, "groups", group, "message"]) => {
            let (hub, group) = (hub.to_string(), group.to_string());
            let p = read_payload(req, s.config.http_body_timeout).await?;
            match s.inject_group_payload(&hub, &group, &p) {
                Ok(n) => ok(json!({"delivered": n})),
                Err(e) => bad(e.to_string()),
            }
        }
        (&Method::GET, ["events"]) => {
            let hub = q.get("hub");
            let (events, stats) = s.events_with_stats();
            let list: Vec<Value> =
                events.iter().filter(|e| hub.is_none_or(|h| h.eq_ignore_ascii_case(&e.hub))).map(event_json).collect();
            // The body stays a plain array (existing readers); the loss count rides in a header.
            let mut r = ok(Value::Array(list));
            r.headers_mut().insert(DROPPED_EVENTS_HEADER, stats.dropped.into());
            r
        }
        (&Method::GET, ["events", "stats"]) => {
            let stats = s.event_stats();
            ok(json!({"recorded": stats.recorded, "bytes": stats.bytes, "dropped": stats.dropped,
                      "maxEvents": s.config.max_recorded_events, "maxBytes": s.config.max_recorded_event_bytes}))
        }
        (&Method::DELETE, ["events"]) => {
            let before = s.clear_events();
            ok(json!({"cleared": before.recorded, "dropped": before.dropped}))
        }
        (&Method::GET, ["echo"]) => ok(json!({"enabled": s.echo.load(Ordering::Relaxed)})),
        (&Method::PUT, ["echo"]) | (&Method::POST, ["echo"]) => match q.get("enabled") {
            Some("true") | Some("1") => {
                s.echo.store(true, Ordering::Relaxed);
                ok(json!({"enabled": true}))
            }
            Some("false") | Some("0") => {
                s.echo.store(false, Ordering::Relaxed);
                ok(json!({"enabled": false}))
            }
            _ => bad("enabled must be true or false"),
        },
        (&Method::GET, ["client-access-url"]) => {
            let Some(hub) = q.get("hub").filter(|h| http::valid_hub(h)) else {
                return Err(bad("hub is required and must be a valid hub name"));
            };
            let minutes = match q.get("minutes").map(auth::parse_token_minutes) {
                None => 60,
                Some(Ok(n)) => n,
                Some(Err(e)) => {
                    return Err(bad(format!("minutes must be an integer from 1 to {}: {e}", auth::MAX_TOKEN_MINUTES)))
                }
            };
            let host = req.headers().get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let claims = auth::client_claims(
                &format!("http://{host}/client/hubs/{hub}"),
                q.get("userId"),
                &q.all("role"),
                &q.all("group"),
                minutes * 60,
            );
            let token = auth::sign(&claims, &s.config.access_key);
            let base = format!("ws://{host}/client/hubs/{hub}");
            ok(json!({"baseUrl": base, "token": token, "url": format!("{base}?access_token={token}")}))
        }
        _ => http::error(StatusCode::NOT_FOUND, "NotFound", format!("no control endpoint {m} {}", req.uri().path())),
    })
}
