//! The JSON subprotocols on the wire: lenient parsing of client frames and serialisation of
//! downstream frames (PROTOCOL.md section 3).
//!
//! Parsing borrows from the frame and keeps `data` as raw JSON text, so a published message is
//! never re-serialised: its `data` is spliced into the downstream frame as it came in. Field
//! names are exact; the values of `type` and `dataType` are matched case-insensitively (the
//! .NET client sends `"Json"`). Downstream frames are always lower case.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Subprotocol names, as offered by the official clients.
pub const JSON: &str = "json.webpubsub.azure.v1";
pub const JSON_RELIABLE: &str = "json.reliable.webpubsub.azure.v1";

/// The `dataType` of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Text,
    Json,
    Binary,
    Protobuf,
}

impl DataType {
    /// Case-insensitive parse of a `dataType` value.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Text, Self::Json, Self::Binary, Self::Protobuf].into_iter().find(|d| d.as_str().eq_ignore_ascii_case(s))
    }

    /// The lower-case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Binary => "binary",
            Self::Protobuf => "protobuf",
        }
    }

    /// The data type a REST `Content-Type` selects (PROTOCOL.md 7.4). `None` for unsupported
    /// types; a missing header is binary, as in Microsoft's emulator.
    pub fn from_content_type(ct: Option<&str>) -> Option<Self> {
        let Some(ct) = ct else { return Some(Self::Binary) };
        let mime = ct.split(';').next().unwrap_or("").trim();
        if mime.eq_ignore_ascii_case("text/plain") {
            Some(Self::Text)
        } else if mime.eq_ignore_ascii_case("application/json") {
            Some(Self::Json)
        } else if mime.eq_ignore_ascii_case("application/octet-stream") {
            Some(Self::Binary)
        } else {
            None
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payload ready to be spliced after `"data":` in a downstream frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub data_type: DataType,
    /// Valid JSON text: a string for text/binary/protobuf (base64 for the latter two), any
    /// value for json.
    pub json: Bytes,
}

impl Payload {
    /// Builds a payload from body bytes, the way REST sends and fault injection take it: text is
    /// UTF-8, json is JSON text, binary/protobuf are raw bytes (base64-encoded here).
    pub fn from_body(data_type: DataType, body: &[u8]) -> Result<Self, String> {
        let json = match data_type {
            DataType::Text => {
                let text = std::str::from_utf8(body).map_err(|_| "text data is not valid UTF-8".to_string())?;
                serde_json::to_vec(text).expect("a string serialises")
            }
            DataType::Json => {
                let raw: &RawValue =
                    serde_json::from_slice(body).map_err(|e| format!("body is not valid JSON: {e}"))?;
                raw.get().as_bytes().to_vec()
            }
            DataType::Binary | DataType::Protobuf => {
                serde_json::to_vec(&STANDARD.encode(body)).expect("a string serialises")
            }
        };
        Ok(Self { data_type, json: Bytes::from(json) })
    }

    /// The payload as body bytes (the inverse of [`Payload::from_body`]).
    pub fn to_body(&self) -> Vec<u8> {
        match self.data_type {
            DataType::Json => self.json.to_vec(),
            DataType::Text => serde_json::from_slice::<String>(&self.json).map(String::into_bytes).unwrap_or_default(),
            DataType::Binary | DataType::Protobuf => serde_json::from_slice::<String>(&self.json)
                .ok()
                .and_then(|s| STANDARD.decode(s).ok())
                .unwrap_or_default(),
        }
    }
}

/// A parsed client request.
#[derive(Debug)]
pub enum ClientMessage<'a> {
    JoinGroup { group: Cow<'a, str>, ack_id: Option<u64> },
    LeaveGroup { group: Cow<'a, str>, ack_id: Option<u64> },
    SendToGroup { group: Cow<'a, str>, ack_id: Option<u64>, no_echo: bool, data_type: DataType, data: &'a RawValue },
    Event { event: Cow<'a, str>, ack_id: Option<u64>, data_type: DataType, data: &'a RawValue },
    SequenceAck { sequence_id: u64 },
    Ping,
}

/// Why a client frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a protocol message at all (bad JSON, unknown type, a field of the wrong JSON type,
    /// a required field missing): the connection is closed with 1007.
    Malformed(String),
    /// A well-formed request whose values are unacceptable (bad group or event name, data not
    /// matching its dataType, bad base64): a `BadRequest` ack when it carries an ackId,
    /// otherwise a 1007 close like any malformed frame.
    Invalid { ack_id: Option<u64>, message: String },
}

#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    group: Option<Cow<'a, str>>,
    #[serde(rename = "ackId", default)]
    ack_id: Option<u64>,
    #[serde(rename = "noEcho", default)]
    no_echo: Option<bool>,
    #[serde(rename = "dataType", borrow, default)]
    data_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(rename = "sequenceId", default)]
    sequence_id: Option<u64>,
}

