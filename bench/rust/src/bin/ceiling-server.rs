//! The ceiling's server: a raw WebSocket echo and fan-out relay with no Web PubSub protocol.
//!
//! Connections join the room named by `?room=` in their URL. For every text frame:
//! - if it carries `"ackId":N`, the sender gets `{"type":"ack","ackId":N,"success":true}`;
//! - it is relayed to every other connection of the room, reshaped into the frame the
//!   service would deliver (`{"type":"message","from":"group",...,"sequenceId":N}`, built by
//!   slicing, never by parsing JSON), so the receivers read frames of the same size;
//! - the text `__drop__` resets (TCP RST) every other connection of the room, then answers
//!   `__dropped__`; frames sent to the room until someone joins it again are kept and
//!   delivered to the newcomer (the recovery workload's "replay").
//!
//! Each connection is one task that reads and writes; writes are batched (every queued
//! frame is fed, then one flush), sockets have TCP_NODELAY, and channels are bounded so a
//! slow receiver slows its publisher down (TCP backpressure), like the emulator does.
//!
//! Usage: `ceiling-server [--port 0] [--buffer BYTES] [--runtime multi|current]`; prints
//! `Listening=127.0.0.1:PORT`.

use futures_util::{FutureExt, SinkExt, StreamExt};
use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Frames queued per receiver before its publishers wait.
const QUEUE: usize = 4096;
/// Frames kept for a room whose receiver was dropped, until it comes back.
const REPLAY: usize = 4096;

enum Out {
    Frame(Utf8Bytes),
    /// Reset the connection, then confirm.
    Reset(oneshot::Sender<()>),
}

struct Member {
    id: u64,
    tx: mpsc::Sender<Out>,
}

#[derive(Default)]
struct Room {
    members: RwLock<Vec<Member>>,
    sequence: AtomicU64,
    /// `Some` while a dropped receiver is expected back: frames for it wait here.
    replay: Mutex<Option<VecDeque<Utf8Bytes>>>,
}

#[derive(Default)]
struct Rooms(Mutex<std::collections::HashMap<String, Arc<Room>>>);

impl Rooms {
    fn get(&self, name: &str) -> Arc<Room> {
        self.0.lock().unwrap().entry(name.to_string()).or_default().clone()
    }
}

fn main() {
    let args = webpubsub_bench::Args::parse_options();
    let port: u16 = args.num("port", 0);
    let buffer: usize = args.num("buffer", 4096);
    webpubsub_bench::proc::raise_fd_limit();
    let runtime = webpubsub_bench::runtime(&args);
    runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let address = listener.local_addr().expect("address");
        println!("Listening={address}");
        std::io::stdout().flush().ok();
        let rooms = Arc::new(Rooms::default());
        let ids = AtomicU64::new(1);
        let config = WebSocketConfig::default().read_buffer_size(buffer).write_buffer_size(buffer);
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let id = ids.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(serve(stream, id, rooms.clone(), config));
        }
    });
}

