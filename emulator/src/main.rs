//! `webpubsub-emulator` command line: starts the emulator, prints its connection string and a
//! ready-to-use client access URL, and runs until SIGINT/SIGTERM.

use std::io::Write;
use std::time::Duration;
use webpubsub_emulator::{Emulator, EmulatorConfig, TokenOptions};

const USAGE: &str = "\
webpubsub-emulator: a local Azure Web PubSub service (JSON subprotocols, REST API, fault injection)

USAGE: webpubsub-emulator [OPTIONS]

OPTIONS:
  --host HOST                  address to bind (default 127.0.0.1)
  --port PORT                  port to bind; 0 picks a free one (default 8080)
  --access-key KEY             access key, >= 32 characters (default the well-known emulator key)
  --echo-events                answer every client event with a server message carrying its data
  --recovery-window-secs N     how long a dropped reliable connection stays recoverable (default 30)
  --ping-interval-secs N       WebSocket ping interval, 0 disables (default 20)
  --max-unacked N              unacknowledged messages before a 1008 close (default 1000)
  --connected-on-recovery      send `connected` again after a successful recovery
  --max-recorded-events N      client events kept for /_emulator/events, oldest dropped (default 100000)
  --max-recorded-event-bytes N payload bytes kept for /_emulator/events, oldest dropped (default 16777216)
  --hub NAME                   hub of the printed ClientAccessUrl (default sample_hub)
  -h, --help                   this text

Prints `Endpoint=...` (the connection string) and `ClientAccessUrl=...` on start.
Log level via RUST_LOG (e.g. RUST_LOG=webpubsub_emulator=debug).";

fn parse_args() -> Result<(EmulatorConfig, String), String> {
    let mut cfg = EmulatorConfig { port: 8080, ..EmulatorConfig::default() };
    let mut hub = "sample_hub".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{name} needs a value ({what})"))
        };
        let number =
            |v: String| -> Result<u64, String> { v.parse().map_err(|_| format!("{name}: {v:?} is not a number")) };
        match name.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--host" => cfg.host = value("address")?,
            "--port" => cfg.port = value("port")?.parse().map_err(|_| "--port needs a number 0-65535".to_string())?,
            "--access-key" => cfg.access_key = value("key")?,
            "--echo-events" => cfg.echo_events = true,
            "--recovery-window-secs" => cfg.recovery_window = Duration::from_secs(number(value("seconds")?)?),
            "--ping-interval-secs" => {
                let n = number(value("seconds")?)?;
                cfg.ws_ping_interval = (n > 0).then(|| Duration::from_secs(n));
            }
            "--max-unacked" => cfg.max_unacked_messages = number(value("count")?)? as usize,
            "--connected-on-recovery" => cfg.connected_on_recovery = true,
            "--max-recorded-events" => cfg.max_recorded_events = number(value("count")?)? as usize,
            "--max-recorded-event-bytes" => cfg.max_recorded_event_bytes = number(value("bytes")?)? as usize,
            "--hub" => hub = value("hub name")?,
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok((cfg, hub))
}

fn main() {
    let (cfg, hub) = match parse_args() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async move {
        let emu = match Emulator::start(cfg).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot start: {e}");
                std::process::exit(1);
            }
        };
        let url = emu.client_access_url(
            &hub,
            TokenOptions::user("user1").all_group_roles().expires_in(Duration::from_secs(24 * 3600)),
        );
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", emu.connection_string());
        let _ = writeln!(out, "ClientAccessUrl={url}");
        let _ = writeln!(out, "Control={}/_emulator/connections", emu.endpoint());
        let _ = out.flush();
        drop(out);
        wait_for_signal().await;
        eprintln!("shutting down");
        emu.shutdown().await;
    });
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