/// Group names: 1–1024 characters, not whitespace only (PROTOCOL.md 8).
pub fn valid_group(group: &str) -> bool {
    !group.trim().is_empty() && group.chars().count() <= 1024
}

/// Event names: `^[a-z][a-z0-9_.-]{0,127}$`, case-insensitive (Microsoft's emulator rule).
pub fn valid_event(event: &str) -> bool {
    let b = event.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphabetic()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Parses one text frame.
pub fn parse(text: &str) -> Result<ClientMessage<'_>, ParseError> {
    // serde would also read the struct from a JSON array, by field position (`["ping"]` as a
    // ping): only an object is a request. JSON allows these four whitespace characters first.
    if !text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
        return Err(ParseError::Malformed("the message is not a JSON object".into()));
    }
    let f: RawFrame<'_> =
        serde_json::from_str(text).map_err(|e| ParseError::Malformed(format!("not a valid message: {e}")))?;
    let ty = f.ty.ok_or_else(|| ParseError::Malformed("the message has no \"type\"".into()))?;
    let ack_id = f.ack_id;
    let invalid = |message: String| ParseError::Invalid { ack_id, message };
    let is = |name: &str| ty.eq_ignore_ascii_case(name);
    if is("joinGroup") || is("leaveGroup") {
        let group = f.group.ok_or_else(|| ParseError::Malformed(format!("{ty} needs \"group\"")))?;
        if !valid_group(&group) {
            return Err(invalid(format!("invalid group name {group:?}")));
        }
        return Ok(if is("joinGroup") {
            ClientMessage::JoinGroup { group, ack_id }
        } else {
            ClientMessage::LeaveGroup { group, ack_id }
        });
    }
    if is("sendToGroup") || is("event") {
        let data = f.data.ok_or_else(|| ParseError::Malformed(format!("{ty} needs \"data\"")))?;
        let data_type = match f.data_type.as_deref() {
            None => DataType::Json,
            Some(s) => DataType::parse(s).ok_or_else(|| invalid(format!("unknown dataType {s:?}")))?,
        };
        check_data(data_type, data).map_err(invalid)?;
        if is("sendToGroup") {
            let group = f.group.ok_or_else(|| ParseError::Malformed("sendToGroup needs \"group\"".into()))?;
            if !valid_group(&group) {
                return Err(invalid(format!("invalid group name {group:?}")));
            }
            return Ok(ClientMessage::SendToGroup {
                group,
                ack_id,
                no_echo: f.no_echo.unwrap_or(false),
                data_type,
                data,
            });
        }
        let event = f.event.ok_or_else(|| ParseError::Malformed("event needs \"event\"".into()))?;
        if !valid_event(&event) {
            return Err(invalid(format!("invalid event name {event:?}")));
        }
        return Ok(ClientMessage::Event { event, ack_id, data_type, data });
    }
    if is("sequenceAck") {
        let sequence_id =
            f.sequence_id.ok_or_else(|| ParseError::Malformed("sequenceAck needs \"sequenceId\"".into()))?;
        return Ok(ClientMessage::SequenceAck { sequence_id });
    }
    if is("ping") {
        return Ok(ClientMessage::Ping);
    }
    Err(ParseError::Malformed(format!("unknown message type {ty:?}")))
}

