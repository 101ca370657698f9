//! Decoding JSON frames leniently, the way the protocol asks receivers to.
//!
//! Every frame is first read into one flat, borrowing view of all known fields, each still
//! raw JSON (unknown ones are skipped by serde); the `type` field then decides which fields
//! matter, and only those are read with their types.

use super::{AckError, Data, DataType, JsonText, MessageSource, Request, ServiceMessage};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A frame that is not a valid Web PubSub JSON message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a JSON object, or a known field has the wrong JSON type.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A field that this message type requires is absent.
    #[error("{kind} message without `{field}`")]
    MissingField {
        /// The message type.
        kind: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// `dataType` names no known data type.
    #[error("unknown dataType `{0}`")]
    UnknownDataType(String),
    /// `data` does not fit its `dataType` (e.g. text that is not a string, bad base64).
    #[error("data does not match dataType {data_type}: {reason}")]
    BadData {
        /// The declared data type.
        data_type: DataType,
        /// What is wrong with the data.
        reason: String,
    },
}

/// Every known field of every message type, still as raw JSON. A field is given a type only
/// when the frame's `type` uses it: to a data message an ack's `error` is an unknown field,
/// and unknown fields are ignored whatever their JSON type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Frame<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
    #[serde(borrow, default)]
    ack_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    success: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
    #[serde(borrow, default)]
    from: Option<&'a RawValue>,
    #[serde(borrow, default)]
    group: Option<&'a RawValue>,
    #[serde(borrow, default)]
    from_user_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data_type: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    sequence_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    connection_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    user_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    reconnection_token: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    no_echo: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct FrameError<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

/// The commonest frame by far, a successful ack in its compact form
/// (`{"type":"ack","ackId":N,"success":true}`), read without the general parser. Any other
/// spelling takes the general path.
fn compact_success_ack(text: &str) -> Option<u64> {
    let digits = text.strip_prefix(r#"{"type":"ack","ackId":"#)?.strip_suffix(r#","success":true}"#)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn parse_frame(text: &str) -> Result<Frame<'_>, DecodeError> {
    serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))
}

/// A string field, borrowed from the frame unless it has escapes; `null` is absent.
fn text<'a>(raw: Option<&'a RawValue>, field: &'static str) -> Result<Option<Cow<'a, str>>, DecodeError> {
    let Some(raw) = raw else { return Ok(None) };
    match serde_json::from_str::<&'a str>(raw.get()) {
        Ok(s) => Ok(Some(Cow::Borrowed(s))),
        Err(_) => {
            serde_json::from_str::<String>(raw.get()).map(|s| Some(Cow::Owned(s))).map_err(|e| wrong_type(field, e))
        }
    }
}

/// Any other field; `null` is absent.
fn value<'a, T: Deserialize<'a>>(raw: Option<&'a RawValue>, field: &'static str) -> Result<Option<T>, DecodeError> {
    raw.map(|r| serde_json::from_str(r.get()).map_err(|e| wrong_type(field, e))).transpose()
}

fn wrong_type(field: &str, e: serde_json::Error) -> DecodeError {
    DecodeError::Malformed(format!("`{field}`: {e}"))
}

fn is(kind: &str, name: &str) -> bool {
    kind.eq_ignore_ascii_case(name)
}

fn owned(value: Option<Cow<'_, str>>) -> Option<String> {
    value.map(Cow::into_owned)
}

fn required<T>(value: Option<T>, kind: &'static str, field: &'static str) -> Result<T, DecodeError> {
    value.ok_or(DecodeError::MissingField { kind, field })
}

