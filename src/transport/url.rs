//! Client access URLs: recovery parameters and redaction for logs.

use url::Url;

/// Query parameters whose values are secrets and never appear in logs or error messages.
const SECRET_PARAMS: &[&str] = &["access_token", "awps_reconnection_token"];

/// The URL that recovers connection `connection_id`: the last client access URL with
/// `awps_connection_id` and `awps_reconnection_token` set (replacing any earlier values).
/// The old `access_token` may stay: the service ignores it on recovery.
pub(crate) fn recovery_url(base: &str, connection_id: &str, reconnection_token: &str) -> Result<String, String> {
    let mut url = Url::parse(base).map_err(|e| e.to_string())?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "awps_connection_id" && k != "awps_reconnection_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
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
            if SECRET_PARAMS.iter().any(|s| s.eq_ignore_ascii_case(key)) {
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
    fn recovery_url_adds_and_replaces_parameters() {
        let url = recovery_url("wss://h/client/hubs/chat?access_token=old&x=1", "c1", "t/+=").unwrap();
        assert_eq!(
            url,
            "wss://h/client/hubs/chat?access_token=old&x=1&awps_connection_id=c1&awps_reconnection_token=t%2F%2B%3D"
        );
        let again = recovery_url(&url, "c2", "u").unwrap();
        assert_eq!(again, "wss://h/client/hubs/chat?access_token=old&x=1&awps_connection_id=c2&awps_reconnection_token=u");
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
