//! A native, reliable Azure Web PubSub client.
pub mod protocol;
