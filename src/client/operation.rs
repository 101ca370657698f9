//! Operations (join, leave, send to group, send event): building, sending, retrying.
//!
//! An operation runs in the caller's task. It encodes its request once, takes its ackId
//! once, and hands the frame to the driver; a transient refusal is retried with the very same
//! frame, so the service can deduplicate. The whole operation is bounded by its timeout.

use super::acks::{AckOutcome, GroupChange};
use super::{lock, ClientState, Handle};
use crate::protocol::{encode_request, Data, Request, MAX_CLIENT_MESSAGE_BYTES};
use crate::{Error, SendMessageError};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// The longest group (and event) name, in characters (PROTOCOL.md 8).
const MAX_NAME_CHARS: usize = 1024;

/// The result of a successful operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebPubSubResult {
    /// The ackId used; `None` for fire-and-forget sends.
    pub ack_id: Option<u64>,
    /// The service answered `Duplicate`: this ackId had been executed already (for example
    /// by an earlier attempt whose ack was lost). The operation took effect exactly once.
    pub duplicated: bool,
}

/// A frame on its way to the driver.
pub(crate) struct OpRequest {
    pub frame: Utf8Bytes,
    /// `None` for fire-and-forget.
    pub ack: Option<AckRequest>,
    /// Not worth sending after this (the caller gave up).
    pub deadline: Instant,
}

pub(crate) struct AckRequest {
    pub ack_id: u64,
    pub reply: oneshot::Sender<AckOutcome>,
    pub group_change: Option<GroupChange>,
}

#[derive(Debug, Clone)]
enum OpKind {
    JoinGroup(String),
    LeaveGroup(String),
    SendToGroup { group: String, data: Data, no_echo: bool },
    SendEvent { event: String, data: Data },
}

#[derive(Debug, Clone)]
struct OpSpec {
    kind: OpKind,
    ack_id: Option<u64>,
    timeout: Option<Duration>,
    fire_and_forget: bool,
}

type OpFuture = Pin<Box<dyn Future<Output = Result<WebPubSubResult, Error>> + Send>>;

