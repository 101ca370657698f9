//! Reliability under injected faults: abrupt drops, refused recovery, 1008, failed and lost
//! acks, half-open sockets, stop during recovery and backoff.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use webpubsub_client::{ClientState, Credential, Error, Event, Protocol, WebPubSubClient};
use webpubsub_emulator::TokenOptions;

/// The next text message, skipping other events; panics with `what` if none comes in time.
async fn next_text(events: &mut webpubsub_client::EventReceiver, what: impl std::fmt::Display) -> String {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(text) = text_of(&events.recv().await.expect("events end")) {
                return text;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} never arrived"))
}

/// Receives `count` numbered texts and checks each arrives exactly once, in order.
async fn expect_sequence(events: &mut webpubsub_client::EventReceiver, count: usize) {
    for n in 0..count {
        let text = next_text(events, format_args!("message {n} of {count}")).await;
        assert_eq!(text, format!("{n}"), "message {n} missing, duplicated or out of order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_survives_twenty_abrupt_drops_without_loss_duplicates_or_reordering() {
    const MESSAGES: usize = 2000;
    let emulator = Arc::new(emulator().await);
    let (receiver, mut events) = started(&emulator, "receiver").await;
    let (sender, _sender_events) = started(&emulator, "sender").await;
    receiver.join_group("stream").await.unwrap();

    let publish = tokio::spawn({
        let sender = sender.clone();
        async move {
            // Up to 50 sends in flight at once; each must succeed despite the drops.
            let mut in_flight: tokio::task::JoinSet<Result<webpubsub_client::WebPubSubResult, Error>> =
                tokio::task::JoinSet::new();
            for n in 0..MESSAGES {
                if in_flight.len() >= 50 {
                    in_flight.join_next().await.unwrap().unwrap().unwrap();
                }
                // `into_future` queues the send at once, so the sends keep this order.
                let op = sender.send_to_group("stream", n.to_string()).into_future();
                in_flight.spawn(op);
            }
            while let Some(result) = in_flight.join_next().await {
                result.unwrap().unwrap();
            }
        }
    });
    let chaos = tokio::spawn({
        let emulator = emulator.clone();
        async move {
            let mut drops = 0;
            while drops < 20 {
                tokio::time::sleep(Duration::from_millis(30)).await;
                // Alternate between the receiver's and the sender's connection.
                let who = if drops % 2 == 0 { "receiver" } else { "sender" };
                let target =
                    emulator.connections().into_iter().find(|c| c.user_id.as_deref() == Some(who) && c.attached);
                if let Some(connection) = target {
                    if emulator.drop_connection(&connection.connection_id) {
                        drops += 1;
                    }
                }
            }
            drops
        }
    });
    expect_sequence(&mut events, MESSAGES).await;
    publish.await.unwrap();
    assert_eq!(chaos.await.unwrap(), 20);
    // The last drops may be recovering still: sockets that die young are recovered after a pause.
    eventually("the receiver is connected again", || async { receiver.state() == ClientState::Connected }).await;
}

#[tokio::test]
async fn recovery_keeps_the_connection_id_and_reports_recovering_and_recovered() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    let id = client.connection_id().unwrap();
    client.join_group("g").await.unwrap();
    assert!(emulator.drop_connection(&id));
    let seen = events_until(&mut events, |e| matches!(e, Event::Recovered { .. })).await;
    assert!(seen.iter().any(|e| matches!(e, Event::Recovering { connection_id, .. } if *connection_id == id)));
    assert!(seen.iter().any(|e| matches!(e, Event::StateChanged { current: ClientState::Recovering, .. })));
    assert!(!seen.iter().any(|e| matches!(e, Event::Connected { .. } | Event::Disconnected { .. })));
    assert_eq!(client.connection_id().as_deref(), Some(id.as_str()));
    // Group membership survived on the service side.
    let (other, _) = started(&emulator, "other").await;
    other.send_to_group("g", "still here").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "still here");
}

#[tokio::test]
async fn messages_sent_while_the_client_was_away_are_replayed_after_recovery() {
    let emulator = emulator().await;
    let proxy = Proxy::start(emulator.port()).await;
    let through_proxy = proxy.url(&emulator, "receiver");
    let (receiver, mut events) = client(through_proxy, fast_options());
    receiver.start().await.unwrap();
    receiver.join_group("g").await.unwrap();
    let (sender, _) = started(&emulator, "sender").await;

    proxy.refuse(true);
    proxy.cut_all();
    next_event(&mut events, |e| matches!(e, Event::Recovering { .. }).then_some(())).await;
    for n in 0..20 {
        sender.send_to_group("g", n.to_string()).await.unwrap();
    }
    proxy.refuse(false);
    expect_sequence(&mut events, 20).await;
}

