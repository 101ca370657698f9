//! The quickstart: the seed page's walk-through, then a numbered stream that survives a
//! dropped connection.
//!
//! ```sh
//! cargo run --release --example quickstart                 # against an embedded emulator
//! cargo run --release --example quickstart -- --url "wss://<service>.webpubsub.azure.com/client/hubs/<hub>?access_token=..."
//! ```
//! `WEBPUBSUB_CLIENT_ACCESS_URL` works as well as `--url`. The token needs permission to
//! join and publish to `group1` and `stream` (e.g. roles `webpubsub.joinLeaveGroup` and
//! `webpubsub.sendToGroup`). Set `AZURE_LOG_LEVEL=verbose` to see the library's logs.

use std::future::IntoFuture;
use std::time::{Duration, Instant};
use webpubsub_client::{Data, Event, WebPubSubClient};
use webpubsub_emulator::{Emulator, EmulatorConfig, TokenOptions};

const STREAM_LENGTH: usize = 2000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    webpubsub_client::logging::init_from_env();
    let url_arg = std::env::args().skip_while(|a| a != "--url").nth(1);
    let given_url = url_arg.or_else(|| std::env::var("WEBPUBSUB_CLIENT_ACCESS_URL").ok());

    // No URL given: run a local Web PubSub service in this process.
    let emulator = match given_url {
        Some(_) => None,
        None => Some(Emulator::start(EmulatorConfig::default()).await?),
    };
    let (url, publisher_url) = match (&given_url, &emulator) {
        (Some(url), _) => (url.clone(), url.clone()),
        (None, Some(emulator)) => {
            println!("No service URL given: using an embedded emulator at {}", emulator.endpoint());
            let token =
                |user: &str| TokenOptions::user(user).role("webpubsub.joinLeaveGroup").role("webpubsub.sendToGroup");
            (
                emulator.client_access_url("quickstart", token("quickstart")),
                emulator.client_access_url("quickstart", token("publisher")),
            )
        }
        (None, None) => unreachable!(),
    };

    // 1-2. Create the client; it connects on `start`.
    let (client, mut events) = WebPubSubClient::new(url)?;

    // Callbacks: the client's events arrive in order on one receiver.
    let (stream_tx, mut stream_rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match &event {
                Event::Connected { connection_id, .. } => println!("Connection {connection_id} is connected"),
                Event::Disconnected { message, .. } => {
                    println!("Connection disconnected: {}", message.as_deref().unwrap_or(""))
                }
                Event::Stopped => println!("Client has stopped"),
                Event::ServerMessage(m) => println!("Received message {:?}", m.data),
                Event::GroupMessage(m) if m.group == "group1" => {
                    println!("Received message from {}: {}", m.group, show(&m.data))
                }
                Event::Recovering { .. } => println!("Connection dropped; recovering..."),
                Event::Recovered { elapsed, .. } => println!("Connection recovered in {elapsed:.1?}"),
                _ => {}
            }
            let _ = stream_tx.send(event);
        }
    });

    client.start().await?;

    // 3. Join a group, then 4. send a message to it and receive it.
    let group_name = "group1";
    client.join_group(group_name).await?;
    client.send_to_group(group_name, Data::text("hello world")).await?;
    wait_for(&mut stream_rx, |e| matches!(e, Event::GroupMessage(m) if m.group == group_name)).await?;

    // Reliability: a second client publishes a numbered stream to this one, whose
    // connection is dropped mid-stream.
    client.join_group("stream").await?;
    let (publisher_client, _publisher_events) = WebPubSubClient::new(publisher_url)?;
    publisher_client.start().await?;
    println!("Publishing {STREAM_LENGTH} numbered messages to group 'stream'...");
    let sends: Vec<_> = (0..STREAM_LENGTH)
        .map(|n| publisher_client.send_to_group("stream", Data::text(n.to_string())).into_future())
        .collect();
    let publisher = tokio::spawn(futures_util::future::try_join_all(sends));

    let mut received = Vec::with_capacity(STREAM_LENGTH);
    let mut dropped = false;
    let mut recovery = None;
    let started = Instant::now();
    while received.len() < STREAM_LENGTH {
        let event = tokio::time::timeout(Duration::from_secs(60), stream_rx.recv())
            .await
            .map_err(|_| "the stream stalled")?
            .ok_or("the client went away")?;
        match event {
            Event::GroupMessage(m) if m.group == "stream" => {
                received.push(show(&m.data).parse::<usize>()?);
                if received.len() == STREAM_LENGTH / 2 && !dropped {
                    dropped = true;
                    match (&emulator, client.connection_id()) {
                        (Some(emulator), Some(id)) => {
                            println!("Dropping the connection abruptly after {} messages...", received.len());
                            emulator.drop_connection(&id);
                        }
                        _ => println!("(a real service is in use: no drop is injected)"),
                    }
                }
            }
            Event::Recovered { elapsed, .. } => recovery = Some(elapsed),
            _ => {}
        }
    }
    publisher.await??;
    let in_order = received.iter().enumerate().all(|(i, n)| i == *n);
    println!(
        "Received {} of {STREAM_LENGTH} messages in {:.1?}: {}",
        received.len(),
        started.elapsed(),
        if in_order { "every message exactly once, in order" } else { "OUT OF ORDER OR DUPLICATED" }
    );
    if let Some(elapsed) = recovery {
        println!("Recovery after the drop took {elapsed:.1?}");
    }

    publisher_client.stop().await;
    client.stop().await;
    drop(client);
    printer.await?;
    if !in_order {
        return Err("the stream was not delivered exactly once in order".into());
    }
    Ok(())
}

fn show(data: &Data) -> String {
    match data {
        Data::Text(text) => text.clone(),
        Data::Json(json) => json.to_string(),
        other => format!("{other:?}"),
    }
}

async fn wait_for(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    done: impl Fn(&Event) -> bool,
) -> Result<(), Box<dyn std::error::Error>> {
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = rx.recv().await {
            if done(&event) {
                return Ok(());
            }
        }
        Err("the client went away".into())
    })
    .await
    .map_err(|_| "timed out")?
}
