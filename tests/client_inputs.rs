//! Inputs at the edges of what the client accepts: `http(s)://` client access URLs, group
//! names counted in characters, deeply nested JSON payloads, and operations issued right
//! after `start` without waiting for it.

mod common;

use common::*;
use std::future::IntoFuture;
use webpubsub_client::{ClientState, Credential, Data, Error, Event, JsonText, WebPubSubClient};

/// The emulator's client access URL with `http://` instead of `ws://`.
fn http_url(emulator: &webpubsub_emulator::Emulator, user: &str) -> String {
    let url = url(emulator, user);
    let rest = url.strip_prefix("ws://").expect("the emulator hands out ws:// URLs");
    format!("http://{rest}")
}

#[tokio::test]
async fn http_urls_connect_as_websocket_urls() {
    let emulator = emulator().await;
    // `new`, an explicit `Credential::Url`, and a provider's URL, all with http://.
    let (client, _events) = WebPubSubClient::new(http_url(&emulator, "a")).unwrap();
    client.start().await.expect("http:// URL connects");
    client.join_group("g").await.unwrap();
    client.stop().await;

    let (client, _events) =
        self::client(Credential::url(http_url(&emulator, "b").replace("http://", "HTTP://")), fast_options());
    client.start().await.expect("the scheme is case-insensitive");
    client.stop().await;

    let emulator = std::sync::Arc::new(emulator);
    let provided = Credential::provider({
        let emulator = emulator.clone();
        move || {
            let url = http_url(&emulator, "c");
            async move { Ok::<_, String>(url) }
        }
    });
    let (client, _events) = self::client(provided, fast_options());
    client.start().await.expect("a provider's http:// URL connects");
    assert_eq!(client.user_id().as_deref(), Some("c"));
    client.stop().await;
}

#[tokio::test]
async fn group_names_are_limited_in_characters_not_bytes() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    // 600 characters, 1200 bytes in UTF-8.
    let accented = "é".repeat(600);
    client.join_group(accented.as_str()).await.expect("600 characters are within the limit");
    client.send_to_group(accented.as_str(), "hi").await.unwrap();
    let message = next_event(&mut events, |e| match e {
        Event::GroupMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(message.group, accented);
    // 1024 characters of four bytes each still pass; 1025 characters do not, and are
    // refused before anything is sent.
    client.join_group("😀".repeat(1024)).await.expect("1024 characters are within the limit");
    for name in ["é".repeat(1025), "a".repeat(1025)] {
        let error = client.join_group(name.as_str()).await.unwrap_err();
        assert!(matches!(&error, Error::InvalidArgument(m) if m.contains("1024 characters")), "{error:?}");
        let error = client.send_to_group(name.as_str(), "x").await.unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    }
    assert_eq!(client.state(), ClientState::Connected);
}

#[tokio::test]
async fn deeply_nested_json_travels_both_ways() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("deep").await.unwrap();
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let json = JsonText::parse(nested.as_str()).expect("validation does not recurse");
    client.send_to_group("deep", Data::Json(json)).await.unwrap();
    let message = next_event(&mut events, |e| match e {
        Event::GroupMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    match message.data {
        Data::Json(json) => assert_eq!(json.as_str(), nested),
        other => panic!("expected JSON, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_issued_right_after_start_wait_for_the_connection() {
    let emulator = emulator().await;
    for round in 0..20 {
        let (client, _events) = client(url(&emulator, "u"), fast_options());
        let started = tokio::spawn(client.start());
        assert_ne!(client.state(), ClientState::Stopped, "round {round}: start takes effect when called");
        // Every other round lets the client's task run first; the operations wait either way.
        if round % 2 == 1 {
            tokio::task::yield_now().await;
        }
        let joined = client.join_group("g").into_future();
        let sent = client.send_to_group("g", "right after start").into_future();
        joined.await.unwrap_or_else(|e| panic!("round {round}: join failed: {e}"));
        sent.await.unwrap_or_else(|e| panic!("round {round}: send failed: {e}"));
        started.await.unwrap().unwrap();
        client.stop().await;
    }
}
