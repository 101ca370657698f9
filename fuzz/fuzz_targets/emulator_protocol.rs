//! The emulator's wire codec, and its agreement with the client's:
//! - parsing a client frame never panics, and every frame the emulator accepts the client's
//!   decoder reads as the same request (type, group or event, ackId, noEcho, data);
//! - every downstream frame the emulator builds (from fuzzed names, ids and REST-style
//!   bodies) decodes in the client to exactly what went in;
//! - REST-style bodies survive `Payload::from_body` / `to_body`.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use webpubsub_client::protocol::{
    decode_request, decode_service_message, AckError as ClientAckError, MessageSource, Request, ServiceMessage,
};
use webpubsub_client::Data;
use webpubsub_emulator::fuzzing::{
    ack, connected, disconnected, group_frame, parse, server_frame, AckError, ClientMessage, DataType, Payload,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    accepted_frames_decode_alike(text);
    let [selector, group, user, body] = webpubsub_fuzz::fields::<4>(text);
    let selector = selector.bytes().fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
    downstream_frames_round_trip(selector, group, user, body);
});

fn accepted_frames_decode_alike(text: &str) {
    let Ok(message) = parse(text) else { return };
    let request = decode_request(text).unwrap_or_else(|e| panic!("emulator accepts {text:?}, client refuses: {e}"));
    match (message, request) {
        (ClientMessage::JoinGroup { group, ack_id }, Request::JoinGroup { group: g, ack_id: a })
        | (ClientMessage::LeaveGroup { group, ack_id }, Request::LeaveGroup { group: g, ack_id: a }) => {
            assert_eq!((&*group, ack_id), (g.as_str(), a));
        }
        (
            ClientMessage::SendToGroup { group, ack_id, no_echo, data_type, data },
            Request::SendToGroup { group: g, ack_id: a, no_echo: n, data: d },
        ) => {
            assert_eq!((&*group, ack_id, no_echo), (g.as_str(), a, n));
            same_data(data_type, data.get().as_bytes(), &d);
        }
        (ClientMessage::Event { event, ack_id, data_type, data }, Request::Event { event: e, ack_id: a, data: d }) => {
            assert_eq!((&*event, ack_id), (e.as_str(), a));
            same_data(data_type, data.get().as_bytes(), &d);
        }
        (ClientMessage::SequenceAck { sequence_id }, Request::SequenceAck { sequence_id: s }) => {
            assert_eq!(sequence_id, s)
        }
        (ClientMessage::Ping, Request::Ping) => {}
        (m, r) => panic!("{text:?}: emulator reads {m:?}, client reads {r:?}"),
    }
}

/// `json` is the payload as JSON text on the wire (what the emulator keeps).
fn same_data(data_type: DataType, json: &[u8], data: &Data) {
    assert_eq!(data_type.as_str(), data.data_type().as_str());
    match data {
        Data::Json(j) => assert_eq!(j.as_str().as_bytes(), json),
        Data::Text(t) => assert_eq!(&serde_json::from_slice::<String>(json).expect("text is a JSON string"), t),
        Data::Binary(b) | Data::Protobuf(b) => {
            let encoded: String = serde_json::from_slice(json).expect("binary is a JSON string");
            assert_eq!(&STANDARD.decode(encoded).expect("binary is base64"), b);
        }
    }
}

fn downstream_frames_round_trip(selector: u64, group: &str, user: &str, body: &str) {
    let data_type = [DataType::Text, DataType::Json, DataType::Binary, DataType::Protobuf][(selector % 4) as usize];
    let user = (selector & 4 != 0).then_some(user);
    let sequence_id = selector >> 3;

    if let Ok(payload) = Payload::from_body(data_type, body.as_bytes()) {
        let back = payload.to_body();
        if data_type == DataType::Json {
            // JSON is kept as parsed, without surrounding whitespace.
            assert_eq!(Payload::from_body(data_type, &back).as_ref(), Ok(&payload));
        } else {
            assert_eq!(back, body.as_bytes());
        }
        let source = MessageSource::Group { group: group.to_owned(), from_user_id: user.map(str::to_owned) };
        for id in [Some(sequence_id), None] {
            check_message(&group_frame(group, user, &payload, id), &source, &payload, id);
            check_message(&server_frame(&payload, id), &MessageSource::Server, &payload, id);
        }
    }

    let token = (selector & 8 != 0).then_some(body);
    assert_eq!(
        client_reads(&connected(group, user, token)),
        ServiceMessage::Connected {
            connection_id: group.to_owned(),
            user_id: user.map(str::to_owned),
            reconnection_token: token.map(str::to_owned),
        }
    );
    assert_eq!(client_reads(&disconnected(body)), ServiceMessage::Disconnected { message: Some(body.to_owned()) });
    assert_eq!(
        client_reads(&ack(sequence_id, None)),
        ServiceMessage::Ack { ack_id: sequence_id, success: true, error: None }
    );
    let error = [AckError::Forbidden, AckError::Duplicate, AckError::BadRequest, AckError::InternalServerError]
        [(selector % 4) as usize];
    assert_eq!(
        client_reads(&ack(sequence_id, Some((error, body)))),
        ServiceMessage::Ack {
            ack_id: sequence_id,
            success: false,
            error: Some(ClientAckError { name: error.name().to_owned(), message: body.to_owned() }),
        }
    );
}

fn check_message(frame: &[u8], source: &MessageSource, payload: &Payload, sequence_id: Option<u64>) {
    let ServiceMessage::Message { source: s, data, sequence_id: id } = client_reads(frame) else {
        panic!("{:?} is not a message to the client", String::from_utf8_lossy(frame));
    };
    assert_eq!((&s, id), (source, sequence_id));
    same_data(payload.data_type, &payload.json, &data);
}

fn client_reads(frame: &[u8]) -> ServiceMessage {
    let text = std::str::from_utf8(frame).expect("the emulator writes UTF-8");
    decode_service_message(text).unwrap_or_else(|e| panic!("client cannot decode {text:?}: {e}"))
}