fn check_data(data_type: DataType, data: &RawValue) -> Result<(), String> {
    let text = data.get();
    match data_type {
        DataType::Json => {
            if text == "null" {
                return Err("json data must not be null".into());
            }
        }
        DataType::Text => {
            // Decoding, not just a look at the first byte: a lone surrogate escape is valid
            // JSON syntax but no Unicode text, and receivers could not read it.
            serde_json::from_str::<Cow<'_, str>>(text)
                .map_err(|_| "text data must be a JSON string of valid Unicode".to_string())?;
        }
        DataType::Binary | DataType::Protobuf => {
            let s: Cow<'_, str> =
                serde_json::from_str(text).map_err(|_| format!("{data_type} data must be a base64 string"))?;
            STANDARD.decode(s.as_bytes()).map_err(|_| format!("{data_type} data is not valid base64"))?;
        }
    }
    Ok(())
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

fn push_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// `{"type":"system","event":"connected",...}`; `reconnectionToken` only on reliable connections.
pub fn connected(connection_id: &str, user_id: Option<&str>, reconnection_token: Option<&str>) -> Bytes {
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(br#"{"type":"system","event":"connected","userId":"#);
    push_opt_str(&mut out, user_id);
    out.extend_from_slice(br#","connectionId":"#);
    push_json_str(&mut out, connection_id);
    if let Some(t) = reconnection_token {
        out.extend_from_slice(br#","reconnectionToken":"#);
        push_json_str(&mut out, t);
    }
    out.push(b'}');
    out.into()
}

/// `{"type":"system","event":"disconnected","message":...}`
pub fn disconnected(message: &str) -> Bytes {
    let mut out = Vec::with_capacity(64 + message.len());
    out.extend_from_slice(br#"{"type":"system","event":"disconnected","message":"#);
    push_json_str(&mut out, message);
    out.push(b'}');
    out.into()
}

/// The error names an ack can carry (an open set in the service; these are the ones used here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckError {
    Forbidden,
    Duplicate,
    BadRequest,
    InternalServerError,
}

impl AckError {
    pub fn name(self) -> &'static str {
        match self {
            Self::Forbidden => "Forbidden",
            Self::Duplicate => "Duplicate",
            Self::BadRequest => "BadRequest",
            Self::InternalServerError => "InternalServerError",
        }
    }
}

/// An ack; `success` is always written (the .NET client requires it).
pub fn ack(ack_id: u64, error: Option<(AckError, &str)>) -> Bytes {
    let mut out = Vec::with_capacity(48);
    out.extend_from_slice(br#"{"type":"ack","ackId":"#);
    out.extend_from_slice(itoa(ack_id).as_bytes());
    match error {
        None => out.extend_from_slice(br#","success":true}"#),
        Some((e, message)) => {
            out.extend_from_slice(br#","success":false,"error":{"name":""#);
            out.extend_from_slice(e.name().as_bytes());
            out.extend_from_slice(br#"","message":"#);
            push_json_str(&mut out, message);
            out.extend_from_slice(b"}}");
        }
    }
    out.into()
}

/// The Duplicate ack text used by the docs and Microsoft's emulator.
pub fn duplicate_message(ack_id: u64) -> String {
    format!("Message with ack-id: {ack_id} has been processed")
}

pub fn pong() -> Bytes {
    Bytes::from_static(br#"{"type":"pong"}"#)
}

fn itoa(n: u64) -> String {
    n.to_string()
}

/// A data message serialised once for any number of receivers: everything but the closing
/// brace, so each reliable receiver only appends its own `,"sequenceId":N}`.
#[derive(Debug, Clone)]
pub struct DataFrame {
    prefix: Bytes,
    /// The complete frame for non-reliable receivers (built lazily, shared by all of them).
    plain: std::sync::OnceLock<Bytes>,
}

impl DataFrame {
    /// A `from:"group"` message.
    pub fn group(group: &str, from_user_id: Option<&str>, data_type: DataType, data_json: &[u8]) -> Self {
        let mut out = Vec::with_capacity(96 + group.len() + data_json.len());
        out.extend_from_slice(br#"{"type":"message","from":"group","group":"#);
        push_json_str(&mut out, group);
        out.extend_from_slice(br#","fromUserId":"#);
        push_opt_str(&mut out, from_user_id);
        Self::finish(out, data_type, data_json)
    }

    /// A `from:"server"` message.
    pub fn server(data_type: DataType, data_json: &[u8]) -> Self {
        let mut out = Vec::with_capacity(64 + data_json.len());
        out.extend_from_slice(br#"{"type":"message","from":"server""#);
        Self::finish(out, data_type, data_json)
    }

    fn finish(mut out: Vec<u8>, data_type: DataType, data_json: &[u8]) -> Self {
        out.extend_from_slice(br#","dataType":""#);
        out.extend_from_slice(data_type.as_str().as_bytes());
        out.extend_from_slice(br#"","data":"#);
        out.extend_from_slice(data_json);
        Self { prefix: out.into(), plain: std::sync::OnceLock::new() }
    }

    /// The frame for a non-reliable receiver (no sequenceId).
    pub fn plain(&self) -> Bytes {
        self.plain
            .get_or_init(|| {
                let mut v = Vec::with_capacity(self.prefix.len() + 1);
                v.extend_from_slice(&self.prefix);
                v.push(b'}');
                v.into()
            })
            .clone()
    }

    /// The frame for a reliable receiver.
    pub fn sequenced(&self, sequence_id: u64) -> Bytes {
        let mut v = Vec::with_capacity(self.prefix.len() + 36);
        v.extend_from_slice(&self.prefix);
        v.extend_from_slice(br#","sequenceId":"#);
        v.extend_from_slice(itoa(sequence_id).as_bytes());
        v.push(b'}');
        v.into()
    }

    /// Size used for the 16 MB replay-buffer accounting.
    pub fn len(&self) -> usize {
        self.prefix.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn parses_every_request_type_leniently() {
        match parse(r#"{"type":"JOINGROUP","group":"g","ackId":1,"extra":[1]}"#).unwrap() {
            ClientMessage::JoinGroup { group, ack_id } => assert_eq!((&*group, ack_id), ("g", Some(1))),
            m => panic!("{m:?}"),
        }
        match parse(r#"{"type":"sendToGroup","group":"g","dataType":"Json","data":{"a":[1, 2]},"noEcho":true}"#)
            .unwrap()
        {
            ClientMessage::SendToGroup { data_type, data, no_echo, ack_id, .. } => {
                assert_eq!((data_type, data.get(), no_echo, ack_id), (DataType::Json, r#"{"a":[1, 2]}"#, true, None))
            }
            m => panic!("{m:?}"),
        }
        match parse(r#"{"type":"sendToGroup","group":"g","data":5}"#).unwrap() {
            ClientMessage::SendToGroup { data_type, .. } => assert_eq!(data_type, DataType::Json),
            m => panic!("{m:?}"),
        }
        assert!(matches!(
            parse(r#"{"type":"event","event":"chat","dataType":"binary","data":"AQID"}"#),
            Ok(ClientMessage::Event { .. })
        ));
        assert!(matches!(
            parse(r#"{"type":"sequenceAck","sequenceId":7}"#),
            Ok(ClientMessage::SequenceAck { sequence_id: 7 })
        ));
        assert!(matches!(parse(r#"{"type":"ping"}"#), Ok(ClientMessage::Ping)));
    }

    #[test]
    fn malformed_and_invalid_frames() {
        for bad in [
            "nope",
            "[]",
            r#"{"group":"g"}"#,
            r#"{"type":"dance"}"#,
            r#"{"type":"joinGroup"}"#,
            r#"{"type":"joinGroup","group":5}"#,
            r#"{"type":"joinGroup","group":"g","ackId":"1"}"#,
            r#"{"type":"joinGroup","group":"g","ackId":-1}"#,
            r#"{"type":"sequenceAck"}"#,
            r#"{"type":"sendToGroup","group":"g"}"#,
            // Not objects: serde would read a struct from an array by position.
            r#"["ping"]"#,
            r#" ["joinGroup","junk",1]"#,
            r#"["sequenceAck",null,null,null,null,null,null,1]"#,
            r#""ping""#,
            "5",
            "null",
            "true",
            "",
        ] {
            assert!(matches!(parse(bad), Err(ParseError::Malformed(_))), "{bad}");
        }
        for (bad, ack) in [
            (r#"{"type":"joinGroup","group":"  ","ackId":3}"#, Some(3)),
            (r#"{"type":"sendToGroup","group":"g","dataType":"text","data":1}"#, None),
            (r#"{"type":"sendToGroup","group":"g","dataType":"binary","data":"!!","ackId":4}"#, Some(4)),
            (r#"{"type":"sendToGroup","group":"g","dataType":"json","data":null,"ackId":5}"#, None),
            (r#"{"type":"sendToGroup","group":"g","dataType":"xml","data":"x","ackId":6}"#, Some(6)),
            (r#"{"type":"event","event":"1bad","data":"x","ackId":7}"#, Some(7)),
        ] {
            match parse(bad) {
                Err(ParseError::Invalid { ack_id, .. }) => assert_eq!(ack_id, ack, "{bad}"),
                // `data: null` reads as a missing field: malformed.
                Err(ParseError::Malformed(_)) if bad.contains("null") => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn downstream_frames_have_the_documented_shape() {
        let v: Value = serde_json::from_slice(&connected("c1", None, Some("t"))).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"system","event":"connected","userId":null,"connectionId":"c1","reconnectionToken":"t"})
        );
        let v: Value = serde_json::from_slice(&ack(9, Some((AckError::Duplicate, &duplicate_message(9))))).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"ack","ackId":9,"success":false,"error":{"name":"Duplicate","message":"Message with ack-id: 9 has been processed"}})
        );
        let f = DataFrame::group("g\"1", Some("u"), DataType::Text, br#""hi""#);
        let v: Value = serde_json::from_slice(&f.sequenced(42)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"message","from":"group","group":"g\"1","fromUserId":"u","dataType":"text","data":"hi","sequenceId":42})
        );
        let v: Value = serde_json::from_slice(&f.plain()).unwrap();
        assert!(v.get("sequenceId").is_none());
        let p = Payload::from_body(DataType::Binary, &[1, 2, 3]).unwrap();
        assert_eq!(&p.json[..], br#""AQID""#);
        assert_eq!(p.to_body(), vec![1, 2, 3]);
        assert!(Payload::from_body(DataType::Json, b"{bad").is_err());
    }
}
