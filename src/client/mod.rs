//! The reliable client: its public handle, options, events and the driver behind them.
//!
//! A [`WebPubSubClient`] is a cheap, cloneable handle. All connection work happens in one
//! background task per client (the driver, see `driver.rs`), which owns the socket and the
//! protocol state; handles talk to it through a mailbox (start, stop) and a bounded queue of
//! operations, and it reports through the bounded [`EventReceiver`].

mod acks;
mod control;
mod driver;
mod events;
mod operation;
mod options;
mod queue;
mod sequence;
mod state;

pub use events::{Event, EventReceiver, GroupMessage, ServerMessage, TryRecvError};
pub use operation::{GroupOperation, SendEvent, SendToGroup, WebPubSubResult};
pub use options::{ClientOptions, Credential, RetryMode, RetryPolicy};
pub use state::ClientState;

use crate::protocol::Data;
use crate::Error;
use acks::AckIdAllocator;
use control::Control;
use state::StateCell;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// Locks a mutex, ignoring poisoning: every critical section here leaves consistent state,
/// and a panic elsewhere must not make the client unusable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// State shared by the handles and the driver.
pub(crate) struct Shared {
    pub options: ClientOptions,
    pub mailbox: control::Mailbox,
    pub state: StateCell,
    /// `(connection id, user id)` of the current connection.
    pub connection: Mutex<Option<(String, Option<String>)>>,
    pub ack_ids: Mutex<AckIdAllocator>,
}

/// What every clone of a client shares; dropping the last one ends the driver.
pub(crate) struct Handle {
    pub shared: Arc<Shared>,
    pub ops: queue::OpSender,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.mailbox.close_senders();
    }
}

/// A Web PubSub client. Cheap to clone; all clones drive the same connection.
///
/// ```no_run
/// # async fn demo() -> Result<(), webpubsub_client::Error> {
/// use webpubsub_client::{Data, Event, WebPubSubClient};
/// let (client, mut events) = WebPubSubClient::new("wss://example.webpubsub.azure.com/client/hubs/chat?access_token=...")?;
/// client.start().await?;
/// client.join_group("group1").await?;
/// client.send_to_group("group1", Data::text("hello world")).await?;
/// while let Some(event) = events.recv().await {
///     if let Event::GroupMessage(message) = event {
///         println!("{:?}", message.data);
///         break;
///     }
/// }
/// client.stop().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WebPubSubClient {
    handle: Arc<Handle>,
}

impl WebPubSubClient {
    /// A client for a client access URL (`wss://`/`ws://`, or `https://`/`http://`, which
    /// mean the same), with default options. Must be called inside a Tokio runtime. Returns
    /// the client and the receiver of its events.
    pub fn new(url: impl Into<String>) -> Result<(Self, EventReceiver), Error> {
        Self::with_options(Credential::url(url), ClientOptions::default())
    }