/// Decodes a frame sent by the service. Unknown message types are not an error.
pub fn decode_service_message(text_frame: &str) -> Result<ServiceMessage, DecodeError> {
    if let Some(ack_id) = compact_success_ack(text_frame) {
        return Ok(ServiceMessage::Ack { ack_id, success: true, error: None });
    }
    let frame = parse_frame(text_frame)?;
    let kind = required(text(frame.kind, "type")?, "service", "type")?;
    if is(&kind, "ack") {
        let ack_id = required(value(frame.ack_id, "ackId")?, "ack", "ackId")?;
        let error = value::<FrameError>(frame.error, "error")?.map(|e| AckError {
            name: owned(e.name).unwrap_or_default(),
            message: owned(e.message).unwrap_or_default(),
        });
        let success = value(frame.success, "success")?.unwrap_or(error.is_none());
        Ok(ServiceMessage::Ack { ack_id, success, error })
    } else if is(&kind, "message") {
        let from = required(text(frame.from, "from")?, "message", "from")?;
        let source = if is(&from, "group") {
            MessageSource::Group {
                group: owned(text(frame.group, "group")?)
                    .ok_or(DecodeError::MissingField { kind: "message", field: "group" })?,
                from_user_id: owned(text(frame.from_user_id, "fromUserId")?),
            }
        } else if is(&from, "server") {
            MessageSource::Server
        } else {
            return Ok(ServiceMessage::Unknown { kind: format!("message from {from}") });
        };
        let data = decode_data(text(frame.data_type, "dataType")?.as_deref(), frame.data)?;
        Ok(ServiceMessage::Message { source, data, sequence_id: value(frame.sequence_id, "sequenceId")? })
    } else if is(&kind, "system") {
        let event = required(text(frame.event, "event")?, "system", "event")?;
        if is(&event, "connected") {
            Ok(ServiceMessage::Connected {
                connection_id: owned(text(frame.connection_id, "connectionId")?)
                    .ok_or(DecodeError::MissingField { kind: "connected", field: "connectionId" })?,
                user_id: owned(text(frame.user_id, "userId")?),
                reconnection_token: owned(text(frame.reconnection_token, "reconnectionToken")?),
            })
        } else if is(&event, "disconnected") {
            Ok(ServiceMessage::Disconnected { message: owned(text(frame.message, "message")?) })
        } else {
            Ok(ServiceMessage::Unknown { kind: format!("system/{event}") })
        }
    } else if is(&kind, "pong") {
        Ok(ServiceMessage::Pong)
    } else {
        Ok(ServiceMessage::Unknown { kind: kind.into_owned() })
    }
}

/// Decodes a frame sent by a client. Unknown types are an error here: the service rejects them.
pub fn decode_request(text_frame: &str) -> Result<Request, DecodeError> {
    let frame = parse_frame(text_frame)?;
    let kind = required(text(frame.kind, "type")?, "request", "type")?;
    let group = || {
        owned(text(frame.group, "group")?).ok_or(DecodeError::MissingField { kind: "group request", field: "group" })
    };
    let ack_id = || value(frame.ack_id, "ackId");
    let data = || decode_data(text(frame.data_type, "dataType")?.as_deref(), frame.data);
    if is(&kind, "joinGroup") {
        Ok(Request::JoinGroup { group: group()?, ack_id: ack_id()? })
    } else if is(&kind, "leaveGroup") {
        Ok(Request::LeaveGroup { group: group()?, ack_id: ack_id()? })
    } else if is(&kind, "sendToGroup") {
        Ok(Request::SendToGroup {
            group: group()?,
            ack_id: ack_id()?,
            no_echo: value(frame.no_echo, "noEcho")?.unwrap_or(false),
            data: data()?,
        })
    } else if is(&kind, "event") {
        Ok(Request::Event {
            event: owned(text(frame.event, "event")?)
                .ok_or(DecodeError::MissingField { kind: "event", field: "event" })?,
            ack_id: ack_id()?,
            data: data()?,
        })
    } else if is(&kind, "sequenceAck") {
        Ok(Request::SequenceAck {
            sequence_id: required(value(frame.sequence_id, "sequenceId")?, "sequenceAck", "sequenceId")?,
        })
    } else if is(&kind, "ping") {
        Ok(Request::Ping)
    } else {
        Err(DecodeError::Malformed(format!("unknown request type `{kind}`")))
    }
}

