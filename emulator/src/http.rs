//! Small HTTP helpers shared by the REST API, the control surface and the client endpoint:
//! responses with the service's error body (PROTOCOL.md 7.5), query parsing, path decoding.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{HeaderMap, Response, StatusCode};
use percent_encoding::percent_decode_str;
use std::time::Duration;

pub type Resp = Response<Full<Bytes>>;

/// An empty response with `status`.
pub fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(serde_json::to_vec(value).expect("JSON serialises"))));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A plain-text response.
pub fn text(status: StatusCode, body: impl Into<String>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body.into())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// The service's error body `{"code","message",...}` plus the `x-ms-error-code` header.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Resp {
    let message = message.into();
    let mut r = json(
        status,
        &serde_json::json!({"code": code, "message": message, "target": null, "details": [], "inner": {}}),
    );
    if let Ok(v) = HeaderValue::from_str(code) {
        r.headers_mut().insert("x-ms-error-code", v);
    }
    r
}

/// Percent-decodes a path segment or query component (`+` is a space in queries only).
pub fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Parsed query string; keys are matched case-insensitively, values kept in order.
#[derive(Debug, Default, Clone)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(q: Option<&str>) -> Self {
        let mut out = Vec::new();
        for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.push((decode(&k.replace('+', " ")), decode(&v.replace('+', " "))));
        }
        Self(out)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// Splits a request path into decoded segments (so `%3Asend` reads as `:send`).
pub fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(decode).collect()
}

/// The hub-name rule of the service (PROTOCOL.md 1.1).
pub fn valid_hub(hub: &str) -> bool {
    let b = hub.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'`' | b',' | b'.' | b'[' | b']'))
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer_token(headers: &hyper::HeaderMap) -> Option<&str> {
    let h = headers.get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Truncates a close reason to the 123 bytes a close frame allows.
pub fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_string()
}

/// Whether `code` may be sent in a close frame (RFC 6455 7.4): the registered codes 1000-1003
/// and 1007-1014, or the application range 3000-4999. 1004 is reserved, 1005/1006/1015 are
/// for reporting only and must never be on the wire, everything else is unassigned.
pub fn sendable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// A refusal after which the connection is closed: the client may still be sending a body
/// the emulator is not going to read.
fn refusal(status: StatusCode, code: &str, message: String) -> Resp {
    let mut r = error(status, code, message);
    r.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    r
}

/// 413 for a request whose declared `Content-Length` exceeds `limit`, answered before any of
/// the body is read. A chunked body has no declared length; [`read_body`] cuts it off instead.
pub fn check_declared_length(headers: &HeaderMap, limit: usize) -> Result<(), Resp> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

fn too_large(limit: usize) -> Resp {
    refusal(StatusCode::PAYLOAD_TOO_LARGE, "Error.PayloadTooLarge", format!("the body exceeds {limit} bytes"))
}

/// Reads a whole request body: 413 as soon as it passes `limit` bytes (the rest is never
/// read), 408 if it has not arrived completely within `timeout`.
pub async fn read_body(body: Incoming, limit: usize, timeout: Duration) -> Result<Bytes, Resp> {
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large(limit)),
        Ok(Err(e)) => Err(error(StatusCode::BAD_REQUEST, "Error.BadRequest", format!("could not read the body: {e}"))),
        Err(_) => Err(refusal(
            StatusCode::REQUEST_TIMEOUT,
            "Error.RequestTimeout",
            format!("the body did not arrive within {} ms", timeout.as_millis()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_follow_rfc_6455() {
        let sendable: Vec<u16> = (0..=u16::MAX).filter(|&c| sendable_close_code(c)).collect();
        let expected: Vec<u16> = (1000..=1003).chain(1007..=1014).chain(3000..=4999).collect();
        assert_eq!(sendable, expected);
    }
}