// The handshake callback's error type is tungstenite's (a whole HTTP response).
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, id: u64, rooms: Arc<Rooms>, config: WebSocketConfig) {
    let _ = stream.set_nodelay(true);
    // Every close by this server is abortive: that is how `__drop__` resets a receiver.
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    let mut room_name = String::new();
    let callback = |request: &Request, response: Response| {
        let query = request.uri().query().unwrap_or("");
        room_name = query.split('&').find_map(|kv| kv.strip_prefix("room=")).unwrap_or("default").to_string();
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await else {
        return;
    };
    let room = rooms.get(&room_name);
    let (tx, mut rx) = mpsc::channel(QUEUE);
    // Join first, then take what was kept: a frame relayed in between goes to our queue.
    room.members.write().unwrap().push(Member { id, tx });
    let replayed = room.replay.lock().unwrap().take();
    if let Some(frames) = replayed {
        for frame in frames {
            let _ = ws.feed(Message::Text(frame)).await;
        }
        let _ = ws.flush().await;
    }
    let mut reset = None;
    loop {
        tokio::select! {
            biased;
            out = rx.recv() => {
                // Feed everything queued, then flush once.
                let (mut next, mut ok) = (out, true);
                while let Some(out) = next.take() {
                    match out {
                        Out::Frame(frame) => ok = ok && ws.feed(Message::Text(frame)).await.is_ok(),
                        Out::Reset(done) => {
                            reset = Some(done);
                            break;
                        }
                    }
                    next = rx.try_recv().ok();
                }
                if reset.is_some() || !ok || ws.flush().await.is_err() { break; }
            }
            first = ws.next() => {
                let mut next = first;
                let mut alive = true;
                loop {
                    match next {
                        Some(Ok(Message::Text(text))) => {
                            if !handle(&text, id, &room_name, &room, &mut ws).await { alive = false; break; }
                        }
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => { alive = false; break; }
                        Some(Ok(_)) => {}
                    }
                    // Handle what is already buffered before one flush.
                    match ws.next().now_or_never() {
                        Some(more) => next = more,
                        None => break,
                    }
                }
                if !alive || ws.flush().await.is_err() { break; }
            }
        }
    }
    room.members.write().unwrap().retain(|m| m.id != id);
    drop(ws);
    if let Some(done) = reset {
        let _ = done.send(());
    }
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// Handles one text frame; false when the connection should end.
async fn handle(text: &Utf8Bytes, id: u64, room_name: &str, room: &Room, ws: &mut Ws) -> bool {
    let text_str = text.as_str();
    if text_str == "__drop__" {
        let targets: Vec<mpsc::Sender<Out>> =
            room.members.read().unwrap().iter().filter(|m| m.id != id).map(|m| m.tx.clone()).collect();
        *room.replay.lock().unwrap() = Some(VecDeque::new());
        for tx in targets {
            let (done, reset) = oneshot::channel();
            if tx.send(Out::Reset(done)).await.is_ok() {
                let _ = reset.await;
            }
        }
        return ws.feed(Message::text("__dropped__")).await.is_ok();
    }
    if let Some(ack_id) = number_after(text_str, "\"ackId\":") {
        let ack = format!("{{\"type\":\"ack\",\"ackId\":{ack_id},\"success\":true}}");
        if ws.feed(Message::text(ack)).await.is_err() {
            return false;
        }
    }
    let targets: Vec<mpsc::Sender<Out>> = {
        let members = room.members.read().unwrap();
        if members.len() <= 1 && room.replay.lock().unwrap().is_none() {
            return true;
        }
        members.iter().filter(|m| m.id != id).map(|m| m.tx.clone()).collect()
    };
    let sequence = room.sequence.fetch_add(1, Ordering::Relaxed) + 1;
    let frame = Utf8Bytes::from(delivered_frame(text_str, room_name, sequence));
    if targets.is_empty() {
        if let Some(replay) = room.replay.lock().unwrap().as_mut() {
            if replay.len() < REPLAY {
                replay.push_back(frame);
            }
        }
        return true;
    }
    for tx in targets {
        let _ = tx.send(Out::Frame(frame.clone())).await;
    }
    true
}

/// The frame a receiver gets for a published one: the service's message shape, with the
/// publisher's `"dataType":...,"data":...` copied verbatim.
fn delivered_frame(published: &str, room: &str, sequence: u64) -> String {
    let Some(start) = published.find(",\"dataType\":") else {
        return published.to_string();
    };
    let data = published[start..].strip_suffix('}').unwrap_or(&published[start..]);
    let mut out = String::with_capacity(published.len() + 64);
    out.push_str("{\"type\":\"message\",\"from\":\"group\",\"group\":\"");
    out.push_str(room);
    out.push_str("\",\"fromUserId\":\"sender\"");
    out.push_str(data);
    out.push_str(",\"sequenceId\":");
    out.push_str(&sequence.to_string());
    out.push('}');
    out
}

/// The unsigned number right after `key` in `text`, if any.
pub fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
    text[start..start + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_frame_is_delivered_in_the_service_shape() {
        let published = r#"{"type":"sendToGroup","group":"g","ackId":7,"noEcho":false,"dataType":"text","data":"hi"}"#;
        assert_eq!(number_after(published, "\"ackId\":"), Some(7));
        assert_eq!(
            delivered_frame(published, "g", 3),
            r#"{"type":"message","from":"group","group":"g","fromUserId":"sender","dataType":"text","data":"hi","sequenceId":3}"#
        );
    }
}
