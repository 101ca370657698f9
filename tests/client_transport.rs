//! Transport options: `wss://` with certificate checks and an extra CA, custom headers.

mod common;

use common::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use webpubsub_client::{Error, Event};
use webpubsub_emulator::token;

/// A TLS terminator for `localhost` with a freshly made self-signed certificate, in front
/// of the emulator. Returns its port and the certificate (PEM).
async fn tls_front(target_port: u16) -> (u16, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut plain) = TcpStream::connect(("127.0.0.1", target_port)).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, cert_pem)
}

fn wss_url(emulator: &webpubsub_emulator::Emulator, port: u16) -> String {
    let options = publisher("tls-user");
    let audience = format!("https://localhost:{port}/client/hubs/{HUB}");
    let claims = token::client_claims(&audience, options.user_id.as_deref(), &options.roles, &options.groups, 3600);
    let jwt = token::sign(&claims, &emulator.config().access_key);
    format!("wss://localhost:{port}/client/hubs/{HUB}?access_token={jwt}")
}

#[tokio::test]
async fn wss_verifies_certificates_and_accepts_an_extra_ca() {
    let emulator = emulator().await;
    let (port, cert_pem) = tls_front(emulator.port()).await;

    // Unknown issuer: refused.
    let (untrusting, _) = client(wss_url(&emulator, port), fast_options());
    let error = untrusting.start().await.unwrap_err();
    assert!(matches!(&error, Error::Connect { .. }), "{error:?}");
    assert!(error.to_string().to_lowercase().contains("certificate"), "{error}");

    // With the certificate as an extra CA: connects, and works end to end.
    let mut options = fast_options();
    options.extra_ca_certificates_pem = Some(cert_pem.into_bytes());
    let (client, mut events) = client(wss_url(&emulator, port), options);
    client.start().await.unwrap();
    client.join_group("secure").await.unwrap();
    client.send_to_group("secure", "over tls").await.unwrap();
    assert_eq!(next_event(&mut events, text_of).await, "over tls");
    // Recovery works over TLS too.
    emulator.drop_connection(&client.connection_id().unwrap());
    next_event(&mut events, |e| matches!(e, Event::Recovered { .. }).then_some(())).await;
}

#[tokio::test]
async fn a_malformed_extra_ca_is_a_clear_error() {
    let emulator = emulator().await;
    let (port, _) = tls_front(emulator.port()).await;
    let mut options = fast_options();
    options.extra_ca_certificates_pem =
        Some(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec());
    let (client, _) = client(wss_url(&emulator, port), options);
    let error = client.start().await.unwrap_err();
    assert!(error.to_string().contains("extra CA certificate"), "{error}");
}

#[tokio::test]
async fn custom_headers_and_user_agent_go_on_the_upgrade_request() {
    let emulator = emulator().await;
    let proxy = Proxy::start(emulator.port()).await;
    let mut options = fast_options();
    options.headers.push(("x-trace-id".into(), "abc123".into()));
    options.user_agent = "my-app/2.0".into();
    let (client, _) = client(proxy.url(&emulator, "u"), options);
    client.start().await.unwrap();
    let request = proxy.requests.lock().unwrap()[0].to_lowercase();
    assert!(request.contains("x-trace-id: abc123"), "{request}");
    assert!(request.contains("user-agent: my-app/2.0"), "{request}");
    assert!(request.contains("sec-websocket-protocol: json.reliable.webpubsub.azure.v1"), "{request}");

    let mut options = fast_options();
    options.headers.push(("bad header".into(), "x".into()));
    let (client, _) = common::client(proxy.url(&emulator, "u"), options);
    assert!(matches!(client.start().await, Err(Error::InvalidUrl(_))));
}

#[tokio::test]
async fn service_websocket_pings_keep_an_idle_connection_alive() {
    let config =
        webpubsub_emulator::EmulatorConfig { ws_ping_interval: Some(Duration::from_millis(100)), ..Default::default() };
    let emulator = webpubsub_emulator::Emulator::start(config).await.unwrap();
    let mut options = fast_options();
    // No pings of our own: only the service's WebSocket pings reach the client.
    options.keep_alive_interval = None;
    options.keep_alive_timeout = Some(Duration::from_millis(500));
    let (client, mut events) = client(url(&emulator, "u"), options);
    client.start().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while let Ok(event) = events.try_recv() {
        assert!(!matches!(event, Event::Recovering { .. }), "the idle connection was wrongly declared dead");
    }
    client.join_group("g").await.unwrap();
}
