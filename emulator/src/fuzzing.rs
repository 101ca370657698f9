//! The emulator's parsers, re-exported for the fuzz targets in `fuzz/`. Only built with the
//! `fuzzing` feature; not public API, and may change or disappear at any time.

pub use crate::auth::{audience_matches, normalize_url, sign, string_list, verify, TokenError};
pub use crate::http::{bearer_token, close_reason, decode, segments, valid_hub, Query};
pub use crate::protocol::{
    ack, connected, disconnected, parse, valid_event, valid_group, AckError, ClientMessage, DataFrame, DataType,
    ParseError, Payload,
};
pub use crate::roles::{Pattern, Permission, Permissions};
