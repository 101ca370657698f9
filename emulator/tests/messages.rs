//! Every message type of the JSON subprotocols with its exact shape, permissions and events.
mod common;
use common::*;
use serde_json::json;
use std::time::Duration;
use webpubsub_emulator::{DataType, TokenOptions};

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn connected_shapes_reliable_plain_and_anonymous() {
    let emu = emulator().await;
    let (mut ws, _) = open(&emu.client_access_url("h", TokenOptions::anonymous()), &[RELIABLE], &[]).await.unwrap();
    use futures_util::StreamExt;
    let m: serde_json::Value = serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    let keys: Vec<&String> = m.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "{m}");
    assert_eq!(m["type"], "system");
    assert_eq!(m["event"], "connected");
    assert!(m["userId"].is_null() && m.get("userId").is_some(), "anonymous userId is null: {m}");
    assert!(m["reconnectionToken"].is_string());
    let p = Client::plain(&emu, "h", TokenOptions::user("u")).await;
    assert_eq!(p.reconnection_token, None, "no reconnectionToken on the non-reliable subprotocol");
}

#[tokio::test]
async fn acks_forbidden_and_silent_refusal() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    let ack = c.join("g", 1).await;
    assert_eq!(ack["success"], false);
    assert_eq!(ack["error"]["name"], "Forbidden");
    assert!(ack["error"]["message"].as_str().unwrap().contains("\"g\""));
    // Without an ackId a refused operation is dropped silently and the connection stays.
    c.send(json!({"type":"sendToGroup","group":"g","dataType":"text","data":"x"})).await;
    c.expect_silence(QUIET).await;
    c.send(json!({"type":"ping"})).await;
    assert_eq!(c.recv().await, json!({"type":"pong"}));
    // Events need no permission.
    c.send(json!({"type":"event","event":"e","dataType":"text","data":"x","ackId":2})).await;
    assert_eq!(c.recv().await, json!({"type":"ack","ackId":2,"success":true}));
}

#[tokio::test]
async fn duplicate_ack_ids_are_not_executed_again() {
    let emu = emulator().await;
    let mut pubr = Client::reliable(&emu, "h", TokenOptions::user("p").all_group_roles()).await;
    let mut sub = Client::reliable(&emu, "h", TokenOptions::user("s").group("g")).await;
    let send = json!({"type":"sendToGroup","group":"g","dataType":"text","data":"once","ackId":7});
    pubr.send(send.clone()).await;
    assert_eq!(pubr.recv().await, json!({"type":"ack","ackId":7,"success":true}));
    pubr.send(send).await;
    assert_eq!(
        pubr.recv().await,
        json!({"type":"ack","ackId":7,"success":false,"error":{"name":"Duplicate","message":"Message with ack-id: 7 has been processed"}})
    );
    assert_eq!(sub.recv().await["data"], "once");
    sub.expect_silence(QUIET).await;
    // A refused request does not burn its ackId: after a grant, the same id executes.
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("c")).await;
    assert_eq!(c.join("x", 1).await["error"]["name"], "Forbidden");
    let r = rest(
        &emu,
        "PUT",
        &format!(
            "/api/hubs/h/permissions/joinLeaveGroup/connections/{}?targetName=x&api-version=2024-01-01",
            c.connection_id
        ),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(c.join("x", 1).await["success"], true);
}

#[tokio::test]
async fn bad_request_acks_keep_the_connection() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").all_group_roles()).await;
    for (i, frame) in [
        json!({"type":"joinGroup","group":"   ","ackId":1}),
        json!({"type":"sendToGroup","group":"g","dataType":"text","data":5,"ackId":2}),
        json!({"type":"sendToGroup","group":"g","dataType":"binary","data":"@@@","ackId":3}),
        json!({"type":"sendToGroup","group":"g","dataType":"xml","data":"x","ackId":4}),
        json!({"type":"event","event":"9lives","data":"x","ackId":5}),
    ]
    .into_iter()
    .enumerate()
    {
        c.send(frame).await;
        let ack = c.recv().await;
        assert_eq!(ack["ackId"], i as u64 + 1);
        assert_eq!(ack["success"], false);
        assert_eq!(ack["error"]["name"], "BadRequest", "{ack}");
    }
    assert_eq!(c.join("ok", 6).await["success"], true);
}