#[tokio::test]
async fn refused_recovery_reconnects_with_a_fresh_url_and_rejoins_groups() {
    let emulator = Arc::new(emulator().await);
    let calls = Arc::new(AtomicUsize::new(0));
    let credential = Credential::provider({
        let (emulator, calls) = (emulator.clone(), calls.clone());
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            let url = url(&emulator, "u");
            async move { Ok::<_, String>(url) }
        }
    });
    let (client, mut events) = WebPubSubClient::with_options(credential, fast_options()).unwrap();
    client.start().await.unwrap();
    client.join_group("g").await.unwrap();
    let first = client.connection_id().unwrap();
    drain(&mut events);

    emulator.refuse_recoveries(1);
    assert!(emulator.drop_connection(&first));
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    let disconnected = seen.iter().find_map(|e| match e {
        Event::Disconnected { connection_id, close_code, .. } => Some((connection_id.clone(), *close_code)),
        _ => None,
    });
    assert_eq!(disconnected, Some((Some(first.clone()), Some(1008))));
    assert!(seen.iter().any(|e| matches!(e, Event::StateChanged { current: ClientState::Reconnecting, .. })));
    let second = client.connection_id().unwrap();
    assert_ne!(first, second, "a new connection");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the credential was asked again");

    let (other, _) = started(&emulator, "other").await;
    eventually("rejoined g", || async {
        emulator.connections().iter().any(|c| c.connection_id == second && c.groups.contains(&"g".to_string()))
    })
    .await;
    other.send_to_group("g", "after reconnect").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "after reconnect");
}

#[tokio::test]
async fn a_refused_rejoin_is_reported() {
    let emulator = Arc::new(emulator().await);
    let calls = Arc::new(AtomicUsize::new(0));
    // The first token may join; the fresh one after the reconnect may not.
    let credential = Credential::provider({
        let (emulator, calls) = (emulator.clone(), calls.clone());
        move || {
            let options =
                if calls.fetch_add(1, Ordering::SeqCst) == 0 { publisher("u") } else { TokenOptions::user("u") };
            let url = emulator.client_access_url(HUB, options);
            async move { Ok::<_, String>(url) }
        }
    });
    let (client, mut events) = WebPubSubClient::with_options(credential, fast_options()).unwrap();
    client.start().await.unwrap();
    client.join_group("vip").await.unwrap();
    emulator.close_connection(&client.connection_id().unwrap(), 1008, "policy");
    let (group, error) = next_event(&mut events, |e| match e {
        Event::RejoinGroupFailed { group, error } => Some((group.clone(), error.clone())),
        _ => None,
    })
    .await;
    assert_eq!(group, "vip");
    match error {
        Error::SendMessage(e) => assert_eq!(e.name, "Forbidden"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.state(), ClientState::Connected);
}

#[tokio::test]
async fn transient_ack_failures_are_retried_with_the_same_ack_id() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("g").await.unwrap();
    emulator.fail_acks(2);
    let result = client.send_to_group("g", "retried").ack_id(77).await.unwrap();
    assert_eq!(result.ack_id, Some(77));
    assert!(!result.duplicated, "failed attempts were not executed, so the third is the first execution");
    assert_eq!(next_event(&mut events, text_of).await, "retried");

    emulator.fail_acks(10);
    let error = client.send_to_group("g", "gives up").await.unwrap_err();
    match &error {
        Error::SendMessage(e) => assert_eq!(e.name, "InternalServerError"),
        other => panic!("{other:?}"),
    }
    // The caller can keep retrying with the same ackId, as the seed page shows.
    emulator.fail_acks(0);
    let retried = client.send_to_group("g", "gives up").ack_id(error.ack_id().unwrap()).await.unwrap();
    assert_eq!(retried.ack_id, error.ack_id());
    assert_eq!(next_event(&mut events, text_of).await, "gives up");
}

#[tokio::test]
async fn an_ack_lost_in_a_drop_is_resent_and_the_duplicate_counts_as_success() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("g").await.unwrap();
    emulator.drop_before_next_ack(Some(&client.connection_id().unwrap()));
    let result = client.send_to_group("g", "exactly once").await.unwrap();
    assert!(result.duplicated, "the resend after recovery was answered with Duplicate");
    assert_eq!(next_event(&mut events, text_of).await, "exactly once");
    client.send_to_group("g", "next").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "next", "published once, not twice");
}

