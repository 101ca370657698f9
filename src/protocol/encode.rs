//! Encoding messages as compact JSON text, written straight into a reusable buffer.
//!
//! Frames are built by hand rather than through serde's derive: the shape is fixed and
//! small, field order matches what the official clients send, and the encoder never
//! allocates beyond the output buffer.

use super::{AckError, Data, MessageSource, Request, ServiceMessage};
use base64::Engine as _;

/// Appends the JSON encoding of `request` to `out`.
pub fn encode_request(request: &Request, out: &mut String) {
    match request {
        Request::JoinGroup { group, ack_id } | Request::LeaveGroup { group, ack_id } => {
            let kind = if matches!(request, Request::JoinGroup { .. }) { "joinGroup" } else { "leaveGroup" };
            out.push_str("{\"type\":\"");
            out.push_str(kind);
            out.push_str("\",\"group\":");
            write_str(out, group);
            write_ack_id(out, *ack_id);
            out.push('}');
        }
        Request::SendToGroup { group, ack_id, no_echo, data } => {
            out.push_str("{\"type\":\"sendToGroup\",\"group\":");
            write_str(out, group);
            write_ack_id(out, *ack_id);
            out.push_str(if *no_echo { ",\"noEcho\":true" } else { ",\"noEcho\":false" });
            write_data(out, data);
            out.push('}');
        }
        Request::Event { event, ack_id, data } => {
            out.push_str("{\"type\":\"event\",\"event\":");
            write_str(out, event);
            write_ack_id(out, *ack_id);
            write_data(out, data);
            out.push('}');
        }
        Request::SequenceAck { sequence_id } => {
            out.push_str("{\"type\":\"sequenceAck\",\"sequenceId\":");
            write_u64(out, *sequence_id);
            out.push('}');
        }
        Request::Ping => out.push_str("{\"type\":\"ping\"}"),
    }
}

/// Appends the JSON encoding of `message` to `out`, as the service would send it.
pub fn encode_service_message(message: &ServiceMessage, out: &mut String) {
    match message {
        ServiceMessage::Ack { ack_id, success, error } => {
            out.push_str("{\"type\":\"ack\",\"ackId\":");
            write_u64(out, *ack_id);
            out.push_str(if *success { ",\"success\":true" } else { ",\"success\":false" });
            if let Some(AckError { name, message }) = error {
                out.push_str(",\"error\":{\"name\":");
                write_str(out, name);
                out.push_str(",\"message\":");
                write_str(out, message);
                out.push('}');
            }
            out.push('}');
        }
        ServiceMessage::Message { source, data, sequence_id } => {
            out.push_str("{\"type\":\"message\"");
            match source {
                MessageSource::Group { group, from_user_id } => {
                    out.push_str(",\"from\":\"group\",\"group\":");
                    write_str(out, group);
                    out.push_str(",\"fromUserId\":");
                    write_opt_str(out, from_user_id.as_deref());
                }
                MessageSource::Server => out.push_str(",\"from\":\"server\""),
            }
            write_data(out, data);
            if let Some(id) = sequence_id {
                out.push_str(",\"sequenceId\":");
                write_u64(out, *id);
            }
            out.push('}');
        }
        ServiceMessage::Connected { connection_id, user_id, reconnection_token } => {
            out.push_str("{\"type\":\"system\",\"event\":\"connected\",\"userId\":");
            write_opt_str(out, user_id.as_deref());
            out.push_str(",\"connectionId\":");
            write_str(out, connection_id);
            if let Some(token) = reconnection_token {
                out.push_str(",\"reconnectionToken\":");
                write_str(out, token);
            }
            out.push('}');
        }
        ServiceMessage::Disconnected { message } => {
            out.push_str("{\"type\":\"system\",\"event\":\"disconnected\"");
            if let Some(message) = message {
                out.push_str(",\"message\":");
                write_str(out, message);
            }
            out.push('}');
        }
        ServiceMessage::Pong => out.push_str("{\"type\":\"pong\"}"),
        ServiceMessage::Unknown { kind } => {
            out.push_str("{\"type\":");
            write_str(out, kind);
            out.push('}');
        }
    }
}

fn write_ack_id(out: &mut String, ack_id: Option<u64>) {
    if let Some(id) = ack_id {
        out.push_str(",\"ackId\":");
        write_u64(out, id);
    }
}

fn write_data(out: &mut String, data: &Data) {
    out.push_str(",\"dataType\":\"");
    out.push_str(data.data_type().as_str());
    out.push_str("\",\"data\":");
    match data {
        Data::Text(text) => write_str(out, text),
        Data::Json(json) => out.push_str(json.as_str()),
        Data::Binary(bytes) | Data::Protobuf(bytes) => {
            out.push('"');
            base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
            out.push('"');
        }
    }
}

fn write_u64(out: &mut String, value: u64) {
    use std::fmt::Write as _;
    let _ = write!(out, "{value}");
}

fn write_opt_str(out: &mut String, value: Option<&str>) {
    match value {
        Some(v) => write_str(out, v),
        None => out.push_str("null"),
    }
}

/// Writes `value` as a JSON string literal, escaping only what JSON requires.
pub(crate) fn write_str(out: &mut String, value: &str) {
    out.push('"');
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&value[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::JsonText;

    fn request(r: Request) -> String {
        let mut s = String::new();
        encode_request(&r, &mut s);
        s
    }

    #[test]
    fn encodes_every_request_shape() {
        assert_eq!(
            request(Request::JoinGroup { group: "room1".into(), ack_id: Some(1) }),
            r#"{"type":"joinGroup","group":"room1","ackId":1}"#
        );
        assert_eq!(
            request(Request::LeaveGroup { group: "room1".into(), ack_id: None }),
            r#"{"type":"leaveGroup","group":"room1"}"#
        );
        assert_eq!(
            request(Request::SendToGroup {
                group: "room1".into(),
                ack_id: Some(3),
                no_echo: false,
                data: Data::text("hi"),
            }),
            r#"{"type":"sendToGroup","group":"room1","ackId":3,"noEcho":false,"dataType":"text","data":"hi"}"#
        );
        assert_eq!(
            request(Request::SendToGroup {
                group: "g".into(),
                ack_id: None,
                no_echo: true,
                data: Data::Json(JsonText::parse(r#"{"x":1}"#).unwrap()),
            }),
            r#"{"type":"sendToGroup","group":"g","noEcho":true,"dataType":"json","data":{"x":1}}"#
        );
        assert_eq!(
            request(Request::Event { event: "chat".into(), ack_id: Some(5), data: Data::binary(vec![1, 2, 3]) }),
            r#"{"type":"event","event":"chat","ackId":5,"dataType":"binary","data":"AQID"}"#
        );
        assert_eq!(request(Request::SequenceAck { sequence_id: 42 }), r#"{"type":"sequenceAck","sequenceId":42}"#);
        assert_eq!(request(Request::Ping), r#"{"type":"ping"}"#);
    }

    #[test]
    fn escapes_strings_as_json_requires() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}é😀");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é😀""#);
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}é😀");
    }
}
