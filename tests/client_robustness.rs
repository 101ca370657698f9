//! Robustness: malformed and unknown frames from the service, slow consumers, token
//! redaction in logs.

mod common;

use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use webpubsub_client::{ClientState, Data, Event};

#[tokio::test]
async fn malformed_and_unknown_frames_are_ignored_and_the_client_keeps_working() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("g").await.unwrap();
    let id = client.connection_id().unwrap();
    for frame in [
        "this is not json",
        "[1,2,3]",
        r#"{"type":"ack"}"#,
        r#"{"type":"message","from":"group","group":"g","dataType":"binary","data":"%%%"}"#,
        r#"{"type":"someFutureType","x":1}"#,
        r#"{"type":"system","event":"somethingNew"}"#,
    ] {
        assert!(emulator.inject_raw_frame(&id, frame));
    }
    // Forward compatibility: unknown fields, capitalised names, null user ids.
    assert!(emulator.inject_raw_frame(
        &id,
        r#"{"type":"Message","from":"Group","group":"g","fromUserId":null,"dataType":"Text","data":"lenient","extra":{"a":1}}"#
    ));
    let message = next_event(&mut events, |e| match e {
        Event::GroupMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!((message.data, message.from_user_id), (Data::text("lenient"), None));
    client.send_to_group("g", "still fine").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "still fine");
    assert_eq!(client.connection_id(), Some(id), "no reconnect was needed");
    assert_eq!(client.state(), ClientState::Connected);
}

#[tokio::test]
async fn a_slow_consumer_is_signalled_and_loses_nothing() {
    let emulator = emulator().await;
    let mut options = fast_options();
    options.event_queue_capacity = 16;
    let (client, mut events) = client(url(&emulator, "slow"), options);
    client.start().await.unwrap();
    client.join_group("g").await.unwrap();
    let (sender, _) = started(&emulator, "fast").await;
    for n in 0..300 {
        sender.send_to_group("g", n.to_string()).fire_and_forget(true).await.unwrap();
    }
    sender.send_to_group("g", "end").await.unwrap();
    // Consume only after everything was published: the queue filled up meanwhile.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut texts = Vec::new();
    let mut slow_signals = 0;
    while texts.last().map(String::as_str) != Some("end") {
        match tokio::time::timeout(WAIT, events.recv()).await.unwrap().unwrap() {
            Event::SlowConsumer { queued } => {
                assert!((16..=20).contains(&queued), "the queue holds at most its capacity: {queued}");
                slow_signals += 1;
            }
            event => texts.extend(text_of(&event)),
        }
    }
    assert!(slow_signals >= 1, "the consumer was told it fell behind");
    let expected: Vec<String> = (0..300).map(|n| n.to_string()).chain(["end".to_string()]).collect();
    assert_eq!(texts, expected);
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn tokens_never_appear_in_logs() {
    use tracing_subscriber::prelude::*;
    let captured = Captured::default();
    // Only the client's own logs: the in-process emulator logs on the same thread.
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(captured.clone()).with_ansi(false))
        .with(tracing_subscriber::filter::Targets::new().with_target("webpubsub_client", tracing::Level::TRACE));
    let _guard = tracing::subscriber::set_default(subscriber);

    let emulator = emulator().await;
    let access_url = url(&emulator, "u");
    let token = access_url.split("access_token=").nth(1).unwrap().to_owned();
    let (client, mut events) = client(access_url, fast_options());
    client.start().await.unwrap();
    client.join_group("g").await.unwrap();
    // Recovery (uses the reconnection token), then a reconnect (a new access token).
    emulator.drop_connection(&client.connection_id().unwrap());
    next_event(&mut events, |e| matches!(e, Event::Recovered { .. }).then_some(())).await;
    emulator.close_connection(&client.connection_id().unwrap(), 1008, "new");
    next_event(&mut events, |e| matches!(e, Event::Connected { .. }).then_some(())).await;
    client.stop().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("connected"), "logging was captured: {logs}");
    assert!(logs.contains("recovered"), "recovery was logged: {logs}");
    assert!(!logs.contains(&token), "the access token leaked into the logs");
    // Access and reconnection tokens are JWTs; no JWT header may appear anywhere.
    assert!(!logs.contains("eyJ"), "a token leaked into the logs:\n{logs}");
    // This emulator's reconnection tokens are 48 hex digits (connection ids have 32).
    let longest_hex_run = logs.split(|c: char| !c.is_ascii_hexdigit()).map(str::len).max().unwrap_or(0);
    assert!(longest_hex_run < 48, "a reconnection token leaked into the logs:\n{logs}");
}
