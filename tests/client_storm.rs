//! A misbehaving service cannot make the client retry faster than its policies allow: a
//! connection or recovered socket that dies right after it opened counts as a failed
//! attempt, and one socket has one `connected` message.
//!
//! The peer here is a bare WebSocket server, not the emulator: it is the adversary.

mod common;

use common::init_test_logging;
use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use webpubsub_client::{ClientOptions, ClientState, Event, EventReceiver, RetryPolicy, WebPubSubClient};

const SUBPROTOCOL: &str = "json.reliable.webpubsub.azure.v1";
/// How long each pacing test watches the client.
const WATCH: Duration = Duration::from_secs(3);
/// Generous upper bound of the events one attempt may produce (state changes, connected or
/// recovered, disconnected or recovering).
const EVENTS_PER_ATTEMPT: usize = 6;

/// One accepted upgrade, handed to the peer's behaviour.
struct Upgrade {
    /// 0 for the first upgrade the peer accepted.
    index: usize,
    ws: WebSocketStream<TcpStream>,
}

/// A WebSocket server on 127.0.0.1 that accepts the reliable subprotocol, records the query
/// string of every upgrade and lets `serve` do what it likes with the socket.
struct Peer {
    port: u16,
    queries: Arc<Mutex<Vec<String>>>,
    accept: JoinHandle<()>,
}