macro_rules! operation_builder {
    ($(#[$doc:meta])* $name:ident { $($extra:item)* }) => {
        $(#[$doc])*
        #[must_use = "an operation does nothing until it is awaited"]
        pub struct $name {
            handle: Arc<Handle>,
            spec: OpSpec,
        }

        impl $name {
            /// Uses this ackId instead of the next one of the client. Reusing the ackId of a
            /// failed attempt makes a manual retry idempotent.
            pub fn ack_id(mut self, ack_id: u64) -> Self {
                self.spec.ack_id = Some(ack_id);
                self
            }

            /// Bounds this operation instead of [`ClientOptions::operation_timeout`](crate::ClientOptions::operation_timeout).
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.spec.timeout = Some(timeout);
                self
            }

            $($extra)*
        }

        impl IntoFuture for $name {
            type Output = Result<WebPubSubResult, Error>;
            type IntoFuture = OpFuture;

            /// Queues the operation at once (so operations keep the order in which their
            /// futures were created); the future then waits for the ack.
            fn into_future(self) -> Self::IntoFuture {
                match prepare(self.handle, self.spec) {
                    Ok(prepared) => Box::pin(prepared.run()),
                    Err(error) => Box::pin(std::future::ready(Err(error))),
                }
            }
        }
    };
}

operation_builder!(
    /// Joins or leaves a group. Await it to run it.
    GroupOperation {}
);

operation_builder!(
    /// Publishes to a group. Await it to run it.
    SendToGroup {
        /// Whether the sending connection itself should not receive the message.
        pub fn no_echo(mut self, no_echo: bool) -> Self {
            if let OpKind::SendToGroup { no_echo: flag, .. } = &mut self.spec.kind {
                *flag = no_echo;
            }
            self
        }

        /// Sends without an ackId: completes once queued, with no delivery guarantee.
        pub fn fire_and_forget(mut self, fire_and_forget: bool) -> Self {
            self.spec.fire_and_forget = fire_and_forget;
            self
        }
    }
);

operation_builder!(
    /// Sends an event to the application server. Await it to run it.
    SendEvent {
        /// Sends without an ackId: completes once queued, with no delivery guarantee.
        pub fn fire_and_forget(mut self, fire_and_forget: bool) -> Self {
            self.spec.fire_and_forget = fire_and_forget;
            self
        }
    }
);

fn spec(kind: OpKind) -> OpSpec {
    OpSpec { kind, ack_id: None, timeout: None, fire_and_forget: false }
}

pub(crate) fn join_group(handle: Arc<Handle>, group: String) -> GroupOperation {
    GroupOperation { handle, spec: spec(OpKind::JoinGroup(group)) }
}

pub(crate) fn leave_group(handle: Arc<Handle>, group: String) -> GroupOperation {
    GroupOperation { handle, spec: spec(OpKind::LeaveGroup(group)) }
}

pub(crate) fn send_to_group(handle: Arc<Handle>, group: String, data: Data) -> SendToGroup {
    SendToGroup { handle, spec: spec(OpKind::SendToGroup { group, data, no_echo: false }) }
}

pub(crate) fn send_event(handle: Arc<Handle>, event: String, data: Data) -> SendEvent {
    SendEvent { handle, spec: spec(OpKind::SendEvent { event, data }) }
}

impl OpKind {
    fn validate(&self) -> Result<(), Error> {
        let (what, name) = match self {
            OpKind::JoinGroup(g) | OpKind::LeaveGroup(g) | OpKind::SendToGroup { group: g, .. } => ("group", g),
            OpKind::SendEvent { event, .. } => ("event", event),
        };
        if name.trim().is_empty() {
            return Err(Error::InvalidArgument(format!("the {what} name must not be empty")));
        }
        // The service counts characters (Unicode scalar values), not UTF-8 bytes. The byte
        // length bounds the count from above, so short names skip the counting.
        if name.len() > MAX_NAME_CHARS && name.chars().count() > MAX_NAME_CHARS {
            return Err(Error::InvalidArgument(format!("the {what} name is longer than {MAX_NAME_CHARS} characters")));
        }
        if let OpKind::SendToGroup { data: Data::Json(json), .. } | OpKind::SendEvent { data: Data::Json(json), .. } =
            self
        {
            if json.as_str().trim() == "null" {
                // The service treats it as a malformed frame and drops the connection.
                return Err(Error::InvalidArgument("JSON data must not be null".into()));
            }
        }
        Ok(())
    }

    /// Enough room for the encoded request in the common case (no escaping), so the frame is
    /// written without reallocating.
    fn encoded_size_hint(&self) -> usize {
        const ENVELOPE: usize = 120;
        let payload = |data: &Data| match data {
            Data::Binary(b) | Data::Protobuf(b) => b.len().div_ceil(3) * 4,
            other => other.as_bytes().len() + 2,
        };
        ENVELOPE
            + match self {
                OpKind::JoinGroup(group) | OpKind::LeaveGroup(group) => group.len(),
                OpKind::SendToGroup { group, data, .. } => group.len() + payload(data),
                OpKind::SendEvent { event, data } => event.len() + payload(data),
            }
    }

    fn into_request(self, ack_id: Option<u64>) -> (Request, Option<GroupChange>) {
        match self {
            OpKind::JoinGroup(group) => {
                (Request::JoinGroup { group: group.clone(), ack_id }, Some(GroupChange::Join(group)))
            }
            OpKind::LeaveGroup(group) => {
                (Request::LeaveGroup { group: group.clone(), ack_id }, Some(GroupChange::Leave(group)))
            }
            OpKind::SendToGroup { group, data, no_echo } => {
                (Request::SendToGroup { group, ack_id, no_echo, data }, None)
            }
            OpKind::SendEvent { event, data } => (Request::Event { event, ack_id, data }, None),
        }
    }
}

/// Ack error names worth retrying with the same ackId.
fn is_transient(name: &str) -> bool {
    matches!(name, "InternalServerError" | "Timeout" | "ServiceUnavailable")
}

/// An operation whose first request is queued.
struct Prepared {
    handle: Arc<Handle>,
    frame: Utf8Bytes,
    ack_id: Option<u64>,
    group_change: Option<GroupChange>,
    deadline: Instant,
    /// The queue ticket of the first request (fire-and-forget waits for its admission).
    ticket: u64,
    /// Where the ack of the first request will arrive.
    first_reply: Option<oneshot::Receiver<AckOutcome>>,
}

/// The synchronous part of an operation: checks, ackId, encoding, and queueing the first
/// request. Running it in `into_future` puts operations on the wire in the order their
/// futures were created, so pipelined sends keep their order.
fn prepare(handle: Arc<Handle>, spec: OpSpec) -> Result<Prepared, Error> {
    let shared = &handle.shared;
    let deadline = Instant::now() + spec.timeout.unwrap_or(shared.options.operation_timeout);
    spec.kind.validate()?;
    if shared.state.get() == ClientState::Stopped {
        return Err(Error::Stopped { ack_id: spec.ack_id });
    }
    let ack_id = (!spec.fire_and_forget).then(|| {
        let mut ids = lock(&shared.ack_ids);
        match spec.ack_id {
            Some(id) => {
                ids.reserve(id);
                id
            }
            None => ids.allocate(),
        }
    });
    let capacity = spec.kind.encoded_size_hint();
    let (request, group_change) = spec.kind.into_request(ack_id);
    let mut text = String::with_capacity(capacity);
    encode_request(&request, &mut text);
    drop(request);
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        return Err(Error::MessageTooLarge { size: text.len(), limit: MAX_CLIENT_MESSAGE_BYTES });
    }
    let mut prepared =
        Prepared { handle, frame: Utf8Bytes::from(text), ack_id, group_change, deadline, ticket: 0, first_reply: None };
    let (reply, request) = prepared.request();
    prepared.ticket = prepared.handle.ops.push(request).map_err(|_| Error::Stopped { ack_id })?;
    prepared.first_reply = reply;
    Ok(prepared)
}

