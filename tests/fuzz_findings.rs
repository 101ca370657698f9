//! Defects the fuzz targets in `fuzz/` found in the client, checked against the real emulator.
//! The input that found each one is also in the seed corpus of its target.

mod common;

use common::*;
use webpubsub_client::{Data, Event};

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

/// Fields are typed per message type: a field that only another type uses (`error` is an
/// ack's) is unknown to a data message and ignored, whatever its JSON type. The client read
/// every known field for every type and dropped such a frame as malformed, losing the message.
#[tokio::test]
async fn a_field_of_another_message_type_does_not_lose_a_message() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "alice").await;
    let id = client.connection_id().expect("connected");
    for frame in [
        r#"{"type":"message","from":"server","dataType":"text","data":"one","error":8,"success":"no"}"#,
        r#"{"type":"message","from":"server","dataType":"text","data":"two","event":[],"noEcho":1,"ackId":-1}"#,
    ] {
        assert!(emulator.inject_raw_frame(&id, frame));
    }
    for expected in ["one", "two"] {
        let data = next_event(&mut events, |e| match e {
            Event::ServerMessage(m) => Some(m.data.clone()),
            _ => None,
        })
        .await;
        assert_eq!(data, Data::text(expected));
    }
    client.stop().await;
}
