//! Reliable subprotocol: sequence ids, replay on recovery, recovery rules, buffer limits.
mod common;
use common::*;
use serde_json::json;
use std::time::Duration;
use webpubsub_emulator::{DataType, TokenOptions};

async fn publish(emu: &webpubsub_emulator::Emulator, group: &str, range: std::ops::RangeInclusive<u32>) {
    for i in range {
        emu.inject_group_message("h", group, DataType::Text, i.to_string()).unwrap();
    }
}

#[tokio::test]
async fn unacked_messages_are_replayed_in_order_with_original_ids_before_new_traffic() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    publish(&emu, "g", 1..=5).await;
    for i in 1..=5u64 {
        let m = c.recv().await;
        assert_eq!((m["sequenceId"].as_u64(), m["data"].as_str()), (Some(i), Some(i.to_string().as_str())));
    }
    c.send(json!({"type":"sequenceAck","sequenceId":2})).await;
    c.send(json!({"type":"ping"})).await;
    assert_eq!(c.recv().await["type"], "pong"); // the ack has been processed
    assert!(emu.drop_connection(&c.connection_id));
    c.expect_drop().await;
    assert!(emu.wait_until(T, |cs| cs.iter().any(|x| !x.attached)).await);
    // Produced while away: queued too.
    publish(&emu, "g", 6..=7).await;
    c.recover().await;
    publish(&emu, "g", 8..=8).await;
    let ids: Vec<u64> = (0..6).map(|_| 0).collect::<Vec<_>>();
    let mut got = Vec::new();
    for _ in ids {
        let m = c.recv().await;
        got.push((m["sequenceId"].as_u64().unwrap(), m["data"].as_str().unwrap().to_string()));
    }
    let want: Vec<(u64, String)> = (3..=8).map(|i| (i, i.to_string())).collect();
    assert_eq!(got, want);
    let info = emu.connection(&c.connection_id).unwrap();
    assert!(info.attached);
    assert_eq!(info.groups, vec!["g".to_string()], "groups survive recovery");
}

#[tokio::test]
async fn duplicate_detection_survives_recovery_and_old_token_is_ignored() {
    // A token that expires during the test: recovery must not look at it.
    let emu = emulator_with(|c| c.recovery_window = Duration::from_secs(5)).await;
    let url = emu.client_access_url("h", TokenOptions::user("u").all_group_roles().expired(Duration::from_secs(299)));
    let mut c = Client::connect(&url, RELIABLE).await;
    assert_eq!(c.join("g", 1).await["success"], true);
    tokio::time::sleep(Duration::from_secs(2)).await; // now past exp + 5 min skew
    assert_eq!(open(&url, &[RELIABLE], &[]).await.err(), Some(401), "the token is expired for new connections");
    emu.drop_connection(&c.connection_id);
    c.expect_drop().await;
    c.recover().await;
    c.send(json!({"type":"joinGroup","group":"g","ackId":1})).await;
    assert_eq!(c.recv().await["error"]["name"], "Duplicate");
    // Permissions survived too.
    assert_eq!(c.join("g2", 2).await["success"], true);
}

#[tokio::test]
async fn refused_and_expired_recoveries_close_with_1008() {
    let emu = emulator().await; // 2 s window
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    // Wrong reconnection token.
    let bad = format!("{}&awps_connection_id={}&awps_reconnection_token=nope", c.url, c.connection_id);
    let (mut ws, _) = open(&bad, &[RELIABLE], &[]).await.expect("refusals are upgraded first");
    let mut probe = Client {
        ws,
        url: bad.clone(),
        subprotocol: RELIABLE.into(),
        connection_id: String::new(),
        user_id: json!(null),
        reconnection_token: None,
    };
    let (msgs, code, _) = probe.expect_close().await;
    assert_eq!(code, 1008);
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["type"], "system");
    assert_eq!(msgs[0]["event"], "disconnected");
    assert!(msgs[0]["message"].is_string());

    // Expired: drop, wait past the window, then recover.
    emu.drop_connection(&c.connection_id);
    c.expect_drop().await;
    assert!(emu.connection(&c.connection_id).is_some(), "kept during the window");
    assert!(emu.wait_until(Duration::from_secs(5), |cs| cs.is_empty()).await, "forgotten after the window");
    ws = open(&c.recovery_url(), &[RELIABLE], &[]).await.unwrap().0;
    probe.ws = ws;
    assert_eq!(probe.expect_close().await.1, 1008);
}

#[tokio::test]
async fn non_reliable_connections_are_not_recoverable() {
    let emu = emulator().await;
    let c = Client::plain(&emu, "h", TokenOptions::user("u")).await;
    emu.drop_connection(&c.connection_id);
    assert!(emu.wait_until(T, |cs| cs.is_empty()).await);
}

#[tokio::test]
async fn client_close_frame_ends_the_logical_connection_but_drop_keeps_it() {
    let emu = emulator_with(|c| c.recovery_window = Duration::from_secs(30)).await;
    let c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    let id = c.connection_id.clone();
    c.close().await;
    assert!(emu.wait_until(T, |cs| cs.is_empty()).await, "a client close ends the connection");

    let c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    drop(c); // TCP closed without a close frame
    assert!(emu.wait_until(T, |cs| cs.len() == 1 && !cs[0].attached).await);
    assert!(emu.connection(&id).is_none());
}

