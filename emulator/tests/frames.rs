//! Malformed client frames close the connection with the codes of PROTOCOL.md 4.7/4.8.
mod common;
use common::*;
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use webpubsub_emulator::TokenOptions;

async fn close_code_after(emu: &webpubsub_emulator::Emulator, frame: Message) -> (Vec<serde_json::Value>, u16) {
    let mut c = Client::reliable(emu, "h", TokenOptions::user("u")).await;
    c.ws.send(frame).await.unwrap();
    let (msgs, code, _) = c.expect_close().await;
    assert!(emu.wait_until(T, |cs| cs.is_empty()).await, "the logical connection ends");
    (msgs, code)
}

#[tokio::test]
async fn bad_json_unknown_type_and_wrong_field_types_close_1007() {
    let emu = emulator().await;
    for bad in [
        "not json",
        "[1,2]",
        r#"{"type":"teleport"}"#,
        r#"{"group":"g"}"#,
        r#"{"type":"joinGroup","group":42,"ackId":1}"#,
        r#"{"type":"sendToGroup","group":"g","ackId":"x","data":1}"#,
        r#"{"type":"sendToGroup","group":"g","dataType":"binary","data":"%%%"}"#,
    ] {
        let (msgs, code) = close_code_after(&emu, Message::Text(bad.into())).await;
        assert_eq!(code, 1007, "{bad}");
        assert_eq!(msgs.last().map(|m| m["event"].clone()), Some("disconnected".into()), "{bad}");
    }
}

#[tokio::test]
async fn binary_frame_closes_1003() {
    let emu = emulator().await;
    assert_eq!(close_code_after(&emu, Message::Binary(vec![1u8, 2, 3].into())).await.1, 1003);
}

#[tokio::test]
async fn oversize_message_closes_1009_and_limit_itself_is_accepted() {
    let emu = emulator().await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    // Exactly 1 MiB is allowed.
    let prefix = r#"{"type":"event","event":"e","dataType":"text","ackId":1,"data":""#;
    let pad = 1_048_576 - prefix.len() - 2;
    let exact = format!("{prefix}{}\"}}", "a".repeat(pad));
    assert_eq!(exact.len(), 1_048_576);
    c.send_text(&exact).await;
    assert_eq!(c.recv().await["success"], true);
    let over = format!("{prefix}{}\"}}", "a".repeat(pad + 1));
    c.send_text(&over).await;
    assert_eq!(c.expect_close().await.1, 1009);
}

#[tokio::test]
async fn invalid_utf8_text_frame_closes_1007() {
    let emu = emulator().await;
    use tokio_tungstenite::tungstenite::protocol::frame::{
        coding::{Data, OpCode},
        Frame,
    };
    let frame = Frame::message(vec![0xff, 0xfe, b'{'], OpCode::Data(Data::Text), true);
    assert_eq!(close_code_after(&emu, Message::Frame(frame)).await.1, 1007);
}

#[tokio::test]
async fn json_arrays_are_not_requests_and_close_1007() {
    let emu = emulator().await;
    // serde reads a struct from a sequence, so these used to run as a ping and a joinGroup.
    for frame in [r#"["ping"]"#, r#"["joinGroup","junk",1]"#, r#" ["sequenceAck",null,null,null,null,null,null,1]"#] {
        let mut c = Client::reliable(&emu, "h", TokenOptions::user("u").role("webpubsub.joinLeaveGroup")).await;
        c.send_text(frame).await;
        let (msgs, code, _) = c.expect_close().await;
        assert_eq!(code, 1007, "{frame}");
        // No pong, no ack: only the disconnected message before the close.
        assert_eq!(msgs.len(), 1, "{frame}: {msgs:?}");
        assert_eq!(msgs[0]["event"], "disconnected");
        assert!(emu.wait_until(T, |cs| cs.is_empty()).await);
    }
}
