//! Helpers shared by the integration tests: an in-process emulator, fast client options,
//! event waiting, and a TCP proxy that can cut or refuse connections.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use webpubsub_client::{ClientOptions, Credential, Event, EventReceiver, RetryPolicy, WebPubSubClient};
use webpubsub_emulator::{Emulator, EmulatorConfig, TokenOptions};

pub const HUB: &str = "testhub";
/// Generous bound for anything a test waits for; tests never assert durations.
pub const WAIT: Duration = Duration::from_secs(15);

/// Logs of the client (and the emulator) on stderr when `TEST_LOG` names a level.
pub fn init_test_logging() {
    if let Ok(level) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(level).with_test_writer().try_init();
    }
}

pub async fn emulator() -> Emulator {
    init_test_logging();
    Emulator::start(EmulatorConfig::default()).await.expect("emulator starts")
}

/// A token that may join and publish to any group.
pub fn publisher(user: &str) -> TokenOptions {
    TokenOptions::user(user).role("webpubsub.joinLeaveGroup").role("webpubsub.sendToGroup")
}

pub fn url(emulator: &Emulator, user: &str) -> String {
    emulator.client_access_url(HUB, publisher(user))
}

/// Options with short delays, so fault tests finish quickly.
pub fn fast_options() -> ClientOptions {
    let mut options = ClientOptions::default();
    options.recovery_interval = Duration::from_millis(50);
    options.recovery_window = Duration::from_secs(10);
    options.connect_timeout = Duration::from_secs(5);
    options.reconnect_retry = RetryPolicy::exponential(None, Duration::from_millis(50), Duration::from_millis(400));
    options.message_retry = RetryPolicy::exponential(Some(3), Duration::from_millis(20), Duration::from_millis(100));
    options.operation_timeout = Duration::from_secs(10);
    options.sequence_ack_interval = Duration::from_millis(100);
    options
}

pub fn client(credential: impl Into<Credential>, options: ClientOptions) -> (WebPubSubClient, EventReceiver) {
    WebPubSubClient::with_options(credential.into(), options).expect("client builds")
}

/// A started client of `user` with fast options; the events of the start are consumed.
pub async fn started(emulator: &Emulator, user: &str) -> (WebPubSubClient, EventReceiver) {
    let (client, mut events) = client(url(emulator, user), fast_options());
    client.start().await.expect("client starts");
    drain(&mut events);
    (client, events)
}

/// Discards the events queued so far (those of `start`, typically).
pub fn drain(events: &mut EventReceiver) {
    while events.try_recv().is_ok() {}
}

/// Waits for the first event matching `pick`, failing the test after [`WAIT`].
pub async fn next_event<T>(events: &mut EventReceiver, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(event) = events.recv().await {
            if let Some(found) = pick(&event) {
                return found;
            }
        }
        panic!("event stream ended");
    })
    .await;
    found.expect("expected event did not arrive in time")
}

/// Collects every event until `pick` matches (inclusive).
pub async fn events_until(events: &mut EventReceiver, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    tokio::time::timeout(WAIT, async {
        while let Some(event) = events.recv().await {
            let stop = done(&event);
            seen.push(event);
            if stop {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("condition not met in time; saw {seen:#?}"));
    seen
}

/// Polls `check` until it holds, failing after [`WAIT`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn text_of(event: &Event) -> Option<String> {
    match event {
        Event::GroupMessage(m) => match &m.data {
            webpubsub_client::Data::Text(t) => Some(t.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A TCP proxy between a client and the emulator that tests can use to cut every
/// connection abruptly and to refuse new ones (accepted, then closed at once).
pub struct Proxy {
    pub port: u16,
    /// The first bytes each client sent (its HTTP upgrade request), in connection order.
    pub requests: Arc<Mutex<Vec<String>>>,
    refuse: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let refuse = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let accept = tokio::spawn({
            let (refuse, links, requests) = (refuse.clone(), links.clone(), requests.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if refuse.load(Ordering::SeqCst) {
                        let _ = inbound.shutdown().await;
                        continue;
                    }
                    let requests = requests.clone();
                    let link = tokio::spawn(async move {
                        use tokio::io::AsyncReadExt;
                        let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target_port)).await else { return };
                        let _ = inbound.set_nodelay(true);
                        let _ = outbound.set_nodelay(true);
                        let mut first = vec![0u8; 8192];
                        let Ok(n) = inbound.read(&mut first).await else { return };
                        requests.lock().unwrap().push(String::from_utf8_lossy(&first[..n]).into_owned());
                        if outbound.write_all(&first[..n]).await.is_ok() {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            }
        });
        Proxy { port, requests, refuse, links, accept }
    }

    /// A client access URL of `user` (as [`publisher`]) through this proxy. The token's
    /// audience names the proxy: the emulator checks it against the Host the client used.
    pub fn url(&self, emulator: &Emulator, user: &str) -> String {
        use webpubsub_emulator::token;
        let options = publisher(user);
        let audience = format!("http://127.0.0.1:{}/client/hubs/{HUB}", self.port);
        let claims = token::client_claims(&audience, options.user_id.as_deref(), &options.roles, &options.groups, 3600);
        let jwt = token::sign(&claims, &emulator.config().access_key);
        format!("ws://127.0.0.1:{}/client/hubs/{HUB}?access_token={jwt}", self.port)
    }

    /// Drops every open connection without a close frame.
    pub fn cut_all(&self) {
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// New connections are accepted and closed at once while `refuse` is set.
    pub fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut_all();
    }
}
