//! Defects the fuzz targets in `fuzz/` found, each checked end to end over a real socket.
//! The input that found each one is also in the seed corpus of its target.
mod common;
use common::*;
use serde_json::{json, Map, Value};
use std::time::Duration;
use webpubsub_emulator::{token, DEFAULT_ACCESS_KEY};

/// A token for hub `chat` of `emu` with these time claims (and no others).
fn token_with(emu: &webpubsub_emulator::Emulator, times: &[(&str, Value)]) -> String {
    let mut claims = Map::new();
    claims.insert("aud".into(), format!("http://127.0.0.1:{}/client/hubs/chat", emu.port()).into());
    for (name, value) in times {
        claims.insert((*name).into(), value.clone());
    }
    format!("ws://127.0.0.1:{}/client/hubs/chat?access_token={}", emu.port(), token::sign(&claims, DEFAULT_ACCESS_KEY))
}

/// `exp`/`nbf` at the ends of the i64 range overflowed when the clock skew was added or
/// subtracted: a panic in debug builds, a far-future token refused as expired in release.
#[tokio::test]
async fn time_claims_at_the_ends_of_the_range_do_not_overflow() {
    let emu = emulator().await;
    Client::connect(&token_with(&emu, &[("exp", json!(i64::MAX))]), RELIABLE).await;
    Client::connect(&token_with(&emu, &[("exp", json!(4_102_444_800u64)), ("nbf", json!(i64::MIN))]), RELIABLE).await;
}

/// An `exp` no integer of seconds can hold (fuzz input: `"exp":4103...2444800`, 48 digits) is
/// not a time: refused, never read as a saturated or wrapped number.
#[tokio::test]
async fn time_claims_beyond_the_range_are_refused() {
    let emu = emulator().await;
    let huge: Value = serde_json::from_str("410333333333333333333333333333333333333332444800").unwrap();
    for claims in [vec![("exp", huge.clone())], vec![("exp", json!(4_102_444_800u64)), ("nbf", json!(-1e300))]] {
        let url = token_with(&emu, &claims);
        assert_eq!(open(&url, &[RELIABLE], &[]).await.err(), Some(401), "{claims:?}");
    }
}

/// Text data is a JSON string; one with a lone surrogate escape (`"\ud83d"`) is not valid
/// Unicode text. The emulator accepted it and forwarded it, and receivers (the client's
/// decoder among them) could not read it as text.
#[tokio::test]
async fn text_data_with_a_lone_surrogate_is_a_bad_request() {
    let emu = emulator().await;
    let mut sender =
        Client::reliable(&emu, "chat", webpubsub_emulator::TokenOptions::user("u").all_group_roles()).await;
    let mut receiver = Client::reliable(&emu, "chat", webpubsub_emulator::TokenOptions::user("r").group("room2")).await;
    sender
        .send_text(r#"{"type":"sendToGroup","group":"room2","ackId":4,"dataType":"text","data":"\ud83dndToGroup"}"#)
        .await;
    let ack = sender.recv_ack(4).await;
    assert_eq!((&ack["success"], &ack["error"]["name"]), (&json!(false), &json!("BadRequest")), "{ack}");
    sender.send_text(r#"{"type":"event","event":"chat","ackId":5,"dataType":"text","data":"a\udc00"}"#).await;
    assert_eq!(sender.recv_ack(5).await["error"]["name"], "BadRequest");
    receiver.expect_silence(Duration::from_millis(200)).await;
    // A proper surrogate pair is fine.
    sender
        .send_text(r#"{"type":"sendToGroup","group":"room2","ackId":6,"dataType":"text","data":"\ud83d\ude00"}"#)
        .await;
    assert_eq!(sender.recv_ack(6).await["success"], true);
    assert_eq!(receiver.recv().await["data"], "\u{1F600}");
}

/// Wildcard matching backtracked over every way to split the group name among the stars:
/// five `*` against a 1024-character near miss never finished (a libFuzzer timeout in
/// `role_patterns`). Checked on a thread so a slow matcher fails the test instead of hanging it.
#[test]
fn wildcard_matching_of_a_long_near_miss_is_fast() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pattern = webpubsub_emulator::Pattern::compile("*a*a*a*a*b").expect("five stars are allowed");
        let _ = done.send(pattern.matches(&"a".repeat(1024)));
    });
    assert_eq!(finished.recv_timeout(Duration::from_secs(2)), Ok(false));
}