impl Peer {
    async fn start<F, Fut>(serve: F) -> Peer
    where
        F: Fn(Upgrade) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        init_test_logging();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let queries: Arc<Mutex<Vec<String>>> = Arc::default();
        let serve = Arc::new(serve);
        let accept = tokio::spawn({
            let queries = queries.clone();
            async move {
                // Dropped with this task: the sockets still open go with it.
                let mut links = JoinSet::new();
                while let Ok((stream, _)) = listener.accept().await {
                    let (queries, serve) = (queries.clone(), serve.clone());
                    links.spawn(async move {
                        let mut query = String::new();
                        // The error type is tungstenite's, not ours to shrink.
                        #[allow(clippy::result_large_err)]
                        let record = |request: &Request, mut response: Response| {
                            query = request.uri().query().unwrap_or_default().to_owned();
                            response
                                .headers_mut()
                                .insert("sec-websocket-protocol", HeaderValue::from_static(SUBPROTOCOL));
                            Ok(response)
                        };
                        let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, record).await else { return };
                        let index = {
                            let mut queries = queries.lock().unwrap();
                            queries.push(query);
                            queries.len() - 1
                        };
                        serve(Upgrade { index, ws }).await;
                    });
                    while links.try_join_next().is_some() {}
                }
            }
        });
        Peer { port, queries, accept }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/client/hubs/hub?access_token=anything", self.port)
    }

    fn upgrades(&self) -> usize {
        self.queries.lock().unwrap().len()
    }

    fn queries(&self) -> Vec<String> {
        self.queries.lock().unwrap().clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn connected(connection_id: &str, token: Option<&str>) -> Message {
    let token = token.map(|t| format!(r#","reconnectionToken":"{t}""#)).unwrap_or_default();
    Message::text(format!(
        r#"{{"type":"system","event":"connected","userId":"u","connectionId":"{connection_id}"{token}}}"#
    ))
}

fn disconnected(message: &str) -> Message {
    Message::text(format!(r#"{{"type":"system","event":"disconnected","message":"{message}"}}"#))
}

/// Sends a close frame with `code` and reads until the client answers (or gives up).
async fn close_with(ws: &mut WebSocketStream<TcpStream>, code: CloseCode) {
    let _ = ws.send(Message::Close(Some(CloseFrame { code, reason: "go away".into() }))).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), async { while let Some(Ok(_)) = ws.next().await {} }).await;
}

/// Reads until the client closes: keeps a socket open and answers the client's close.
async fn hold(ws: &mut WebSocketStream<TcpStream>) {
    while let Some(Ok(_)) = ws.next().await {}
}

fn awps(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn is_recovery(query: &str) -> bool {
    awps(query, "awps_connection_id").is_some()
}

/// Counts the events of a client in the background.
struct EventCounter {
    all: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl EventCounter {
    fn start(mut events: EventReceiver) -> EventCounter {
        let all = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let all = all.clone();
            async move {
                while events.recv().await.is_some() {
                    all.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        EventCounter { all, task }
    }

    fn all(&self) -> usize {
        self.all.load(Ordering::SeqCst)
    }
}

impl Drop for EventCounter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The most attempts `policy` allows within `elapsed`: the first attempt at once, then each
/// retry after at least its shortest delay (half of it with jitter).
fn attempts_allowed(policy: &RetryPolicy, elapsed: Duration) -> usize {
    let mut plain = policy.clone();
    plain.jitter = false;
    let shortest = |retry: u32| if policy.jitter { plain.delay(retry).mul_f64(0.5) } else { plain.delay(retry) };
    let (mut attempts, mut at) = (1, Duration::ZERO);
    for retry in 1u32.. {
        if !policy.allows(retry) {
            break;
        }
        at += shortest(retry);
        if at > elapsed {
            break;
        }
        attempts += 1;
    }
    attempts
}

/// Fails unless the peer saw at most `allowed` upgrades (what `rule` allows in `elapsed`) and
/// the client raised no more events than that many attempts explain.
fn assert_paced(upgrades: usize, events: usize, elapsed: Duration, allowed: usize, rule: &str) {
    assert!(upgrades <= allowed, "{upgrades} upgrades in {elapsed:?}; {rule} allows {allowed}");
    assert!(events <= allowed * EVENTS_PER_ATTEMPT, "{events} events for {upgrades} upgrades in {elapsed:?}");
}

/// Watches a default client against `peer` and asserts it stayed within its reconnect policy.
async fn watch_within_backoff(peer: &Peer) -> WebPubSubClient {
    let options = ClientOptions::default();
    let policy = options.reconnect_retry.clone();
    let (upgrades, events, elapsed, client) = watch(peer, options).await;
    assert_paced(upgrades, events, elapsed, attempts_allowed(&policy, elapsed), "the reconnect policy");
    client
}

/// Starts a default client against `peer`, watches it for [`WATCH`] and returns the number of
/// upgrades the peer saw, the events the client raised, the time watched and the client.
async fn watch(peer: &Peer, options: ClientOptions) -> (usize, usize, Duration, WebPubSubClient) {
    let (client, events) = WebPubSubClient::with_options(peer.url().into(), options).unwrap();
    let counter = EventCounter::start(events);
    let began = Instant::now();
    client.start().await.expect("the peer's first connection is valid");
    tokio::time::sleep(WATCH).await;
    let (upgrades, events, elapsed) = (peer.upgrades(), counter.all(), began.elapsed());
    eprintln!("{upgrades} upgrades and {events} events in {elapsed:?}");
    (upgrades, events, elapsed, client)
}

/// The storm that started it all: every connection gets `connected`, then at once
/// `disconnected` and close 1008. Each new connection dies young, so the backoff grows.
#[tokio::test]
async fn a_peer_that_ends_every_connection_with_1008_gets_no_more_attempts_than_the_backoff_allows() {
    let peer = Peer::start(|mut up: Upgrade| async move {
        let id = format!("c{}", up.index);
        let _ = up.ws.send(connected(&id, Some("t"))).await;
        let _ = up.ws.send(disconnected("not today")).await;
        close_with(&mut up.ws, CloseCode::Policy).await;
    })
    .await;
    let client = watch_within_backoff(&peer).await;
    client.stop().await;
}

/// The first connection is valid and then closed with 1011; every later upgrade (the
/// recovery attempts) is accepted and closed at once with 1011. Each recovered socket dies
/// young, so recovery goes on in the same window, one attempt per recovery interval.
#[tokio::test]
async fn a_peer_that_closes_every_recovered_socket_at_once_gets_recovery_attempts_paced_by_the_interval() {
    let peer = Peer::start(|mut up: Upgrade| async move {
        if up.index == 0 {
            let _ = up.ws.send(connected("c0", Some("t0"))).await;
        }
        close_with(&mut up.ws, CloseCode::Error).await;
    })
    .await;
    let options = ClientOptions::default();
    let interval = options.recovery_interval;
    let (upgrades, events, elapsed, client) = watch(&peer, options).await;
    // The first connection, the first recovery attempt at once, then one per interval.
    let allowed = 2 + (elapsed.as_secs_f64() / interval.as_secs_f64()) as usize;
    assert_paced(upgrades, events, elapsed, allowed, &format!("one recovery per {interval:?}"));
    let queries = peer.queries();
    assert!(queries.len() >= 2, "the client tried to recover");
    for query in &queries[1..] {
        assert_eq!(awps(query, "awps_connection_id").as_deref(), Some("c0"), "a recovery attempt: {query}");
        assert_eq!(awps(query, "awps_reconnection_token").as_deref(), Some("t0"), "a recovery attempt: {query}");
    }
    client.stop().await;
}

/// A first connection without a reconnection token (so no recovery), closed with 1011; every
/// later upgrade is closed with 1011 before `connected`. New connections follow the backoff.
#[tokio::test]
async fn a_peer_that_closes_every_upgrade_with_1011_before_connected_gets_attempts_paced_by_the_backoff() {
    let peer = Peer::start(|mut up: Upgrade| async move {
        if up.index == 0 {
            let _ = up.ws.send(connected("c0", None)).await;
        }
        close_with(&mut up.ws, CloseCode::Error).await;
    })
    .await;
    let client = watch_within_backoff(&peer).await;
    assert!(peer.queries().iter().all(|q| !is_recovery(q)), "nothing to recover without a token");
    client.stop().await;
}

/// Connections that die young are failed attempts: they count against `max_retries`, so
/// the client gives up and stops instead of reconnecting forever.
#[tokio::test]
async fn connections_that_die_young_count_against_the_reconnect_retries() {
    let peer = Peer::start(|mut up: Upgrade| async move {
        let _ = up.ws.send(connected(&format!("c{}", up.index), Some("t"))).await;
        close_with(&mut up.ws, CloseCode::Policy).await;
    })
    .await;
    let mut options = ClientOptions::default();
    options.reconnect_retry = RetryPolicy::fixed(Some(2), Duration::from_millis(20));
    let (client, mut events) = WebPubSubClient::with_options(peer.url().into(), options).unwrap();
    client.start().await.unwrap();
    let stopped = tokio::time::timeout(common::WAIT, async {
        while let Some(event) = events.recv().await {
            if event == Event::Stopped {
                return;
            }
        }
    })
    .await;
    assert!(stopped.is_ok(), "the client kept reconnecting: {} upgrades", peer.upgrades());
    assert_eq!(client.state(), ClientState::Stopped);
    assert_eq!(peer.upgrades(), 3, "the first connection and two retries");
}

/// A second `connected` on the same socket, with another id and token, is ignored: the
/// recovery uses the first id and token, and the application sees one `Connected`.
#[tokio::test]
async fn a_second_connected_message_on_one_socket_does_not_replace_the_reconnection_token() {
    let peer = Peer::start(|mut up: Upgrade| async move {
        if up.index == 0 {
            let _ = up.ws.send(connected("first-id", Some("first-token"))).await;
            let _ = up.ws.send(connected("second-id", Some("second-token"))).await;
            // Dropped without a close frame: the client recovers.
            return;
        }
        hold(&mut up.ws).await;
    })
    .await;
    let (client, mut events) = WebPubSubClient::with_options(peer.url().into(), ClientOptions::default()).unwrap();
    client.start().await.unwrap();
    let seen =
        common::events_until(&mut events, |e| matches!(e, Event::Recovered { .. } | Event::Disconnected { .. })).await;
    let queries = peer.queries();
    assert_eq!(queries.len(), 2, "the connection and one recovery: {queries:?}");
    assert_eq!(awps(&queries[1], "awps_connection_id").as_deref(), Some("first-id"));
    assert_eq!(awps(&queries[1], "awps_reconnection_token").as_deref(), Some("first-token"));
    assert!(matches!(seen.last(), Some(Event::Recovered { .. })), "recovered: {seen:#?}");
    let connected: Vec<_> = seen.iter().filter(|e| matches!(e, Event::Connected { .. })).collect();
    assert_eq!(connected, [&Event::Connected { connection_id: "first-id".into(), user_id: Some("u".into()) }]);
    assert_eq!(client.connection_id().as_deref(), Some("first-id"));
    client.stop().await;
}

/// On a recovered socket the service may send `connected` again: its first one refreshes the
/// token (same connection id), a second one is ignored like on any socket.
#[tokio::test]
async fn a_recovered_socket_refreshes_the_token_with_its_first_connected_message_only() {
    let peer = Peer::start(|mut up: Upgrade| async move {
        match up.index {
            0 => {
                let _ = up.ws.send(connected("c0", Some("t0"))).await;
            }
            1 => {
                let _ = up.ws.send(connected("c0", Some("t1"))).await;
                let _ = up.ws.send(connected("c0", Some("t2"))).await;
            }
            _ => hold(&mut up.ws).await,
        }
    })
    .await;
    let (client, mut events) = WebPubSubClient::with_options(peer.url().into(), ClientOptions::default()).unwrap();
    client.start().await.unwrap();
    let mut recovered = 0;
    let seen = common::events_until(&mut events, |e| {
        recovered += matches!(e, Event::Recovered { .. }) as usize;
        recovered == 2 || matches!(e, Event::Disconnected { .. })
    })
    .await;
    let queries = peer.queries();
    assert_eq!(queries.len(), 3, "the connection and two recoveries: {queries:?}");
    assert_eq!(awps(&queries[1], "awps_reconnection_token").as_deref(), Some("t0"));
    assert_eq!(awps(&queries[2], "awps_reconnection_token").as_deref(), Some("t1"));
    assert_eq!(seen.iter().filter(|e| matches!(e, Event::Connected { .. })).count(), 1);
    client.stop().await;
}