#[tokio::test]
async fn a_silent_socket_is_detected_and_recovered() {
    let emulator = emulator().await;
    let mut options = fast_options();
    options.keep_alive_interval = Some(Duration::from_millis(100));
    options.keep_alive_timeout = Some(Duration::from_millis(600));
    let (client, mut events) = client(url(&emulator, "u"), options);
    client.start().await.unwrap();
    let id = client.connection_id().unwrap();
    // Pings keep an idle but healthy connection alive well past the timeout.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(std::iter::from_fn(|| events.try_recv().ok()).all(|e| !matches!(e, Event::Recovering { .. })));
    emulator.blackhole(&id);
    next_event(&mut events, |e| matches!(e, Event::Recovered { .. }).then_some(())).await;
    assert_eq!(client.connection_id(), Some(id));
    client.join_group("g").await.unwrap();
}

#[tokio::test]
async fn close_code_1008_means_a_new_connection() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    let first = client.connection_id().unwrap();
    assert!(emulator.close_connection(&first, 1008, "go away"));
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert!(!seen.iter().any(|e| matches!(e, Event::Recovering { .. })), "1008 is never recovered");
    assert!(seen.iter().any(|e| matches!(e,
        Event::Disconnected { close_code: Some(1008), message: Some(m), .. } if m == "go away")));
    assert_ne!(client.connection_id().unwrap(), first);
}

#[tokio::test]
async fn pending_publishes_fail_as_connection_lost_when_the_connection_is_replaced() {
    let emulator = emulator().await;
    let (client, mut events) = started(&emulator, "u").await;
    client.join_group("g").await.unwrap();
    // The publish is executed, then the connection drops before its ack and cannot be
    // recovered: the new connection cannot tell whether it was delivered.
    emulator.refuse_recoveries(1);
    emulator.drop_before_next_ack(Some(&client.connection_id().unwrap()));
    let error = client.send_to_group("g", "lost?").await.unwrap_err();
    assert!(matches!(error, Error::ConnectionLost { ack_id } if ack_id > 0), "{error:?}");
    // It was not resent on the new connection: it arrives once (from before the drop) at most.
    next_event(&mut events, |e| matches!(e, Event::Connected { .. }).then_some(())).await;
    client.send_to_group("g", "next").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "next");
}

#[tokio::test]
async fn stop_during_recovery_ends_it() {
    let emulator = emulator().await;
    let proxy = Proxy::start(emulator.port()).await;
    let (client, mut events) = client(proxy.url(&emulator, "u"), fast_options());
    client.start().await.unwrap();
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.join_group("g").await }
    });
    proxy.refuse(true);
    proxy.cut_all();
    next_event(&mut events, |e| matches!(e, Event::Recovering { .. }).then_some(())).await;
    assert_eq!(client.state(), ClientState::Recovering);
    client.stop().await;
    assert_eq!(client.state(), ClientState::Stopped);
    let result = pending.await.unwrap();
    assert!(matches!(result, Err(Error::Stopped { .. })) || result.is_ok(), "{result:?}");
    let seen = events_until(&mut events, |e| matches!(e, Event::Stopped)).await;
    assert!(seen.iter().any(|e| matches!(e, Event::Disconnected { .. })));
    // Recovery does not go on behind our back.
    proxy.refuse(false);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.state(), ClientState::Stopped);
    assert!(emulator.connections().iter().all(|c| !c.attached));
}

