//! Client endpoint: tokens, audience, subprotocol negotiation, URL forms.
mod common;
use common::*;
use std::time::Duration;
use webpubsub_emulator::token;
use webpubsub_emulator::TokenOptions;

#[tokio::test]
async fn valid_token_connects_with_user_id() {
    let emu = emulator().await;
    let c = Client::reliable(&emu, "chat", TokenOptions::user("alice")).await;
    assert_eq!(c.user_id, "alice");
    assert!(c.reconnection_token.is_some());
    assert_eq!(c.connection_id.len(), 32);
}

#[tokio::test]
async fn missing_bad_signature_expired_and_wrong_aud_tokens_get_401() {
    let emu = emulator().await;
    let base = format!("ws://127.0.0.1:{}/client/hubs/chat", emu.port());
    assert_eq!(open(&base, &[RELIABLE], &[]).await.err(), Some(401), "missing token");

    let other_key = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
    let claims =
        token::client_claims(&format!("http://127.0.0.1:{}/client/hubs/chat", emu.port()), Some("u"), &[], &[], 600);
    let forged = token::sign(&claims, other_key);
    assert_eq!(
        open(&format!("{base}?access_token={forged}"), &[RELIABLE], &[]).await.err(),
        Some(401),
        "bad signature"
    );

    let expired = emu.client_access_url("chat", TokenOptions::user("u").expired(Duration::from_secs(600)));
    assert_eq!(open(&expired, &[RELIABLE], &[]).await.err(), Some(401), "expired");

    // A token for another hub, and one for another port.
    let other_hub = emu.client_access_token("other", &TokenOptions::user("u"));
    assert_eq!(
        open(&format!("{base}?access_token={other_hub}"), &[RELIABLE], &[]).await.err(),
        Some(401),
        "aud of another hub"
    );
    let claims = token::client_claims(
        &format!("http://127.0.0.1:{}/client/hubs/chat", emu.port() as u32 + 1),
        Some("u"),
        &[],
        &[],
        600,
    );
    let wrong_port = token::sign(&claims, webpubsub_emulator::DEFAULT_ACCESS_KEY);
    assert_eq!(
        open(&format!("{base}?access_token={wrong_port}"), &[RELIABLE], &[]).await.err(),
        Some(401),
        "aud of another port"
    );
    assert_eq!(open(&format!("{base}?access_token=not.a.jwt"), &[RELIABLE], &[]).await.err(), Some(401), "garbage");
}

#[tokio::test]
async fn lifetimes_beyond_the_exp_range_mean_far_future_not_the_past() {
    let emu = emulator().await;
    // 2^63 s used to wrap to i64::MIN: a token that had expired before it was made.
    for lifetime in [Duration::from_secs(1 << 63), Duration::MAX] {
        let url = emu.client_access_url("chat", TokenOptions::user("u").expires_in(lifetime));
        Client::connect(&url, RELIABLE).await;
    }
}

#[tokio::test]
async fn token_expired_within_clock_skew_is_accepted() {
    let emu = emulator().await;
    let url = emu.client_access_url("chat", TokenOptions::user("u").expired(Duration::from_secs(60)));
    Client::connect(&url, RELIABLE).await;
}

#[tokio::test]
async fn audience_is_compared_leniently() {
    let emu = emulator().await;
    let port = emu.port();
    let base = format!("ws://127.0.0.1:{port}/client/hubs/Chat");
    // Upper-case scheme and host, trailing slash, https scheme (as behind a TLS forwarder),
    // different hub case: all accepted.
    for aud in [
        format!("HTTP://127.0.0.1:{port}/CLIENT/HUBS/chat/"),
        format!("https://127.0.0.1:{port}/client/hubs/chat"),
        format!("http://127.0.0.1:{port}/client/hubs/CHAT"),
    ] {
        let t =
            token::sign(&token::client_claims(&aud, Some("u"), &[], &[], 600), webpubsub_emulator::DEFAULT_ACCESS_KEY);
        Client::connect(&format!("{base}?access_token={t}"), RELIABLE).await;
    }
}

#[tokio::test]
async fn authorization_header_and_query_hub_forms() {
    let emu = emulator().await;
    let t = emu.client_access_token("chat", &TokenOptions::user("bob"));
    let auth = format!("Bearer {t}");
    let (mut ws, p) =
        open(&format!("ws://127.0.0.1:{}/client/hubs/chat", emu.port()), &[PLAIN], &[("Authorization", &auth)])
            .await
            .unwrap();
    assert_eq!(p.as_deref(), Some(PLAIN));
    use futures_util::StreamExt;
    let first = ws.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains("\"userId\":\"bob\""));

    let c =
        Client::connect(&format!("ws://127.0.0.1:{}/client/?hub=chat&access_token={t}", emu.port()), RELIABLE).await;
    assert_eq!(c.user_id, "bob");
    assert_eq!(emu.connection(&c.connection_id).unwrap().hub, "chat");
}

#[tokio::test]
async fn subprotocol_negotiation() {
    let emu = emulator().await;
    let url = emu.client_access_url("chat", TokenOptions::user("u"));
    // First supported in offered order, case-insensitive, echoed as offered.
    let (_, p) =
        open(&url, &["protobuf.webpubsub.azure.v1", "JSON.Reliable.WebPubSub.Azure.V1", PLAIN], &[]).await.unwrap();
    assert_eq!(p.as_deref(), Some("JSON.Reliable.WebPubSub.Azure.V1"));
    // None or only unknown ones: refused before the upgrade.
    assert_eq!(open(&url, &[], &[]).await.err(), Some(400));
    assert_eq!(open(&url, &["mqtt", "protobuf.reliable.webpubsub.azure.v1"], &[]).await.err(), Some(400));
}

#[tokio::test]
async fn hub_names_are_case_insensitive_and_validated() {
    let emu = emulator().await;
    let mut a = Client::reliable(&emu, "Chat", TokenOptions::user("a").all_group_roles()).await;
    let mut b = Client::reliable(&emu, "chat", TokenOptions::user("b").all_group_roles()).await;
    assert_eq!(a.join("g", 1).await["success"], true);
    assert_eq!(b.join("g", 1).await["success"], true);
    a.send(serde_json::json!({"type":"sendToGroup","group":"g","dataType":"text","data":"hi","noEcho":true})).await;
    assert_eq!(b.recv().await["data"], "hi");
    let t = emu.client_access_token("1bad", &TokenOptions::user("u"));
    assert_eq!(
        open(&format!("ws://127.0.0.1:{}/client/hubs/1bad?access_token={t}", emu.port()), &[RELIABLE], &[]).await.err(),
        Some(400)
    );
}

#[tokio::test]
async fn invalid_role_pattern_in_token_is_refused() {
    let emu = emulator().await;
    let url = emu.client_access_url("chat", TokenOptions::user("u").role("webpubsub.joinLeaveGroups.*.*.*.*.*.*"));
    assert_eq!(open(&url, &[RELIABLE], &[]).await.err(), Some(400));
}
