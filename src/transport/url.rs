//! Client access URLs: their scheme, recovery parameters and redaction for logs.

use std::borrow::Cow;
use url::Url;

/// Query parameters whose values are secrets and never appear in logs or error messages.
const SECRET_PARAMS: &[&str] = &["access_token", "awps_reconnection_token"];

/// `url` with an `http://` or `https://` scheme (any case) replaced by `ws://` or `wss://`.
///
/// Client access URLs are often written with the HTTP scheme of the service's endpoint; the
/// WebSocket handshake is an HTTP request to the same place, so they mean the same thing.
/// Every URL goes through this before it is parsed for a connection (a fixed URL, a
/// credential provider's, a recovery URL), so all of them accept both forms.
pub(crate) fn websocket_url(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    if scheme.eq_ignore_ascii_case("http") {
        Cow::Owned(format!("ws://{rest}"))
    } else if scheme.eq_ignore_ascii_case("https") {
        Cow::Owned(format!("wss://{rest}"))
    } else {
        Cow::Borrowed(url)
    }
}

/// What recovery needs of a client access URL: everything but its access token (the service
/// ignores it on recovery) and earlier recovery parameters. Keeping only this means the
/// token lives no longer than the connect, and an idle client holds a few hundred bytes less.
pub(crate) fn recovery_base(url: &str) -> Result<String, String> {
    let mut url = Url::parse(url).map_err(|e| e.to_string())?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "access_token" | "awps_connection_id" | "awps_reconnection_token"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    Ok(url.into())
}

/// The URL that recovers connection `connection_id`, from a [`recovery_base`].
pub(crate) fn recovery_url(base: &str, connection_id: &str, reconnection_token: &str) -> Result<String, String> {
    let mut url = Url::parse(base).map_err(|e| e.to_string())?;
    url.query_pairs_mut()
        .append_pair("awps_connection_id", connection_id)
        .append_pair("awps_reconnection_token", reconnection_token);
    Ok(url.into())
}

/// `url` with the values of secret query parameters replaced by `***`, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            // Compared as the service reads it: `access%5Ftoken` is the access token too.
            let name = url::form_urlencoded::parse(key.as_bytes()).next().map(|(name, _)| name).unwrap_or_default();
            if SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                format!("{key}=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    let mut out = format!("{base}?{}", redacted.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_schemes_become_websocket_schemes() {
        assert_eq!(
            websocket_url("http://h:8080/client/hubs/a?access_token=t"),
            "ws://h:8080/client/hubs/a?access_token=t"
        );
        assert_eq!(websocket_url("HTTPS://h/client/hubs/a"), "wss://h/client/hubs/a");
        for kept in ["ws://h/x", "wss://h/x", "ftp://h/x", "not a url", "h/x?u=http://y"] {
            assert_eq!(websocket_url(kept), kept);
        }
    }

    #[test]
    fn recovery_drops_the_access_token_and_earlier_recovery_parameters() {
        let base = recovery_base("wss://h/client/hubs/chat?access_token=old&x=1&awps_connection_id=c0").unwrap();
        assert_eq!(base, "wss://h/client/hubs/chat?x=1");
        assert_eq!(
            recovery_url(&base, "c1", "t/+=").unwrap(),
            "wss://h/client/hubs/chat?x=1&awps_connection_id=c1&awps_reconnection_token=t%2F%2B%3D"
        );
        let bare = recovery_base("ws://h:8080/client/hubs/chat?access_token=a.b.c").unwrap();
        assert_eq!(
            recovery_url(&bare, "c", "t").unwrap(),
            "ws://h:8080/client/hubs/chat?awps_connection_id=c&awps_reconnection_token=t"
        );
    }

    #[test]
    fn redaction_hides_tokens_only() {
        assert_eq!(
            redact_url("wss://h/c?access_token=abc.def&hub=x&awps_reconnection_token=zz#f"),
            "wss://h/c?access_token=***&hub=x&awps_reconnection_token=***#f"
        );
        assert_eq!(redact_url("ws://h/c"), "ws://h/c");
    }
}