#[tokio::test]
async fn stop_during_reconnect_backoff_ends_it() {
    let emulator = emulator().await;
    let proxy = Proxy::start(emulator.port()).await;
    let (client, mut events) = client(proxy.url(&emulator, "u"), fast_options());
    client.start().await.unwrap();
    proxy.refuse(true);
    emulator.close_connection(&client.connection_id().unwrap(), 1008, "bye");
    next_event(&mut events, |e| {
        matches!(e, Event::StateChanged { current: ClientState::Reconnecting, .. }).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await; // a few failed attempts
    client.stop().await;
    assert_eq!(client.state(), ClientState::Stopped);
    proxy.refuse(false);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.state(), ClientState::Stopped);
    // And it starts again.
    client.start().await.unwrap();
    assert_eq!(client.state(), ClientState::Connected);
}

#[tokio::test]
async fn without_auto_reconnect_a_lost_connection_stops_the_client() {
    let emulator = emulator().await;
    let mut options = fast_options();
    options.auto_reconnect = false;
    let (client, mut events) = client(url(&emulator, "u"), options);
    client.start().await.unwrap();
    emulator.close_connection(&client.connection_id().unwrap(), 1008, "bye");
    let seen = events_until(&mut events, |e| matches!(e, Event::Stopped)).await;
    assert_eq!(seen.iter().filter(|e| matches!(e, Event::Disconnected { .. })).count(), 1);
    assert_eq!(client.state(), ClientState::Stopped);
}

#[tokio::test]
async fn reconnect_gives_up_after_its_retries() {
    let emulator = emulator().await;
    let proxy = Proxy::start(emulator.port()).await;
    let mut options = fast_options();
    options.reconnect_retry = webpubsub_client::RetryPolicy::fixed(Some(2), Duration::from_millis(20));
    let (client, mut events) = client(proxy.url(&emulator, "u"), options);
    client.start().await.unwrap();
    proxy.refuse(true);
    emulator.close_connection(&client.connection_id().unwrap(), 1008, "bye");
    next_event(&mut events, |e| matches!(e, Event::Stopped).then_some(())).await;
    assert_eq!(client.state(), ClientState::Stopped);
}

#[tokio::test]
async fn the_plain_json_protocol_reconnects_instead_of_recovering() {
    let emulator = emulator().await;
    let mut options = fast_options();
    options.protocol = Protocol::Json;
    let (client, mut events) = client(url(&emulator, "u"), options);
    client.start().await.unwrap();
    client.join_group("g").await.unwrap();
    let first = client.connection_id().unwrap();
    drain(&mut events);
    emulator.drop_connection(&first);
    let seen = events_until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert!(!seen.iter().any(|e| matches!(e, Event::Recovering { .. })));
    assert_ne!(client.connection_id().unwrap(), first);
    client.send_to_group("g", "plain").await.unwrap();
    let message = next_event(&mut events, |e| match e {
        Event::GroupMessage(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(message.sequence_id, None, "no sequence ids without the reliable protocol");
}

#[tokio::test]
async fn group_membership_follows_joins_and_leaves_across_reconnects() {
    let emulator = emulator().await;
    let (client, _events) = started(&emulator, "u").await;
    for g in ["a", "b", "c"] {
        client.join_group(g).await.unwrap();
    }
    client.leave_group("b").await.unwrap();
    emulator.close_connection(&client.connection_id().unwrap(), 1008, "new one please");
    eventually("reconnected with a and c", || async {
        let id = client.connection_id();
        emulator.connections().iter().any(|c| {
            Some(&c.connection_id) == id.as_ref()
                && c.groups.iter().cloned().collect::<BTreeSet<_>>()
                    == BTreeSet::from(["a".to_string(), "c".to_string()])
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_stream_of_large_messages_is_received_without_overflow() {
    const PAD: usize = 60 * 1024;
    // 400 x 60 KiB is 24 MB: more than the service's 16 MB of unacknowledged messages per
    // connection, so the receiver must acknowledge by size, not only by count. The emulator's
    // hold-back of publishers by bytes is off: the cloud service does not promise one.
    init_test_logging();
    let config = webpubsub_emulator::EmulatorConfig { backpressure_threshold_bytes: usize::MAX, ..Default::default() };
    let emulator = webpubsub_emulator::Emulator::start(config).await.unwrap();
    let (receiver, mut events) = started(&emulator, "receiver").await;
    receiver.join_group("big").await.unwrap();
    let (sender, _) = started(&emulator, "sender").await;
    let padding = "x".repeat(PAD);
    let publish = tokio::spawn(async move {
        for n in 0..400 {
            sender.send_to_group("big", format!("{n} {padding}")).fire_and_forget(true).await.unwrap();
        }
    });
    for n in 0..400 {
        let text = next_text(&mut events, format_args!("message {n}")).await;
        assert_eq!(text.split(' ').next(), Some(n.to_string().as_str()), "message {n} lost or out of order");
    }
    publish.await.unwrap();
    assert_eq!(receiver.state(), ClientState::Connected);
    assert!(
        std::iter::from_fn(|| events.try_recv().ok()).all(|e| !matches!(e, Event::Disconnected { .. })),
        "no overflow close"
    );
}
