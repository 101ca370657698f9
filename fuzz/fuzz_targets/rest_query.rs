//! The pure pieces of the emulator's HTTP front: path segments, query strings, the REST
//! token's audience check, the Bearer header, close reasons and Content-Type. None may panic,
//! and each keeps the simple promises its callers rely on.
#![no_main]

use hyper::header::{HeaderValue, AUTHORIZATION};
use hyper::HeaderMap;
use libfuzzer_sys::fuzz_target;
use webpubsub_emulator::fuzzing::{
    audience_matches, bearer_token, close_reason, decode, normalize_url, segments, valid_event, valid_group, valid_hub,
    DataType, Permission, Query,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Line 1: a request target (path and query); line 2: a header value; line 3: a Host.
    let [target, header, host] = webpubsub_fuzz::fields::<3>(text);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };

    let segs = segments(path);
    assert!(segs.iter().all(|s| !s.is_empty()), "{path:?} gives an empty segment");
    for s in &segs {
        let _ = (valid_hub(s), valid_group(s), valid_event(s), Permission::parse(s));
    }

    let parsed = Query::parse(query);
    for (k, _) in &parsed.0 {
        assert!(parsed.get(k).is_some(), "{k:?} parsed but not found");
        assert!(!parsed.all(k).is_empty());
        assert!(parsed.has(&k.to_ascii_uppercase()));
    }
    let _ = decode(target);

    // rest.rs signs nothing itself: it accepts a token whose aud is the request URL, so a URL
    // always matches itself, in any ASCII case, decoded or not.
    let full = match query {
        Some(q) => format!("http://{host}{path}?{q}"),
        None => format!("http://{host}{path}"),
    };
    let candidates = [decode(&full), full.clone()];
    assert!(audience_matches(&full, &candidates), "{full:?} does not match itself");
    assert!(audience_matches(&full.to_ascii_uppercase(), &candidates), "{full:?} is case-sensitive");
    let _ = normalize_url(header);

    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(header) {
        headers.insert(AUTHORIZATION, value);
        if let Some(token) = bearer_token(&headers) {
            assert!(!token.is_empty() && token.trim() == token, "{header:?} gives token {token:?}");
        }
    }

    let reason = close_reason(header);
    assert!(reason.len() <= 123 && header.starts_with(&reason));
    let _ = DataType::from_content_type(Some(header));
});
