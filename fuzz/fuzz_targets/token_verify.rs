//! Token verification with arbitrary input never panics. Random bytes never carry a valid
//! signature, so the input is also used as a header and claims that get signed properly:
//! that reaches the algorithm, time and claim checks behind the signature.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use webpubsub_emulator::fuzzing::{audience_matches, normalize_url, string_list, verify, Permissions, TokenError};
use webpubsub_fuzz::KEY;

const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };

    // As a token, as it would arrive in `access_token` or a Bearer header.
    let _ = verify(text, KEY);

    // As header and claims (one line each; a single line is the claims under an HS256 header).
    let (header, claims) = text.split_once('\n').unwrap_or((HS256_HEADER, text));
    let token = signed(header.as_bytes(), claims.as_bytes());
    match verify(&token, KEY) {
        Err(TokenError::Signature) => panic!("a correctly signed token was refused: {token}"),
        Err(_) => {}
        Ok(claims) => {
            let alg = serde_json::from_str::<serde_json::Value>(header)
                .ok()
                .and_then(|h| h["alg"].as_str().map(str::to_owned));
            assert_eq!(alg.as_deref(), Some("HS256"), "accepted a token whose header is {header:?}");
            // What the client endpoint does next with the claims.
            if let Some(aud) = claims.get("aud").and_then(|v| v.as_str()) {
                let _ = normalize_url(aud);
                assert!(audience_matches(aud, &[aud.to_owned()]), "{aud:?} does not match itself");
            }
            if let Ok(roles) = string_list(&claims, "role") {
                let _ = Permissions::from_roles(&roles);
            }
            let _ = string_list(&claims, "webpubsub.group");
        }
    }

    // A tampered signature is always refused.
    if let Some(tampered) = token.strip_suffix(|c: char| c != 'A').map(|t| format!("{t}A")) {
        assert!(verify(&tampered, KEY).is_err(), "accepted tampered token {tampered}");
    }
});

fn signed(header: &[u8], claims: &[u8]) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}