    /// A client with a credential (a URL, or a provider of fresh URLs) and options. Must be
    /// called inside a Tokio runtime: it spawns the client's background task there.
    pub fn with_options(credential: Credential, options: ClientOptions) -> Result<(Self, EventReceiver), Error> {
        validate(&options)?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::IllegalState("a client must be created inside a Tokio runtime".into()))?;
        let shared = Arc::new(Shared {
            options,
            mailbox: control::Mailbox::default(),
            state: StateCell::default(),
            connection: Mutex::new(None),
            ack_ids: Mutex::new(AckIdAllocator::default()),
        });
        let (ops_tx, ops_rx) = queue::op_queue(shared.options.operation_queue_capacity);
        let events = events::EventQueue::new(shared.options.event_queue_capacity);
        let driver = driver::Driver::new(shared.clone(), credential, ops_rx, events.clone());
        runtime.spawn(driver.run());
        let handle = Arc::new(Handle { shared, ops: ops_tx });
        Ok((WebPubSubClient { handle }, EventReceiver::new(events)))
    }

    /// Connects. Resolves once the service confirmed the connection (its `connected`
    /// message), or with the error of this one attempt; it does not retry by itself.
    /// Fails with [`Error::IllegalState`] if the client is already started.
    ///
    /// The request takes effect when `start` is called, before the future is polled: a
    /// `start` followed by a `stop` is handled in that order, and a stopped client reads as
    /// [`ClientState::Connecting`] at once, so operations issued next wait for the connection.
    pub fn start(&self) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        let (reply, done) = oneshot::channel();
        let shared = &self.handle.shared;
        let marked = shared.state.request_start();
        let queued = shared.mailbox.send(Control::Start(reply));
        if queued.is_err() && marked {
            shared.state.withdraw_start();
        }
        async move {
            queued.map_err(|_| Error::Stopped { ack_id: None })?;
            done.await.unwrap_or(Err(Error::Stopped { ack_id: None }))
        }
    }

    /// Stops: closes the connection, cancels any recovery or reconnect, fails pending
    /// operations with [`Error::Stopped`]. Works in every state, and is idempotent. Resolves
    /// once the client is stopped; [`start`](Self::start) may be called again afterwards.
    /// Like `start`, the request is queued when `stop` is called.
    pub fn stop(&self) -> impl Future<Output = ()> + Send + 'static {
        let (reply, done) = oneshot::channel();
        let queued = self.handle.shared.mailbox.send(Control::Stop(reply)).is_ok();
        async move {
            if queued {
                let _ = done.await;
            }
        }
    }

    /// Joins a group, so this client receives the group's messages.
    pub fn join_group(&self, group: impl Into<String>) -> GroupOperation {
        operation::join_group(self.handle.clone(), group.into())
    }

    /// Leaves a group.
    pub fn leave_group(&self, group: impl Into<String>) -> GroupOperation {
        operation::leave_group(self.handle.clone(), group.into())
    }

    /// Publishes `data` to a group.
    pub fn send_to_group(&self, group: impl Into<String>, data: impl Into<Data>) -> SendToGroup {
        operation::send_to_group(self.handle.clone(), group.into(), data.into())
    }

    /// Sends an event to the application server.
    pub fn send_event(&self, event: impl Into<String>, data: impl Into<Data>) -> SendEvent {
        operation::send_event(self.handle.clone(), event.into(), data.into())
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.handle.shared.state.get()
    }

    /// The id of the current connection, when connected or recovering.
    pub fn connection_id(&self) -> Option<String> {
        lock(&self.handle.shared.connection).as_ref().map(|c| c.0.clone())
    }

    /// The user id of the current connection, when it has one.
    pub fn user_id(&self) -> Option<String> {
        lock(&self.handle.shared.connection).as_ref().and_then(|c| c.1.clone())
    }

    /// The options this client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.handle.shared.options
    }
}

impl std::fmt::Debug for WebPubSubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPubSubClient").field("state", &self.state()).finish_non_exhaustive()
    }
}

fn validate(options: &ClientOptions) -> Result<(), Error> {
    let positive = [
        ("connect_timeout", options.connect_timeout),
        ("operation_timeout", options.operation_timeout),
        ("sequence_ack_interval", options.sequence_ack_interval),
    ];
    if let Some((name, _)) = positive.iter().find(|(_, d)| d.is_zero()) {
        return Err(Error::InvalidArgument(format!("{name} must be greater than zero")));
    }
    if options.keep_alive_interval.is_some_and(|d| d.is_zero())
        || options.keep_alive_timeout.is_some_and(|d| d.is_zero())
    {
        return Err(Error::InvalidArgument(
            "keep-alive durations must be greater than zero (use None to disable)".into(),
        ));
    }
    if options.operation_queue_capacity == 0 || options.event_queue_capacity == 0 {
        return Err(Error::InvalidArgument("queue capacities must be at least 1".into()));
    }
    Ok(())
}
