//! Fault injection, through the in-process handle and the HTTP control surface.
mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use webpubsub_emulator::{DataType, TokenOptions};

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn drop_is_abrupt_and_recoverable() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    assert!(emu.drop_connection(&c.connection_id));
    c.expect_drop().await;
    assert!(!emu.drop_connection("nope"));
    c.recover().await;
    emu.inject_group_message("h", "g", DataType::Text, "after").unwrap();
    assert_eq!(c.recv().await["data"], "after");

    let mut d = Client::reliable(&emu, "h", TokenOptions::user("v")).await;
    assert!(emu.wait_for_connections(2, T).await);
    assert_eq!(emu.drop_all(Some("other-hub")), 0);
    assert_eq!(emu.drop_all(Some("H")), 2);
    c.expect_drop().await;
    d.expect_drop().await;
}

#[tokio::test]
async fn close_with_code_sends_disconnected_first() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    assert!(emu.close_connection(&c.connection_id, 4001, "maintenance"));
    let (msgs, code, reason) = c.expect_close().await;
    assert_eq!((code, reason.as_str()), (4001, "maintenance"));
    assert_eq!(msgs, vec![json!({"type":"system","event":"disconnected","message":"maintenance"})]);
    // Not 1008: still recoverable.
    c.recover().await;
    c.send(json!({"type":"ping"})).await;
    assert_eq!(c.recv().await["type"], "pong");
    // 1008 ends it.
    assert!(emu.close_connection(&c.connection_id, 1008, "policy"));
    assert_eq!(c.expect_close().await.1, 1008);
    assert!(emu.wait_until(T, |cs| cs.is_empty()).await);
}

#[tokio::test]
async fn refused_recovery_is_1008_and_counts_down() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    let mut d = Client::reliable(&emu, "h", TokenOptions::user("v")).await;
    emu.refuse_recoveries(1);
    emu.drop_all(None);
    c.expect_drop().await;
    d.expect_drop().await;
    c.recover().await;
    let (msgs, code, _) = c.expect_close().await;
    assert_eq!((code, msgs[0]["event"].as_str()), (1008, Some("disconnected")));
    d.recover().await;
    d.send(json!({"type":"ping"})).await;
    assert_eq!(d.recv().await["type"], "pong", "only one recovery was refused");
}

#[tokio::test]
async fn failed_acks_do_not_execute_and_retry_executes() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").all_group_roles()).await;
    emu.fail_acks(2);
    let ack = c.join("g", 1).await;
    assert_eq!(ack["error"]["name"], "InternalServerError");
    assert!(emu.connection(&c.connection_id).unwrap().groups.is_empty(), "not executed");
    assert_eq!(c.join("g", 1).await["error"]["name"], "InternalServerError");
    assert_eq!(
        c.join("g", 1).await,
        json!({"type":"ack","ackId":1,"success":true}),
        "the retry with the same id executes"
    );
    assert_eq!(emu.connection(&c.connection_id).unwrap().groups, vec!["g".to_string()]);
}

#[tokio::test]
async fn ack_lost_by_a_drop() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").all_group_roles()).await;
    let mut sub = Client::reliable(&emu, "h", TokenOptions::user("s").group("g")).await;
    assert!(emu.drop_before_next_ack(Some(&c.connection_id)));
    let send = json!({"type":"sendToGroup","group":"g","dataType":"text","data":"exactly once","ackId":5});
    c.send(send.clone()).await;
    c.expect_drop().await; // no ack before the drop
    assert_eq!(sub.recv().await["data"], "exactly once", "the operation was executed");
    c.recover().await;
    c.send(send).await;
    assert_eq!(c.recv().await["error"]["name"], "Duplicate");
    sub.expect_silence(QUIET).await;

    // Armed for any connection.
    emu.drop_before_next_ack(None);
    sub.send(json!({"type":"event","event":"e","data":1,"ackId":1})).await;
    sub.expect_drop().await;
}

#[tokio::test]
async fn delay_and_pause_delivery() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    assert!(emu.delay_delivery(&c.connection_id, Duration::from_millis(600)));
    let t0 = Instant::now();
    emu.inject_group_message("h", "g", DataType::Text, "late").unwrap();
    c.expect_silence(Duration::from_millis(300)).await;
    assert_eq!(c.recv().await["data"], "late");
    assert!(t0.elapsed() >= Duration::from_millis(600));
    emu.delay_delivery(&c.connection_id, Duration::ZERO);

    assert!(emu.pause_delivery(&c.connection_id));
    emu.inject_group_message("h", "g", DataType::Text, "held").unwrap();
    c.send(json!({"type":"ping"})).await;
    c.expect_silence(QUIET).await;
    assert!(emu.resume_delivery(&c.connection_id));
    assert_eq!(c.recv().await["data"], "held");
    assert_eq!(c.recv().await["type"], "pong", "order is kept");
    assert!(!emu.pause_delivery("nope"));
}

