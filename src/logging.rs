//! Logging: the library logs through `tracing`; `AZURE_LOG_LEVEL` picks the level.
//!
//! Like the official SDKs, setting `AZURE_LOG_LEVEL` to `verbose`, `info`, `warning` or
//! `error` turns the library's logs on at that level. A library must not install a global
//! subscriber behind the application's back, so applications call [`init_from_env`] (the
//! examples do), or install their own `tracing` subscriber. Access tokens and reconnection
//! tokens never appear in this library's log lines.
//!
//! One caveat for applications with their own subscriber: the WebSocket library underneath,
//! tungstenite, logs the whole upgrade request (URL and headers, so the access token) through
//! the `log` crate at TRACE level under the target `tungstenite::handshake::client`. A
//! subscriber that bridges `log` records and enables TRACE for every target prints it; keep
//! that target at DEBUG or above. [`init_from_env`] and the C ABI's log callback only pass on
//! this library's own target.

use tracing::Level;

/// The level named by `AZURE_LOG_LEVEL`, if it is set to a known value.
pub fn level_from_env() -> Option<Level> {
    std::env::var("AZURE_LOG_LEVEL").ok().and_then(|v| parse_level(&v))
}

/// Maps an Azure SDK log level name (`verbose`, `info`, `warning`, `error`) to a level.
pub fn parse_level(name: &str) -> Option<Level> {
    match name.trim().to_ascii_lowercase().as_str() {
        "verbose" | "debug" => Some(Level::DEBUG),
        "info" => Some(Level::INFO),
        "warning" | "warn" => Some(Level::WARN),
        "error" => Some(Level::ERROR),
        _ => None,
    }
}

/// Installs a stderr subscriber for this library's logs at the `AZURE_LOG_LEVEL` level.
/// Does nothing when the variable is unset or another global subscriber exists.
pub fn init_from_env() {
    let Some(level) = level_from_env() else { return };
    let filter = tracing_subscriber::filter::Targets::new().with_target("webpubsub_client", level);
    use tracing_subscriber::prelude::*;
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_azure_level_names() {
        assert_eq!(parse_level("verbose"), Some(Level::DEBUG));
        assert_eq!(parse_level("INFO"), Some(Level::INFO));
        assert_eq!(parse_level("warning"), Some(Level::WARN));
        assert_eq!(parse_level("error"), Some(Level::ERROR));
        assert_eq!(parse_level("loud"), None);
    }
}
