//! The client's handling of client access URLs: recovery URLs, log redaction and the C API's
//! URL check. Nothing may panic; recovery keeps no old token and carries the new recovery
//! parameters exactly; redaction leaves no secret parameter value in the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ffi::CString;
use webpubsub_client::ffi::{wps_options_free, wps_options_new, wps_options_set_url};
use webpubsub_client::fuzzing::{recovery_base, recovery_url};
use webpubsub_client::redact_url;

const SECRETS: [&str; 2] = ["access_token", "awps_reconnection_token"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Line 1: a URL; line 2: a connection id; line 3: a reconnection token.
    let [url, connection_id, token] = webpubsub_fuzz::fields::<3>(text);

    check_redaction(url);
    if let Ok(base) = recovery_base(url) {
        let pairs = query_pairs(&base);
        assert!(
            !pairs
                .iter()
                .any(|(k, _)| matches!(k.as_str(), "access_token" | "awps_connection_id" | "awps_reconnection_token")),
            "{url:?} keeps a token or old recovery parameters in {base:?}"
        );
        let recovery = recovery_url(&base, connection_id, token).expect("a recovery base parses");
        let pairs = query_pairs(&recovery);
        let expected = [
            ("awps_connection_id".to_owned(), connection_id.to_owned()),
            ("awps_reconnection_token".to_owned(), token.to_owned()),
        ];
        assert!(pairs.ends_with(&expected), "{recovery:?} does not end with {expected:?}");
        check_redaction(&recovery);
    }
    check_c_api(url);
});

fn query_pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url).expect("parses").query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Every secret parameter of the redacted URL, read the way a server would read the query
/// (percent-decoded), has the value `***`.
fn check_redaction(url: &str) {
    let redacted = redact_url(url);
    let Some((_, query)) = redacted.split_once('?') else {
        assert_eq!(redacted, url);
        return;
    };
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if SECRETS.iter().any(|s| s.eq_ignore_ascii_case(&key)) {
            assert_eq!(value, "***", "{url:?} redacts to {redacted:?}");
        }
    }
}

fn check_c_api(url: &str) {
    let Ok(url) = CString::new(url) else { return };
    let mut options = std::ptr::null_mut();
    // SAFETY: the out pointer is valid; the options are freed once, below.
    unsafe {
        assert_eq!(wps_options_new(&mut options), 0);
        let _ = wps_options_set_url(options, url.as_ptr());
        wps_options_free(options);
    }
}
