//! The client's everyday behaviour against the emulator: connecting, groups, sending and
//! receiving every data type, ackIds, results and errors, start/stop life cycle.

mod common;

use common::*;
use std::time::Duration;
use webpubsub_client::{ClientState, Credential, Data, Error, Event, JsonText, WebPubSubClient};
use webpubsub_emulator::TokenOptions;

#[tokio::test]
async fn connects_joins_sends_and_receives_every_data_type() {
    let emulator = emulator().await;
    let (client, mut events) = client(url(&emulator, "alice"), fast_options());
    assert_eq!(client.state(), ClientState::Stopped);
    client.start().await.unwrap();
    assert_eq!(client.state(), ClientState::Connected);

    let (connection_id, user_id) = next_event(&mut events, |e| match e {
        Event::Connected { connection_id, user_id } => Some((connection_id.clone(), user_id.clone())),
        _ => None,
    })
    .await;
    assert_eq!(user_id.as_deref(), Some("alice"));
    assert_eq!(client.connection_id().as_deref(), Some(connection_id.as_str()));
    assert_eq!(client.user_id().as_deref(), Some("alice"));

    let joined = client.join_group("group1").await.unwrap();
    assert!(joined.ack_id.is_some() && !joined.duplicated);

    let json = JsonText::parse(r#"{"n":1,"list":[true,null]}"#).unwrap();
    let payloads = [Data::text("hello world"), Data::Json(json), Data::binary(vec![0u8, 1, 2, 255])];
    for data in payloads.clone() {
        client.send_to_group("group1", data).await.unwrap();
    }
    for expected in payloads {
        let message = next_event(&mut events, |e| match e {
            Event::GroupMessage(m) => Some(m.clone()),
            _ => None,
        })
        .await;
        assert_eq!(message.group, "group1");
        assert_eq!(message.from_user_id.as_deref(), Some("alice"));
        assert_eq!(message.data, expected);
        assert!(message.sequence_id.is_some(), "reliable protocol numbers messages");
    }
    client.stop().await;
}

#[tokio::test]
async fn reports_state_changes_in_order() {
    let emulator = emulator().await;
    let (client, mut events) = client(url(&emulator, "u"), fast_options());
    client.start().await.unwrap();
    client.stop().await;
    let seen = events_until(&mut events, |e| matches!(e, Event::Stopped)).await;
    let states: Vec<ClientState> = seen
        .iter()
        .filter_map(|e| match e {
            Event::StateChanged { current, .. } => Some(*current),
            _ => None,
        })
        .collect();
    assert_eq!(states, [ClientState::Connecting, ClientState::Connected, ClientState::Stopping, ClientState::Stopped]);
    let kinds: Vec<&str> = seen
        .iter()
        .filter_map(|e| match e {
            Event::Connected { .. } => Some("connected"),
            Event::Disconnected { .. } => Some("disconnected"),
            Event::Stopped => Some("stopped"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["connected", "disconnected", "stopped"]);
}

#[tokio::test]
async fn no_echo_keeps_own_messages_away() {
    let emulator = emulator().await;
    let (alice, mut alice_events) = started(&emulator, "alice").await;
    let (bob, mut bob_events) = started(&emulator, "bob").await;
    alice.join_group("g").await.unwrap();
    bob.join_group("g").await.unwrap();
    alice.send_to_group("g", "quiet").no_echo(true).await.unwrap();
    alice.send_to_group("g", "loud").await.unwrap();
    assert_eq!(next_event(&mut bob_events, text_of).await, "quiet");
    assert_eq!(next_event(&mut bob_events, text_of).await, "loud");
    // Alice's first group message is the echo of "loud": "quiet" never came back.
    assert_eq!(next_event(&mut alice_events, text_of).await, "loud");
}

#[tokio::test]
async fn fire_and_forget_sends_arrive_in_order() {
    let emulator = emulator().await;
    let (sender, _) = started(&emulator, "sender").await;
    let (receiver, mut events) = started(&emulator, "receiver").await;
    receiver.join_group("ff").await.unwrap();
    for n in 0..200 {
        let result = sender.send_to_group("ff", format!("m{n}")).fire_and_forget(true).await.unwrap();
        assert_eq!(result.ack_id, None);
    }
    for n in 0..200 {
        assert_eq!(next_event(&mut events, text_of).await, format!("m{n}"));
    }
}

#[tokio::test]
async fn leaving_a_group_stops_its_messages() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("a").await.unwrap();
    client.join_group("b").await.unwrap();
    client.leave_group("a").await.unwrap();
    client.send_to_group("a", "to a").await.unwrap();
    client.send_to_group("b", "to b").await.unwrap();
    let message = next_event(&mut events, |e| match e {
        Event::GroupMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!((message.group.as_str(), message.data), ("b", Data::text("to b")));
}

#[tokio::test]
async fn events_reach_the_server_and_echoes_come_back_as_server_messages() {
    let emulator = emulator().await;
    emulator.set_echo_events(true);
    let (client, mut events) = started(&emulator, "u").await;
    let result = client.send_event("chat", Data::json(&serde_json::json!({"hello": "world"})).unwrap()).await.unwrap();
    assert!(result.ack_id.is_some());
    let echoed = next_event(&mut events, |e| match e {
        Event::ServerMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(echoed.data, Data::Json(JsonText::parse(r#"{"hello":"world"}"#).unwrap()));
    let recorded = emulator.events();
    assert!(recorded.iter().any(|e| e.event == "chat"), "{recorded:?}");
    client.send_event("fire", "text event").fire_and_forget(true).await.unwrap();
    eventually("fire-and-forget event recorded", || async { emulator.events().iter().any(|e| e.event == "fire") })
        .await;
}

#[tokio::test]
async fn caller_ack_ids_are_used_and_repeats_report_duplicates() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("g").await.unwrap();
    let first = client.send_to_group("g", "once").ack_id(1000).await.unwrap();
    assert_eq!(first, webpubsub_client::WebPubSubResult { ack_id: Some(1000), duplicated: false });
    let again = client.send_to_group("g", "once").ack_id(1000).await.unwrap();
    assert_eq!(again, webpubsub_client::WebPubSubResult { ack_id: Some(1000), duplicated: true });
    client.send_to_group("g", "after").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "once");
    assert_eq!(next_event(&mut events, text_of).await, "after", "the duplicate was not published again");
}

#[tokio::test]
async fn service_refusals_carry_ack_id_and_error_name() {
    let emulator = emulator().await;
    let url = emulator.client_access_url(HUB, TokenOptions::user("nobody"));
    let (client, _events) = client(url, fast_options());
    client.start().await.unwrap();
    let error = client.join_group("private").await.unwrap_err();
    match &error {
        Error::SendMessage(e) => {
            assert_eq!(e.name, "Forbidden");
            assert!(e.ack_id.is_some());
            assert_eq!(error.ack_id(), e.ack_id);
        }
        other => panic!("expected a service refusal, got {other:?}"),
    }
    // Forbidden is not transient: it was not retried, and the connection is still usable.
    assert_eq!(client.state(), ClientState::Connected);
    client.send_event("allowed", "x").await.unwrap();
}

#[tokio::test]
async fn oversize_messages_are_refused_locally() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("big").await.unwrap();
    let error = client.send_to_group("big", "x".repeat(1024 * 1024)).await.unwrap_err();
    assert!(matches!(error, Error::MessageTooLarge { limit: 1048576, .. }), "{error:?}");
    let error = client.send_event("big", vec![7u8; 800 * 1024]).await.unwrap_err();
    assert!(matches!(error, Error::MessageTooLarge { .. }), "base64 makes 800 KiB too large: {error:?}");
    // Nothing was sent and the connection is fine: a large but legal message goes through.
    let fits = "y".repeat(1000 * 1000);
    client.send_to_group("big", fits.clone()).await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, fits);
    assert_eq!(client.state(), ClientState::Connected);
}

#[tokio::test]
async fn invalid_arguments_fail_before_sending() {
    let emulator = emulator().await;
    let (client, _events) = started(&emulator, "u").await;
    let null = || webpubsub_client::Data::Json(JsonText::parse("null").unwrap());
    for result in [
        client.join_group("").await,
        client.send_to_group("  ", "x").await,
        client.send_event("", "x").await,
        client.send_to_group("g", null()).await,
        client.send_event("e", null()).fire_and_forget(true).await,
    ] {
        assert!(matches!(result, Err(Error::InvalidArgument(_))), "{result:?}");
    }
}

#[tokio::test]
async fn operations_on_a_stopped_client_fail_with_stopped() {
    let emulator = emulator().await;
    let (client, _events) = client(url(&emulator, "u"), fast_options());
    assert!(matches!(client.join_group("g").await, Err(Error::Stopped { .. })));
    client.start().await.unwrap();
    client.stop().await;
    assert!(matches!(client.send_to_group("g", "x").await, Err(Error::Stopped { .. })));
    assert!(matches!(client.send_event("e", "x").fire_and_forget(true).await, Err(Error::Stopped { .. })));
}

#[tokio::test]
async fn start_twice_is_refused_and_stop_is_idempotent_and_restartable() {
    let emulator = emulator().await;
    let (client, mut events) = client(url(&emulator, "u"), fast_options());
    client.stop().await; // stopping a stopped client is fine
    client.start().await.unwrap();
    assert!(matches!(client.start().await, Err(Error::IllegalState(_))));
    client.join_group("g").await.unwrap();
    client.stop().await;
    client.stop().await;
    assert_eq!(client.state(), ClientState::Stopped);

    client.start().await.unwrap();
    assert_eq!(client.state(), ClientState::Connected);
    // The restarted client rejoined "g" on its own.
    let (other, _) = started(&emulator, "other").await;
    other.send_to_group("g", "after restart").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "after restart");
}

#[tokio::test]
async fn a_bad_token_fails_start_with_401_and_leaves_the_client_stopped() {
    let emulator = emulator().await;
    let good = url(&emulator, "u");
    let bad = good.replace("access_token=", "access_token=x");
    let (client, _events) = client(bad, fast_options());
    let error = client.start().await.unwrap_err();
    assert!(matches!(error, Error::Connect { status: Some(401), .. }), "{error:?}");
    assert!(!error.to_string().contains("eyJ"), "errors never quote tokens: {error}");
    assert_eq!(client.state(), ClientState::Stopped);
}

#[tokio::test]
async fn unreachable_service_fails_start_within_the_connect_timeout() {
    let (client, _events) = {
        let mut options = fast_options();
        options.connect_timeout = Duration::from_millis(500);
        client("ws://127.0.0.1:1/client/hubs/h?access_token=t", options)
    };
    assert!(matches!(client.start().await, Err(Error::Connect { .. })));
    assert_eq!(client.state(), ClientState::Stopped);
}

#[tokio::test]
async fn credential_provider_is_called_on_every_start() {
    let emulator = std::sync::Arc::new(emulator().await);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let credential = Credential::provider({
        let (emulator, calls) = (emulator.clone(), calls.clone());
        move || {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let url = url(&emulator, &format!("user{n}"));
            async move { Ok::<_, String>(url) }
        }
    });
    let (client, _events) = WebPubSubClient::with_options(credential, fast_options()).unwrap();
    client.start().await.unwrap();
    assert_eq!(client.user_id().as_deref(), Some("user0"));
    client.stop().await;
    client.start().await.unwrap();
    assert_eq!(client.user_id().as_deref(), Some("user1"));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);

    let failing = Credential::provider(|| async { Err::<String, _>("vault unavailable") });
    let (client, _events) = WebPubSubClient::with_options(failing, fast_options()).unwrap();
    let error = client.start().await.unwrap_err();
    assert_eq!(error, Error::Credential("vault unavailable".into()));
}

#[tokio::test]
async fn server_messages_from_the_service_are_delivered() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    let connection_id = client.connection_id().unwrap();
    let delivered = emulator
        .inject_server_message(HUB, Some(&connection_id), webpubsub_emulator::DataType::Text, "from the server")
        .unwrap();
    assert_eq!(delivered, 1);
    let message = next_event(&mut events, |e| match e {
        Event::ServerMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(message.data, Data::text("from the server"));
}

#[tokio::test]
async fn operation_timeout_bounds_a_call_the_service_never_answers() {
    let emulator = emulator().await;
    let mut options = fast_options();
    options.keep_alive_timeout = None;
    let (client, _events) = client(url(&emulator, "u"), options);
    client.start().await.unwrap();
    emulator.blackhole(&client.connection_id().unwrap());
    let error = client.join_group("g").timeout(Duration::from_millis(300)).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { ack_id: Some(_) }), "{error:?}");
    client.stop().await;
    assert_eq!(client.state(), ClientState::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_pipelined_sends_complete_in_order() {
    use std::future::IntoFuture;
    let emulator = emulator().await;
    let (receiver, mut events) = started(&emulator, "receiver").await;
    receiver.join_group("p").await.unwrap();
    // A separate sender: echoing 3000 messages back to the sender itself in one burst would
    // overflow its own 1000-message replay buffer on the service (a 1008, as the protocol says).
    let (client, _) = started(&emulator, "sender").await;
    let sends: Vec<_> = (0..3000).map(|n| client.send_to_group("p", n.to_string()).into_future()).collect();
    let results = futures_util::future::try_join_all(sends).await.unwrap();
    assert!(results.iter().all(|r| r.ack_id.is_some() && !r.duplicated));
    for n in 0..3000 {
        assert_eq!(next_event(&mut events, text_of).await, n.to_string());
    }
}

#[tokio::test]
async fn fire_and_forget_sends_accepted_before_stop_still_go_out() {
    let emulator = emulator().await;
    let (receiver, mut events) = started(&emulator, "receiver").await;
    receiver.join_group("last").await.unwrap();
    let (sender, _) = started(&emulator, "sender").await;
    for n in 0..100 {
        sender.send_to_group("last", n.to_string()).fire_and_forget(true).await.unwrap();
    }
    // Stop at once: the sends were accepted, so they are written before the close.
    sender.stop().await;
    for n in 0..100 {
        assert_eq!(next_event(&mut events, text_of).await, n.to_string());
    }
}
