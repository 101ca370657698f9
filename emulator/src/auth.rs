//! HS256 JSON Web Tokens: minting client access tokens and checking the tokens that clients
//! and server SDKs present.
//!
//! The service signs with the UTF-8 bytes of the access key (not its base64 decoding), which is
//! what every official server SDK does (PROTOCOL.md 1.7, 2.1). Only HS256 is accepted; `alg:none`
//! and anything else is refused so a test can never pass with an unsigned token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

/// Clock skew tolerated on `exp` and `nbf`, as the service does (PROTOCOL.md 2.2, 7.1).
pub const CLOCK_SKEW_SECS: i64 = 300;

/// Why a token was refused. The text goes into the 401 body so a failing test says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no access token: pass ?access_token=... or an Authorization: Bearer header")]
    Missing,
    #[error("the token is not a well-formed JWT: {0}")]
    Malformed(&'static str),
    #[error("unsupported JWT algorithm {0:?}; only HS256 is accepted")]
    Algorithm(String),
    #[error("the token signature does not match the access key")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token has no exp claim")]
    NoExpiry,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token audience {found:?} does not match this endpoint (expected {expected:?})")]
    Audience { found: String, expected: String },
    #[error("the token has no aud claim")]
    NoAudience,
    #[error("claim {0:?} has the wrong type")]
    ClaimType(&'static str),
}

/// Longest token lifetime accepted from a request, in minutes: `minutesToExpire` is an int32
/// in the REST schema, and with this cap `now + minutes * 60` cannot overflow.
pub const MAX_TOKEN_MINUTES: i64 = i32::MAX as i64;

/// Parses a requested token lifetime in minutes (REST `minutesToExpire`, the control API's
/// `minutes`): a decimal integer from 1 to [`MAX_TOKEN_MINUTES`]. The error says what is wrong.
pub fn parse_token_minutes(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    match s.parse::<i64>() {
        Ok(n) if (1..=MAX_TOKEN_MINUTES).contains(&n) => Ok(n),
        Ok(n) if n < 1 => Err(format!("{n} is not a positive number of minutes")),
        Ok(n) => Err(format!("{n} is more than {MAX_TOKEN_MINUTES} minutes")),
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("{s} is out of range"))
        }
        Err(_) => Err(format!("{s:?} is not an integer")),
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Signs `claims` as an HS256 JWT with `key`.
pub fn sign(claims: &Map<String, Value>, key: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let signing_input = format!("{header}.{payload}");
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

/// Verifies the signature, algorithm and time claims of `token` and returns its claims.
/// The audience is checked by the caller, which knows what URL the request used.
pub fn verify(token: &str, key: &str) -> Result<Map<String, Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed("expected three dot-separated parts"));
    };
    let header: Value = decode_part(h)?;
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => {}
        Some(other) => return Err(TokenError::Algorithm(other.to_string())),
        None => return Err(TokenError::Malformed("header has no alg")),
    }
    let sig = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed("signature is not base64url"))?;
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    mac.verify_slice(&sig).map_err(|_| TokenError::Signature)?;
    let claims: Value = decode_part(p)?;
    let Value::Object(claims) = claims else {
        return Err(TokenError::Malformed("payload is not a JSON object"));
    };
    let now = now_secs();
    match claims.get("exp") {
        None => return Err(TokenError::NoExpiry),
        Some(v) => {
            let exp = time_claim(v, "exp")?;
            if exp.saturating_add(CLOCK_SKEW_SECS) < now {
                return Err(TokenError::Expired);
            }
        }
    }
    if let Some(v) = claims.get("nbf") {
        let nbf = time_claim(v, "nbf")?;
        if nbf.saturating_sub(CLOCK_SKEW_SECS) > now {
            return Err(TokenError::NotYetValid);
        }
    }
    Ok(claims)
}

/// Seconds since the epoch in a time claim. A number no `i64` holds is refused rather than
/// silently saturated by the cast.
fn time_claim(v: &Value, name: &'static str) -> Result<i64, TokenError> {
    if let Some(secs) = v.as_i64() {
        return Ok(secs);
    }
    match v.as_f64() {
        Some(secs) if secs >= i64::MIN as f64 && secs < i64::MAX as f64 => Ok(secs as i64),
        _ => Err(TokenError::ClaimType(name)),
    }
}

fn decode_part(part: &str) -> Result<Value, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed("a part is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed("a part is not JSON"))
}

/// Normalises a URL for audience comparison (PROTOCOL.md 2.2): lower case, no default port,
/// no trailing `/`. Percent-decoding is applied by the caller where it is wanted.
pub fn normalize_url(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let (scheme, rest) = match lower.split_once("://") {
        Some((s, r)) => (s.to_string(), r.to_string()),
        None => (String::new(), lower.clone()),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.clone(), String::new()),
    };
    let default_port = match scheme.as_str() {
        "http" | "ws" => Some(":80"),
        "https" | "wss" => Some(":443"),
        _ => None,
    };
    let authority = match default_port {
        Some(p) if authority.ends_with(p) => authority[..authority.len() - p.len()].to_string(),
        _ => authority,
    };
    // Strip a trailing slash from the path part only (before any query).
    let path = match path.split_once('?') {
        Some((p, q)) => format!("{}?{}", p.trim_end_matches('/'), q),
        None => path.trim_end_matches('/').to_string(),
    };
    let scheme = match scheme.as_str() {
        "ws" => "http".to_string(),
        "wss" => "https".to_string(),
        s => s.to_string(),
    };
    format!("{scheme}://{authority}{path}")
}

