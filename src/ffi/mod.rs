//! The C ABI: `include/webpubsub_client.h` is generated from this module tree.
//!
//! Translation only: handles, arguments, errors, callbacks, threads. No protocol logic lives
//! here; everything a client does is the core's (`crate::client`). One job per module:
//!
//! - `guard`: the `ffi_guard!` boundary every export goes through, argument checks.
//! - `result`, `error`: `wps_result` codes and the `wps_error` detail object.
//! - `strings`: `wps_str` and the scratch buffers callbacks' strings are built in.
//! - `runtime`: the process-wide Tokio runtime, the shared dispatcher pool, `wps_shutdown`.
//! - `dispatch`: the threads on which callbacks run, in order, per client.
//! - `wait`: blocking a caller's thread on an operation (the blocking forms).
//! - `options`, `client`, `operations`, `events`: the objects and their functions.
//! - `log`: the host log callback. `version`: `wps_version`.
//!
//! Names follow `wps_<object>_<verb>(object, inputs..., out-params...)`; enum-like values
//! are `uint32_t` typedefs with `#define`d constants, never C enum types (cbindgen's C23 enum
//! output breaks cgo and cffi).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

// The order below is the order of the generated header.
#[macro_use]
mod guard;
mod result;
mod error;
mod strings;
mod version;
mod runtime;
mod log;
mod options;
mod client;
mod events;
mod operations;
mod dispatch;
mod wait;

pub use client::*;
pub use error::*;
pub use events::*;
pub use log::*;
pub use operations::*;
pub use options::*;
pub use result::*;
pub use runtime::*;
pub use strings::*;
pub use version::*;
