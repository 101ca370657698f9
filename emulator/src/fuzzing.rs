//! The emulator's parsers, re-exported for the fuzz targets in `fuzz/`. Only built with the
//! `fuzzing` feature; not public API, and may change or disappear at any time.

pub use crate::auth::{audience_matches, normalize_url, sign, string_list, verify, TokenError};
pub use crate::http::{bearer_token, close_reason, decode, segments, valid_hub, Query};
pub use crate::protocol::{
    ack, connected, disconnected, parse, valid_event, valid_group, AckError, ClientMessage, DataType, ParseError,
    Payload,
};
pub use crate::roles::{Pattern, Permission, Permissions};

use crate::protocol::DataFrame;
use bytes::Bytes;

/// A group message as a receiver gets it: with `sequence_id` on reliable connections.
pub fn group_frame(group: &str, from_user_id: Option<&str>, payload: &Payload, sequence_id: Option<u64>) -> Bytes {
    frame(DataFrame::group(group, from_user_id, payload.data_type, &payload.json), sequence_id)
}

/// A server message as a receiver gets it: with `sequence_id` on reliable connections.
pub fn server_frame(payload: &Payload, sequence_id: Option<u64>) -> Bytes {
    frame(DataFrame::server(payload.data_type, &payload.json), sequence_id)
}

fn frame(frame: DataFrame, sequence_id: Option<u64>) -> Bytes {
    match sequence_id {
        Some(id) => frame.sequenced(id),
        None => frame.plain(),
    }
}