/// Accepts `aud` when, normalised, it equals one of `candidates` (also normalised), ignoring
/// the scheme's http/https difference so the emulator works behind a TLS-terminating forwarder.
pub fn audience_matches(aud: &str, candidates: &[String]) -> bool {
    let strip = |u: &str| -> String {
        let n = normalize_url(u);
        n.split_once("://").map(|(_, r)| r.to_string()).unwrap_or(n)
    };
    let a = strip(aud);
    candidates.iter().any(|c| strip(c) == a)
}

/// Reads a claim that may be a string or an array of strings (`role`, `webpubsub.group`).
pub fn string_list(claims: &Map<String, Value>, name: &'static str) -> Result<Vec<String>, TokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().map(str::to_string).ok_or(TokenError::ClaimType(name))).collect()
        }
        Some(_) => Err(TokenError::ClaimType(name)),
    }
}

/// Builds the claims of a client access token the way the server SDKs do. A lifetime beyond
/// the range of `exp` saturates (callers that take it from a request validate it first).
pub fn client_claims(
    audience: &str,
    user_id: Option<&str>,
    roles: &[String],
    groups: &[String],
    lifetime_secs: i64,
) -> Map<String, Value> {
    let now = now_secs();
    let mut claims = Map::new();
    claims.insert("aud".into(), Value::String(audience.to_string()));
    claims.insert("iat".into(), Value::from(now));
    claims.insert("exp".into(), Value::from(now.saturating_add(lifetime_secs)));
    if let Some(u) = user_id {
        claims.insert("sub".into(), Value::String(u.to_string()));
    }
    if !roles.is_empty() {
        claims.insert("role".into(), Value::from(roles.to_vec()));
    }
    if !groups.is_empty() {
        claims.insert("webpubsub.group".into(), Value::from(groups.to_vec()));
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    #[test]
    fn sign_then_verify_round_trips() {
        let claims = client_claims("http://h/client/hubs/x", Some("u"), &["r".into()], &[], 60);
        let token = sign(&claims, KEY);
        let back = verify(&token, KEY).unwrap();
        assert_eq!(back["sub"], "u");
        assert_eq!(string_list(&back, "role").unwrap(), vec!["r".to_string()]);
    }

    #[test]
    fn wrong_key_expired_and_alg_none_are_refused() {
        let claims = client_claims("a", None, &[], &[], 60);
        assert_eq!(verify(&sign(&claims, KEY), "other-key-other-key-other-key-00"), Err(TokenError::Signature));
        let old = client_claims("a", None, &[], &[], -(CLOCK_SKEW_SECS + 10));
        assert_eq!(verify(&sign(&old, KEY), KEY), Err(TokenError::Expired));
        let within_skew = client_claims("a", None, &[], &[], -60);
        assert!(verify(&sign(&within_skew, KEY), KEY).is_ok());
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"exp":99999999999}"#)
        );
        assert_eq!(verify(&none, KEY), Err(TokenError::Algorithm("none".into())));
        assert!(matches!(verify("abc", KEY), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn audience_normalisation_is_lenient_but_not_blind() {
        let c = vec!["http://127.0.0.1:8080/client/hubs/chat".to_string()];
        assert!(audience_matches("HTTP://127.0.0.1:8080/client/hubs/Chat/", &c));
        assert!(audience_matches("https://127.0.0.1:8080/client/hubs/chat", &c));
        assert!(!audience_matches("http://127.0.0.1:8081/client/hubs/chat", &c));
        assert!(!audience_matches("http://127.0.0.1:8080/client/hubs/other", &c));
        let d = vec!["http://example.com/client/hubs/h".to_string()];
        assert!(audience_matches("http://example.com:80/client/hubs/h", &d));
        assert!(audience_matches("https://example.com:443/client/hubs/h", &d));
    }

    #[test]
    fn token_minutes_are_an_int32_of_at_least_one() {
        assert_eq!(parse_token_minutes("1"), Ok(1));
        assert_eq!(parse_token_minutes("2147483647"), Ok(MAX_TOKEN_MINUTES));
        for bad in [
            "0",
            "-1",
            "2147483648",
            "9223372036854775807",
            "99999999999999999999",
            "-99999999999999999999",
            "",
            "ten",
            "1.5",
            "1e3",
            " 5",
            "+",
            "-",
        ] {
            assert!(parse_token_minutes(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn extreme_time_claims_neither_overflow_nor_flip() {
        // A lifetime beyond the i64 range saturates instead of wrapping into the past.
        let far = client_claims("a", None, &[], &[], i64::MAX);
        assert_eq!(far["exp"], i64::MAX);
        assert!(verify(&sign(&far, KEY), KEY).is_ok());
        let past = client_claims("a", None, &[], &[], i64::MIN);
        assert_eq!(verify(&sign(&past, KEY), KEY), Err(TokenError::Expired));
        // A time no i64 holds is not a time: refused rather than saturated.
        for (exp, nbf, ok) in [
            (serde_json::json!(1e300), serde_json::json!(i64::MIN), false),
            (serde_json::json!(-1e300), serde_json::json!(0), false),
            (serde_json::json!(i64::MAX), serde_json::json!(u64::MAX), false),
        ] {
            let mut claims = Map::new();
            claims.insert("exp".into(), exp.clone());
            claims.insert("nbf".into(), nbf.clone());
            assert_eq!(verify(&sign(&claims, KEY), KEY).is_ok(), ok, "exp {exp} nbf {nbf}");
        }
    }
}