#[tokio::test]
async fn blackhole_keeps_the_socket_open_but_silent_and_recovery_replaces_it() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").group("g")).await;
    assert!(emu.blackhole(&c.connection_id));
    assert!(emu.wait_until(T, |cs| cs[0].blackholed && !cs[0].attached).await);
    emu.inject_group_message("h", "g", DataType::Text, "while away").unwrap();
    c.send(json!({"type":"ping"})).await;
    c.expect_silence(Duration::from_millis(700)).await; // no pong, no close, no reset
    c.recover().await;
    assert_eq!(c.recv().await["data"], "while away");
}

#[tokio::test]
async fn a_drop_cuts_a_black_holed_socket() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    assert!(emu.blackhole(&c.connection_id));
    assert!(emu.wait_until(T, |cs| cs[0].blackholed).await);
    assert!(emu.drop_connection(&c.connection_id));
    c.expect_drop().await;
    c.recover().await;
    c.send(json!({"type":"ping"})).await;
    assert_eq!(c.recv().await["type"], "pong");
}

#[tokio::test]
async fn injected_server_group_and_raw_frames() {
    let emu = emulator().await;
    let mut a = Client::reliable(&emu, "h", TokenOptions::user("a").group("g")).await;
    let mut b = Client::plain(&emu, "h", TokenOptions::user("b")).await;
    assert_eq!(emu.inject_server_message("h", Some(&a.connection_id), DataType::Json, r#"{"k":1}"#).unwrap(), 1);
    assert_eq!(
        a.recv().await,
        json!({"type":"message","from":"server","dataType":"json","data":{"k":1},"sequenceId":1})
    );
    assert_eq!(emu.inject_server_message("h", None, DataType::Binary, [9u8]).unwrap(), 2);
    assert_eq!(a.recv().await["data"], "CQ==");
    assert_eq!(b.recv().await["data"], "CQ==");
    assert!(emu.inject_server_message("h", Some("nope"), DataType::Text, "x").is_err());
    assert!(emu.inject_server_message("h", None, DataType::Json, "{bad").is_err());
    assert_eq!(emu.inject_group_message("h", "g", DataType::Text, "grp").unwrap(), 1);
    assert_eq!(a.recv().await["fromUserId"], json!(null));
    assert!(emu.inject_raw_frame(&b.connection_id, "{not json"));
    assert_eq!(b.recv().await, json!("RAW:{not json"));
}

#[tokio::test]
async fn control_surface_over_http() {
    let emu = emulator().await;
    // Mint a URL over HTTP and connect with it.
    let r = http(
        &emu,
        "GET",
        "/_emulator/client-access-url?hub=h&userId=web&role=webpubsub.joinLeaveGroup&group=g&minutes=5",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let url = r.json()["url"].as_str().unwrap().to_string();
    let mut c = Client::connect(&url, RELIABLE).await;
    let list = http(&emu, "GET", "/_emulator/connections?hub=H", &[], b"").await.json();
    assert_eq!(list[0]["connectionId"], c.connection_id.as_str());
    assert_eq!(list[0]["userId"], "web");
    assert_eq!(list[0]["groups"], json!(["g"]));
    assert_eq!(list[0]["reliable"], true);
    assert_eq!(list[0]["attached"], true);
    let id = c.connection_id.clone();

    let r = http(
        &emu,
        "POST",
        &format!("/_emulator/hubs/h/server-message?connectionId={id}"),
        &[("Content-Type", "text/plain")],
        b"srv",
    )
    .await;
    assert_eq!(r.json()["delivered"], 1);
    assert_eq!(c.recv().await["data"], "srv");
    http(&emu, "POST", "/_emulator/hubs/h/groups/g/message", &[("Content-Type", "application/json")], b"[1]").await;
    assert_eq!(c.recv().await["data"], json!([1]));
    http(&emu, "POST", &format!("/_emulator/connections/{id}/raw"), &[], b"raw!").await;
    assert_eq!(c.recv().await, json!("RAW:raw!"));

    http(&emu, "POST", "/_emulator/fail-acks?count=1", &[], b"").await;
    assert_eq!(c.join("g2", 1).await["error"]["name"], "InternalServerError");

    http(&emu, "PUT", "/_emulator/echo?enabled=true", &[], b"").await;
    assert_eq!(http(&emu, "GET", "/_emulator/echo", &[], b"").await.json()["enabled"], true);
    c.send(json!({"type":"event","event":"ev","dataType":"text","data":"hey"})).await;
    assert_eq!(c.recv().await["data"], "hey");
    let ev = http(&emu, "GET", "/_emulator/events?hub=h", &[], b"").await.json();
    assert_eq!(ev, json!([{"hub":"h","connectionId":id,"userId":"web","event":"ev","dataType":"text","data":"hey"}]));
    assert_eq!(http(&emu, "DELETE", "/_emulator/events", &[], b"").await.json()["cleared"], 1);

    http(&emu, "POST", &format!("/_emulator/connections/{id}/pause"), &[], b"").await;
    assert_eq!(http(&emu, "GET", &format!("/_emulator/connections/{id}"), &[], b"").await.json()["paused"], true);
    http(&emu, "POST", &format!("/_emulator/connections/{id}/resume"), &[], b"").await;
    http(&emu, "POST", &format!("/_emulator/connections/{id}/delay?ms=0"), &[], b"").await;

    http(&emu, "POST", &format!("/_emulator/drop-before-next-ack?connectionId={id}"), &[], b"").await;
    c.send(json!({"type":"joinGroup","group":"g3","ackId":2})).await;
    c.expect_drop().await;
    c.recover().await;

    http(&emu, "POST", &format!("/_emulator/connections/{id}/close?code=4002&reason=why"), &[], b"").await;
    assert_eq!(c.expect_close().await.1, 4002);
    c.recover().await;
    assert_eq!(http(&emu, "POST", "/_emulator/refuse-recoveries?count=1", &[], b"").await.status, 200);
    assert_eq!(
        http(&emu, "POST", &format!("/_emulator/connections/{id}/drop?mode=fin"), &[], b"").await.json()["dropped"],
        true
    );
    c.expect_drop().await;
    c.recover().await;
    assert_eq!(c.expect_close().await.1, 1008);

    let mut d = Client::connect(&url, RELIABLE).await;
    let r = http(&emu, "POST", &format!("/_emulator/connections/{}/blackhole", d.connection_id), &[], b"").await;
    assert_eq!(r.status, 200);
    d.expect_silence(QUIET).await;
    assert_eq!(
        http(&emu, "POST", "/_emulator/drop-all", &[], b"").await.json()["dropped"],
        1,
        "the held socket is cut too"
    );
    d.expect_drop().await;
    assert_eq!(http(&emu, "POST", "/_emulator/connections/nope/drop", &[], b"").await.status, 404);
    assert_eq!(http(&emu, "POST", "/_emulator/fail-acks?count=x", &[], b"").await.status, 400);
    assert_eq!(http(&emu, "GET", "/_emulator/nothing", &[], b"").await.status, 404);
}

#[tokio::test]
async fn control_close_refuses_codes_rfc_6455_forbids_on_the_wire() {
    let emu = emulator().await;
    // Validation comes first, so an unknown id tells an allowed code (404) from a refused one (400).
    for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535] {
        let r = http(&emu, "POST", &format!("/_emulator/connections/nope/close?code={code}"), &[], b"").await;
        assert_eq!(r.status, 400, "code {code}");
        assert!(r.json()["message"].as_str().unwrap().contains("close code"), "code {code}");
    }
    for code in [1000, 1001, 1002, 1003, 1007, 1008, 1011, 1012, 1013, 1014, 3000, 4000, 4999] {
        let r = http(&emu, "POST", &format!("/_emulator/connections/nope/close?code={code}"), &[], b"").await;
        assert_eq!(r.status, 404, "code {code}");
    }
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    // (1014 is registered and allowed, but tungstenite, this test's client, does not know it.)
    let r = http(&emu, "POST", &format!("/_emulator/connections/{}/close?code=1012", c.connection_id), &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(c.expect_close().await.1, 1012);
}

#[tokio::test]
async fn control_token_minutes_out_of_range_are_refused() {
    let emu = emulator().await;
    for minutes in ["9223372036854775807", "153722867280912931", "2147483648", "-1", "0", "abc", "1.5", ""] {
        let r = http(&emu, "GET", &format!("/_emulator/client-access-url?hub=h&minutes={minutes}"), &[], b"").await;
        assert_eq!(r.status, 400, "minutes={minutes}");
        assert!(r.json()["message"].as_str().unwrap().contains("minutes"), "minutes={minutes}");
    }
    let r = http(&emu, "GET", "/_emulator/client-access-url?hub=h&minutes=2147483647", &[], b"").await;
    assert_eq!(r.status, 200);
    let lifetime = token_exp(r.json()["token"].as_str().unwrap()) - now_secs();
    assert!((lifetime - 2_147_483_647 * 60).abs() <= 2, "lifetime {lifetime}");
    Client::connect(r.json()["url"].as_str().unwrap(), RELIABLE).await;
}