#[tokio::test]
async fn group_names_are_limited_in_characters_not_bytes() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").all_group_roles()).await;
    // 600 characters are 1200 bytes; 1024 four-byte characters are 4096 bytes.
    for (i, group) in ["é".repeat(600), "😀".repeat(1024)].iter().enumerate() {
        assert_eq!(c.join(group, i as u64 + 1).await["success"], true, "{} characters", group.chars().count());
    }
    let group = "é".repeat(600);
    c.send(json!({"type":"sendToGroup","group":group,"dataType":"text","data":"hi","ackId":3})).await;
    let mut seen = vec![c.recv().await, c.recv().await];
    seen.sort_by_key(|v| v["type"].as_str().map(str::to_owned));
    assert_eq!(seen[0]["success"], true, "{seen:?}");
    assert_eq!(seen[1]["group"], group.as_str());
    for (i, group) in ["é".repeat(1025), "a".repeat(1025)].iter().enumerate() {
        let ack = c.join(group, i as u64 + 4).await;
        assert_eq!(ack["success"], false);
        assert_eq!(ack["error"]["name"], "BadRequest", "{ack}");
    }
    assert_eq!(c.join("ok", 6).await["success"], true);
}

#[tokio::test]
async fn group_message_shapes_and_sequence_ids_only_on_reliable() {
    let emu = emulator().await;
    let mut sender = Client::reliable(&emu, "h", TokenOptions::user("alice").all_group_roles()).await;
    let mut rel = Client::reliable(&emu, "h", TokenOptions::user("r").group("room")).await;
    let mut plain = Client::plain(&emu, "h", TokenOptions::anonymous().group("room")).await;
    sender
        .send(
            json!({"type":"sendToGroup","group":"room","dataType":"Json","data":{"a":[1,"b"]},"noEcho":true,"ackId":1}),
        )
        .await;
    assert_eq!(sender.recv().await, json!({"type":"ack","ackId":1,"success":true}));
    assert_eq!(
        rel.recv().await,
        json!({"type":"message","from":"group","group":"room","fromUserId":"alice","dataType":"json","data":{"a":[1,"b"]},"sequenceId":1})
    );
    assert_eq!(
        plain.recv().await,
        json!({"type":"message","from":"group","group":"room","fromUserId":"alice","dataType":"json","data":{"a":[1,"b"]}})
    );
    for (i, (dt, data)) in
        [("text", json!("hello")), ("binary", json!("AQID")), ("protobuf", json!("CgA="))].into_iter().enumerate()
    {
        sender.send(json!({"type":"sendToGroup","group":"room","dataType":dt,"data":data,"noEcho":true})).await;
        let m = rel.recv().await;
        assert_eq!((m["dataType"].as_str().unwrap(), &m["data"], &m["sequenceId"]), (dt, &data, &json!(i + 2)));
        let m = plain.recv().await;
        assert_eq!((m["dataType"].as_str().unwrap(), &m["data"]), (dt, &data));
        assert!(m.get("sequenceId").is_none());
    }
    rel.expect_silence(QUIET).await;
    sender.expect_silence(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn no_echo_and_echo_to_self() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").all_group_roles().group("g")).await;
    c.send(json!({"type":"sendToGroup","group":"g","dataType":"text","data":"me","ackId":1})).await;
    let mut got = [c.recv().await, c.recv().await];
    got.sort_by_key(|m| m["type"].as_str().unwrap().to_string());
    assert_eq!(got[0]["type"], "ack");
    assert_eq!(got[1]["data"], "me");
    assert_eq!(got[1]["sequenceId"], 1);
    c.send(json!({"type":"sendToGroup","group":"g","dataType":"text","data":"not me","ackId":2,"noEcho":true})).await;
    assert_eq!(c.recv().await, json!({"type":"ack","ackId":2,"success":true}));
    c.expect_silence(QUIET).await;
}

#[tokio::test]
async fn token_groups_and_wildcard_roles() {
    let emu = emulator().await;
    let mut c = Client::reliable(
        &emu,
        "h",
        TokenOptions::user("u")
            .role("webpubsub.joinLeaveGroups.team.*")
            .role("webpubsub.sendToGroup.exact.name")
            .group("initial"),
    )
    .await;
    assert_eq!(emu.connection(&c.connection_id).unwrap().groups, vec!["initial".to_string()]);
    assert_eq!(c.join("team.red", 1).await["success"], true);
    assert_eq!(c.join("team.red.sub", 2).await["error"]["name"], "Forbidden");
    assert_eq!(c.join("other", 3).await["error"]["name"], "Forbidden");
    c.send(json!({"type":"sendToGroup","group":"exact.name","data":1,"ackId":4})).await;
    assert_eq!(c.recv_ack(4).await["success"], true);
    c.send(json!({"type":"sendToGroup","group":"exact","data":1,"ackId":5})).await;
    assert_eq!(c.recv_ack(5).await["error"]["name"], "Forbidden");
    c.send(json!({"type":"leaveGroup","group":"team.red","ackId":6})).await;
    assert_eq!(c.recv_ack(6).await["success"], true);
    assert_eq!(emu.connection(&c.connection_id).unwrap().groups, vec!["initial".to_string()]);
}

#[tokio::test]
async fn events_are_recorded_and_echoed_on_demand() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    c.send(json!({"type":"event","event":"chat","dataType":"json","data":{"x":1},"ackId":1})).await;
    assert_eq!(c.recv().await["success"], true);
    c.send(json!({"type":"event","event":"bin","dataType":"binary","data":"AQID"})).await;
    c.expect_silence(QUIET).await;
    let ev = emu.events();
    assert_eq!(ev.len(), 2);
    assert_eq!((ev[0].event.as_str(), ev[0].data_type, ev[0].text()), ("chat", DataType::Json, Some(r#"{"x":1}"#)));
    assert_eq!(ev[0].user_id.as_deref(), Some("u"));
    assert_eq!(ev[0].connection_id, c.connection_id);
    assert_eq!((ev[1].data_type, ev[1].data.clone()), (DataType::Binary, vec![1, 2, 3]));
    emu.clear_events();
    assert!(emu.events().is_empty());

    emu.set_echo_events(true);
    c.send(json!({"type":"event","event":"chat","dataType":"text","data":"echo me","ackId":2})).await;
    let mut got = [c.recv().await, c.recv().await];
    got.sort_by_key(|m| m["type"].as_str().unwrap().to_string());
    assert_eq!(got[0], json!({"type":"ack","ackId":2,"success":true}));
    assert_eq!(got[1], json!({"type":"message","from":"server","dataType":"text","data":"echo me","sequenceId":1}));
    emu.set_echo_events(false);
    c.send(json!({"type":"event","event":"chat","dataType":"text","data":"quiet","ackId":3})).await;
    assert_eq!(c.recv().await["ackId"], 3);
    c.expect_silence(QUIET).await;
}

#[tokio::test]
async fn websocket_pings_are_sent_on_the_interval() {
    let emu = emulator_with(|c| c.ws_ping_interval = Some(Duration::from_millis(100))).await;
    let c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    use futures_util::StreamExt;
    let mut ws = c.ws;
    let m = tokio::time::timeout(T, ws.next()).await.unwrap().unwrap().unwrap();
    assert!(m.is_ping(), "{m:?}");
}
