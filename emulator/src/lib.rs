//! A local, protocol-faithful Azure Web PubSub service (work in progress).
