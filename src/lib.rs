//! A native, reliable Azure Web PubSub client (work in progress).
