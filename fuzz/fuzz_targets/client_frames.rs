//! The client's frame codec: decoding never panics, and whatever decodes re-encodes to a frame
//! that decodes to the same message (service messages and client requests alike).
#![no_main]

use libfuzzer_sys::fuzz_target;
use webpubsub_client::protocol::{decode_request, decode_service_message, encode_request, encode_service_message};
use webpubsub_client::JsonText;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };

    if let Ok(message) = decode_service_message(text) {
        let mut encoded = String::new();
        encode_service_message(&message, &mut encoded);
        match decode_service_message(&encoded) {
            Ok(again) => assert_eq!(again, message, "{text:?} re-encoded as {encoded:?}"),
            Err(e) => panic!("{text:?} re-encoded as {encoded:?}, which does not decode: {e}"),
        }
    }

    if let Ok(request) = decode_request(text) {
        let mut encoded = String::new();
        encode_request(&request, &mut encoded);
        match decode_request(&encoded) {
            Ok(again) => assert_eq!(again, request, "{text:?} re-encoded as {encoded:?}"),
            Err(e) => panic!("{text:?} re-encoded as {encoded:?}, which does not decode: {e}"),
        }
    }

    if let Ok(json) = JsonText::parse(text) {
        assert_eq!(json.as_str(), text);
    }
});