#[tokio::test]
async fn replay_buffer_overflow_closes_with_1008_and_is_unrecoverable() {
    let emu = emulator_with(|c| c.max_unacked_messages = 50).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    publish(&emu, "g", 1..=51).await;
    let (msgs, code, _) = c.expect_close().await;
    assert_eq!(code, 1008);
    assert_eq!(msgs.last().unwrap()["event"], "disconnected");
    assert!(msgs.iter().filter(|m| m["type"] == "message").count() <= 50);
    assert!(emu.wait_until(T, |cs| cs.is_empty()).await);
    c.recover().await;
    assert_eq!(c.expect_close().await.1, 1008);
}

#[tokio::test]
async fn acknowledged_messages_free_the_buffer() {
    let emu = emulator_with(|c| c.max_unacked_messages = 50).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    for round in 0..4u32 {
        publish(&emu, "g", round * 40 + 1..=round * 40 + 40).await;
        let mut last = 0;
        for _ in 0..40 {
            last = c.recv().await["sequenceId"].as_u64().unwrap();
        }
        c.send(json!({"type":"sequenceAck","sequenceId":last})).await;
        c.send(json!({"type":"ping"})).await;
        assert_eq!(c.recv().await["type"], "pong");
    }
    assert_eq!(emu.connection(&c.connection_id).unwrap().unacked, 0);
}

#[tokio::test]
async fn byte_limit_also_overflows() {
    let emu = emulator_with(|c| c.max_unacked_bytes = 10_000).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    let big = "x".repeat(3000);
    for _ in 0..4 {
        emu.inject_group_message("h", "g", DataType::Text, &big).unwrap();
    }
    assert_eq!(c.expect_close().await.1, 1008);
}

#[tokio::test]
async fn recovery_replaces_a_still_attached_transport() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    let (mut second, _) = open(&c.recovery_url(), &[RELIABLE], &[]).await.unwrap();
    std::mem::swap(&mut c.ws, &mut second);
    publish(&emu, "g", 1..=1).await;
    assert_eq!(c.recv().await["sequenceId"], 1);
    use futures_util::StreamExt;
    let old = tokio::time::timeout(T, second.next()).await.unwrap();
    assert!(
        !matches!(old, Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_)))),
        "old transport got nothing: {old:?}"
    );
}

#[tokio::test]
async fn connected_can_be_resent_on_recovery() {
    let emu = emulator_with(|c| c.connected_on_recovery = true).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    publish(&emu, "g", 1..=1).await;
    emu.drop_connection(&c.connection_id);
    c.expect_drop().await;
    c.recover().await;
    let m = c.recv().await;
    assert_eq!((m["event"].as_str(), m["connectionId"].as_str()), (Some("connected"), Some(c.connection_id.as_str())));
    let new_token = m["reconnectionToken"].as_str().unwrap().to_string();
    assert_ne!(Some(new_token.clone()), c.reconnection_token);
    assert_eq!(c.recv().await["sequenceId"], 1, "replay follows connected");
    c.reconnection_token = Some(new_token);
    emu.drop_connection(&c.connection_id);
    c.expect_drop().await;
    c.recover().await;
    assert_eq!(c.recv().await["event"], "connected", "the fresh token works");
}

#[tokio::test]
async fn publisher_is_held_back_by_a_congested_subscriber_but_not_by_itself() {
    let emu = emulator_with(|c| {
        c.backpressure_threshold = 10;
        c.backpressure_max_wait = Duration::from_secs(30);
    })
    .await;
    let mut sub = Client::reliable(&emu, "h", TokenOptions::user("s").group("g")).await;
    let mut publisher = Client::reliable(&emu, "h", TokenOptions::user("p").role("webpubsub.sendToGroup")).await;
    for i in 0..12 {
        publisher.send(json!({"type":"sendToGroup","group":"g","dataType":"text","data":i.to_string()})).await;
    }
    publisher.send(json!({"type":"ping"})).await;
    // The subscriber has more than 10 unacknowledged messages: the publisher's frames wait.
    publisher.expect_silence(Duration::from_millis(400)).await;
    let mut last = 0;
    while last < 10 {
        last = sub.recv().await["sequenceId"].as_u64().unwrap();
    }
    sub.send(json!({"type":"sequenceAck","sequenceId":last})).await;
    assert_eq!(publisher.recv().await["type"], "pong", "released by the subscriber's ack");

    // A congested publisher that is a member of its own group is not held back by itself.
    let mut own =
        Client::reliable(&emu, "h", TokenOptions::user("o").role("webpubsub.sendToGroup").group("self")).await;
    for i in 0..15 {
        own.send(json!({"type":"sendToGroup","group":"self","dataType":"text","data":i.to_string()})).await;
    }
    own.send(json!({"type":"ping"})).await;
    let mut seen_pong = false;
    for _ in 0..16 {
        seen_pong |= own.recv().await["type"] == "pong";
    }
    assert!(seen_pong);
}
