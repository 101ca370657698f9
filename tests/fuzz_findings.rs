//! Defects the fuzz targets in `fuzz/` found in the client, checked against the real emulator.
//! The input that found each one is also in the seed corpus of its target.

mod common;

use common::*;

/// The service reads query names percent-decoded, so `access%5Ftoken` carries the access
/// token: the client connects with it. Redaction compared the raw names and left such a token
/// in logs and error messages.
#[tokio::test]
async fn a_percent_encoded_secret_parameter_is_redacted() {
    let emulator = emulator().await;
    let plain = url(&emulator, "alice");
    let token = plain.split_once("access_token=").expect("a client access URL").1.to_owned();
    let encoded = plain.replace("access_token=", "access%5Ftoken=");
    let (client, _events) = client(encoded.as_str(), fast_options());
    client.start().await.expect("the encoded name is a working credential");
    client.stop().await;

    let redacted = webpubsub_client::redact_url(&encoded);
    assert!(!redacted.contains(&token), "{redacted}");
    assert!(redacted.ends_with("?access%5Ftoken=***"), "{redacted}");
    let reconnection = "ws://h/client/hubs/chat?awps_connection_id=c&AWPS%5FRECONNECTION%5FTOKEN=secret";
    assert_eq!(
        webpubsub_client::redact_url(reconnection),
        "ws://h/client/hubs/chat?awps_connection_id=c&AWPS%5FRECONNECTION%5FTOKEN=***"
    );
}