impl Prepared {
    /// A request for one attempt, and where its outcome will arrive (none for fire-and-forget).
    fn request(&self) -> (Option<oneshot::Receiver<AckOutcome>>, Box<OpRequest>) {
        let (reply, ack) = match self.ack_id {
            None => (None, None),
            Some(ack_id) => {
                let (tx, rx) = oneshot::channel();
                (Some(rx), Some(AckRequest { ack_id, reply: tx, group_change: self.group_change.clone() }))
            }
        };
        (reply, Box::new(OpRequest { frame: self.frame.clone(), ack, deadline: self.deadline }))
    }

    async fn run(mut self) -> Result<WebPubSubResult, Error> {
        let (Some(ack_id), Some(mut reply)) = (self.ack_id, self.first_reply.take()) else {
            // Fire-and-forget: done once admitted to the queue.
            return match self.handle.ops.admitted(self.ticket, self.deadline).await {
                true => Ok(WebPubSubResult { ack_id: None, duplicated: false }),
                false => Err(Error::Timeout { ack_id: None }),
            };
        };
        let mut retry = 0;
        loop {
            let outcome = match tokio::time::timeout_at(self.deadline, reply).await {
                Err(_) => return Err(Error::Timeout { ack_id: Some(ack_id) }),
                Ok(Err(_)) => return Err(Error::Stopped { ack_id: Some(ack_id) }),
                Ok(Ok(outcome)) => outcome,
            };
            let error = match outcome {
                AckOutcome::Success { duplicate } => {
                    return Ok(WebPubSubResult { ack_id: Some(ack_id), duplicated: duplicate })
                }
                AckOutcome::Refused(error) => error,
                AckOutcome::ConnectionLost => return Err(Error::ConnectionLost { ack_id }),
                AckOutcome::Stopped => return Err(Error::Stopped { ack_id: Some(ack_id) }),
                AckOutcome::AckIdInUse => {
                    return Err(Error::InvalidArgument(format!(
                        "ackId {ack_id} is already used by a pending operation"
                    )))
                }
            };
            let policy = &self.handle.shared.options.message_retry;
            let delay = policy.delay(retry + 1);
            if !(is_transient(&error.name) && policy.allows(retry + 1) && Instant::now() + delay < self.deadline) {
                return Err(SendMessageError { ack_id: Some(ack_id), name: error.name, message: error.message }.into());
            }
            retry += 1;
            tracing::debug!(ack_id, retry, name = %error.name, "retrying after a transient refusal");
            tokio::time::sleep(delay).await;
            let (next_reply, request) = self.request();
            self.handle.ops.push(request).map_err(|_| Error::Stopped { ack_id: Some(ack_id) })?;
            reply = next_reply.expect("acked requests have a reply");
        }
    }
}