/// Turns `dataType` + `data` into a payload. A missing `dataType` means JSON, as the spec says.
fn decode_data(data_type: Option<&str>, data: Option<&RawValue>) -> Result<Data, DecodeError> {
    let data_type = match data_type {
        None => DataType::Json,
        Some(name) => DataType::parse(name).ok_or_else(|| DecodeError::UnknownDataType(name.to_owned()))?,
    };
    let bad = |reason: String| DecodeError::BadData { data_type, reason };
    let raw = match (data, data_type) {
        (Some(raw), _) => raw.get(),
        // A JSON null arrives here as an absent value; it is still a JSON value.
        (None, DataType::Json) => "null",
        (None, _) => return Err(DecodeError::MissingField { kind: "message", field: "data" }),
    };
    match data_type {
        DataType::Json => Ok(Data::Json(JsonText::from_trusted(raw))),
        DataType::Text => serde_json::from_str::<String>(raw)
            .map(Data::Text)
            .map_err(|_| bad("text data must be a JSON string".into())),
        DataType::Binary | DataType::Protobuf => {
            let encoded: Cow<'_, str> =
                serde_json::from_str(raw).map_err(|_| bad("binary data must be a base64 string".into()))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map_err(|e| bad(format!("invalid base64: {e}")))?;
            Ok(if data_type == DataType::Binary { Data::Binary(bytes) } else { Data::Protobuf(bytes) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{encode_request, encode_service_message};

    fn service(text: &str) -> ServiceMessage {
        decode_service_message(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn decodes_acks() {
        assert_eq!(
            service(r#"{"type":"ack","ackId":3,"success":true}"#),
            ServiceMessage::Ack { ack_id: 3, success: true, error: None }
        );
        assert_eq!(
            service(r#"{"type":"ack","ackId":3,"success":false,"error":{"name":"Forbidden","message":"no"}}"#),
            ServiceMessage::Ack {
                ack_id: 3,
                success: false,
                error: Some(AckError { name: "Forbidden".into(), message: "no".into() })
            }
        );
    }

    #[test]
    fn compact_and_spaced_success_acks_decode_alike() {
        let expected = ServiceMessage::Ack { ack_id: 42, success: true, error: None };
        assert_eq!(service(r#"{"type":"ack","ackId":42,"success":true}"#), expected);
        assert_eq!(service(r#"{ "type": "ack", "ackId": 42, "success": true }"#), expected);
        assert_eq!(service(r#"{"success":true,"ackId":42,"type":"ack"}"#), expected);
        assert!(decode_service_message(r#"{"type":"ack","ackId":,"success":true}"#).is_err());
        assert!(decode_service_message(r#"{"type":"ack","ackId":99999999999999999999999,"success":true}"#).is_err());
    }

    #[test]
    fn decodes_data_messages_of_every_type() {
        assert_eq!(
            service(
                r#"{"type":"message","from":"group","group":"room1","fromUserId":"user1","dataType":"text","data":"hi","sequenceId":7}"#
            ),
            ServiceMessage::Message {
                source: MessageSource::Group { group: "room1".into(), from_user_id: Some("user1".into()) },
                data: Data::text("hi"),
                sequence_id: Some(7),
            }
        );
        assert_eq!(
            service(r#"{"type":"message","from":"server","dataType":"json","data":{"Hello":"World"},"sequenceId":8}"#),
            ServiceMessage::Message {
                source: MessageSource::Server,
                data: Data::Json(JsonText::parse(r#"{"Hello":"World"}"#).unwrap()),
                sequence_id: Some(8),
            }
        );
        assert_eq!(
            service(r#"{"type":"message","from":"server","dataType":"binary","data":"AQID"}"#),
            ServiceMessage::Message {
                source: MessageSource::Server,
                data: Data::binary(vec![1, 2, 3]),
                sequence_id: None
            }
        );
        assert_eq!(
            service(r#"{"type":"message","from":"server","dataType":"protobuf","data":"AQID"}"#),
            ServiceMessage::Message {
                source: MessageSource::Server,
                data: Data::Protobuf(vec![1, 2, 3]),
                sequence_id: None
            }
        );
    }

    #[test]
    fn decodes_system_messages() {
        assert_eq!(
            service(
                r#"{"type":"system","event":"connected","userId":"user1","connectionId":"abc","reconnectionToken":"tok"}"#
            ),
            ServiceMessage::Connected {
                connection_id: "abc".into(),
                user_id: Some("user1".into()),
                reconnection_token: Some("tok".into())
            }
        );
        assert_eq!(
            service(r#"{"type":"system","event":"disconnected","message":"bye"}"#),
            ServiceMessage::Disconnected { message: Some("bye".into()) }
        );
        assert_eq!(service(r#"{"type":"pong"}"#), ServiceMessage::Pong);
    }

    #[test]
    fn is_forward_compatible() {
        assert_eq!(
            service(r#"{"type":"invokeResponse","invocationId":"1"}"#),
            ServiceMessage::Unknown { kind: "invokeResponse".into() }
        );
        assert_eq!(
            service(r#"{"type":"system","event":"groupState"}"#),
            ServiceMessage::Unknown { kind: "system/groupState".into() }
        );
        // Unknown fields are ignored, names and data types are case-insensitive.
        assert_eq!(
            service(
                r#"{"type":"MESSAGE","from":"Server","dataType":"Text","data":"x","metadata":{"k":"v"},"extra":[1]}"#
            ),
            ServiceMessage::Message { source: MessageSource::Server, data: Data::text("x"), sequence_id: None }
        );
    }

    #[test]
    fn fields_of_other_message_types_are_unknown_fields() {
        // Found by fuzzing: an ack's `error` on a data message made the whole frame malformed.
        assert_eq!(
            service(
                r#"{"type":"message","from":"server","dataType":"text","data":"x","error":8,"success":"no","event":[]}"#
            ),
            ServiceMessage::Message { source: MessageSource::Server, data: Data::text("x"), sequence_id: None }
        );
        assert_eq!(service(r#"{"type":"pong","ackId":-1,"group":{}}"#), ServiceMessage::Pong);
        assert_eq!(
            decode_request(r#"{"type":"event","event":"chat","dataT^ype":"binary","data":"AQID","error":8}"#),
            Ok(Request::Event {
                event: "chat".into(),
                ack_id: None,
                data: Data::Json(JsonText::parse(r#""AQID""#).unwrap())
            })
        );
        // A field the type uses still has to have its type.
        assert!(decode_service_message(r#"{"type":"ack","ackId":1,"error":8}"#).is_err());
        assert!(decode_request(r#"{"type":"sendToGroup","group":"g","data":1,"noEcho":1}"#).is_err());
    }

    #[test]
    fn accepts_missing_or_null_user_ids() {
        for text in [
            r#"{"type":"system","event":"connected","connectionId":"c"}"#,
            r#"{"type":"system","event":"connected","userId":null,"connectionId":"c"}"#,
        ] {
            assert_eq!(
                service(text),
                ServiceMessage::Connected { connection_id: "c".into(), user_id: None, reconnection_token: None }
            );
        }
        for text in [
            r#"{"type":"message","from":"group","group":"g","dataType":"text","data":"x"}"#,
            r#"{"type":"message","from":"group","group":"g","fromUserId":null,"dataType":"text","data":"x"}"#,
        ] {
            assert_eq!(
                service(text),
                ServiceMessage::Message {
                    source: MessageSource::Group { group: "g".into(), from_user_id: None },
                    data: Data::text("x"),
                    sequence_id: None
                }
            );
        }
    }

    #[test]
    fn rejects_malformed_frames() {
        for text in [
            "not json",
            "[1,2]",
            r#"{"ackId":1}"#,
            r#"{"type":"ack","success":true}"#,
            r#"{"type":"ack","ackId":"1","success":true}"#,
            r#"{"type":"message","from":"group","dataType":"text","data":"x"}"#,
            r#"{"type":"message","from":"server","dataType":"text","data":1}"#,
            r#"{"type":"message","from":"server","dataType":"binary","data":"@@@"}"#,
            r#"{"type":"message","from":"server","dataType":"xml","data":"x"}"#,
            r#"{"type":"system","event":"connected"}"#,
        ] {
            assert!(decode_service_message(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn every_request_round_trips() {
        let requests = [
            Request::JoinGroup { group: "g\"1".into(), ack_id: Some(1) },
            Request::LeaveGroup { group: "g".into(), ack_id: None },
            Request::SendToGroup { group: "g".into(), ack_id: Some(u64::MAX), no_echo: true, data: Data::text("é\n") },
            Request::SendToGroup {
                group: "g".into(),
                ack_id: None,
                no_echo: false,
                data: Data::Json(JsonText::parse("[1,{\"a\":null}]").unwrap()),
            },
            Request::Event { event: "e".into(), ack_id: Some(9), data: Data::binary(vec![0, 255, 7]) },
            Request::Event { event: "e".into(), ack_id: None, data: Data::Protobuf(vec![10, 0]) },
            Request::SequenceAck { sequence_id: 77 },
            Request::Ping,
        ];
        for request in requests {
            let mut text = String::new();
            encode_request(&request, &mut text);
            assert_eq!(decode_request(&text).unwrap(), request, "{text}");
        }
    }

    #[test]
    fn every_service_message_round_trips() {
        let messages = [
            ServiceMessage::Ack { ack_id: 1, success: true, error: None },
            ServiceMessage::Ack {
                ack_id: 2,
                success: false,
                error: Some(AckError {
                    name: "Duplicate".into(),
                    message: "Message with ack-id: 2 has been processed".into(),
                }),
            },
            ServiceMessage::Message {
                source: MessageSource::Group { group: "g".into(), from_user_id: Some("u".into()) },
                data: Data::text("t"),
                sequence_id: Some(1),
            },
            ServiceMessage::Message {
                source: MessageSource::Group { group: "g".into(), from_user_id: None },
                data: Data::binary(vec![1]),
                sequence_id: None,
            },
            ServiceMessage::Message {
                source: MessageSource::Server,
                data: Data::Json(JsonText::parse("\"s\"").unwrap()),
                sequence_id: Some(2),
            },
            ServiceMessage::Connected {
                connection_id: "c".into(),
                user_id: Some("u".into()),
                reconnection_token: Some("t".into()),
            },
            ServiceMessage::Connected { connection_id: "c".into(), user_id: None, reconnection_token: None },
            ServiceMessage::Disconnected { message: Some("m".into()) },
            ServiceMessage::Disconnected { message: None },
            ServiceMessage::Pong,
            ServiceMessage::Unknown { kind: "future".into() },
        ];
        for message in messages {
            let mut text = String::new();
            encode_service_message(&message, &mut text);
            assert_eq!(decode_service_message(&text).unwrap(), message, "{text}");
        }
    }
}
