//! The data-plane REST API: authentication and the effect of every operation on real clients.
mod common;
use common::*;
use serde_json::json;
use std::time::Duration;
use webpubsub_emulator::TokenOptions;

const V: &str = "api-version=2024-12-01";
const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn health_needs_no_auth_everything_else_does() {
    let emu = emulator().await;
    assert_eq!(http(&emu, "HEAD", "/api/health", &[], b"").await.status, 200);
    let r = http(&emu, "POST", &format!("/api/hubs/h/:send?{V}"), &[("Content-Type", "text/plain")], b"x").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "Error.Unauthorized");
    // Signed for another URL.
    let tok = emu.rest_token(&format!("{}/api/hubs/other/:send?{V}", emu.endpoint()));
    let auth = format!("Bearer {tok}");
    let r = http(
        &emu,
        "POST",
        &format!("/api/hubs/h/:send?{V}"),
        &[("Authorization", &auth), ("Content-Type", "text/plain")],
        b"x",
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn audience_with_or_without_query_encoded_or_not_case_insensitive() {
    let emu = emulator().await;
    let ep = emu.endpoint();
    let path = format!("/api/hubs/h/:send?{V}");
    for aud in [
        format!("{ep}/api/hubs/h/:send?{V}"),
        format!("{ep}/api/hubs/h/:send"),
        format!("{}/API/HUBS/H/%3Asend", ep.to_uppercase()),
        format!("{ep}/api/hubs/h/%3Asend?{V}"),
    ] {
        let auth = format!("Bearer {}", emu.rest_token(&aud));
        let r = http(&emu, "POST", &path, &[("Authorization", &auth), ("Content-Type", "text/plain")], b"x").await;
        assert_eq!(r.status, 202, "aud {aud}");
    }
    // The %3A-encoded path routes like the literal colon.
    assert_eq!(rest(&emu, "POST", &format!("/api/hubs/h/%3Asend?{V}"), Some("text/plain"), b"x").await.status, 202);
}

#[tokio::test]
async fn send_to_all_group_user_connection_with_content_types() {
    let emu = emulator().await;
    let mut a = Client::reliable(&emu, "h", TokenOptions::user("alice").group("g")).await;
    let mut b = Client::plain(&emu, "h", TokenOptions::user("bob")).await;
    let r =
        rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}"), Some("application/json"), br#"{"hello":"all"}"#).await;
    assert_eq!(r.status, 202);
    assert_eq!(
        a.recv().await,
        json!({"type":"message","from":"server","dataType":"json","data":{"hello":"all"},"sequenceId":1})
    );
    assert_eq!(b.recv().await, json!({"type":"message","from":"server","dataType":"json","data":{"hello":"all"}}));

    let r = rest(
        &emu,
        "POST",
        &format!("/api/hubs/h/:send?{V}&excluded={}", a.connection_id),
        Some("text/plain; charset=utf-8"),
        b"not alice",
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(b.recv().await["data"], "not alice");
    a.expect_silence(QUIET).await;

    rest(&emu, "POST", &format!("/api/hubs/h/groups/g/:send?{V}"), Some("application/octet-stream"), &[1, 2, 3]).await;
    assert_eq!(
        a.recv().await,
        json!({"type":"message","from":"group","group":"g","fromUserId":null,"dataType":"binary","data":"AQID","sequenceId":2})
    );
    b.expect_silence(QUIET).await;

    rest(&emu, "POST", &format!("/api/hubs/h/users/bob/:send?{V}"), Some("text/plain"), b"to bob").await;
    assert_eq!(b.recv().await["data"], "to bob");
    rest(
        &emu,
        "POST",
        &format!("/api/hubs/h/connections/{}/:send?{V}", a.connection_id),
        Some("application/json"),
        b"\"str\"",
    )
    .await;
    assert_eq!(a.recv().await["data"], "str");
    // Nonexistent targets are still 202.
    assert_eq!(
        rest(&emu, "POST", &format!("/api/hubs/h/connections/nope/:send?{V}"), Some("text/plain"), b"x").await.status,
        202
    );
    // A missing Content-Type is binary.
    rest(&emu, "POST", &format!("/api/hubs/h/users/bob/:send?{V}"), None, b"\x00\x01").await;
    assert_eq!(b.recv().await["dataType"], "binary");
}

#[tokio::test]
async fn send_errors_are_clear() {
    let emu = emulator().await;
    let r = rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}"), Some("application/xml"), b"<a/>").await;
    assert_eq!(r.status, 415);
    let r = rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}"), Some("application/json"), b"{nope").await;
    assert_eq!((r.status, r.json()["code"].as_str()), (400, Some("Error.BadRequest")));
    assert_eq!(r.header("x-ms-error-code"), Some("Error.BadRequest"));
    let r =
        rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}&filter=userId%20eq%20'a'"), Some("text/plain"), b"x").await;
    assert_eq!(r.status, 501, "filter is refused, never ignored");
    assert!(r.json()["message"].as_str().unwrap().contains("filter"));
    let r = rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}&messageTtlSeconds=301"), Some("text/plain"), b"x").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}&messageTtlSeconds=30"), Some("text/plain"), b"x")
            .await
            .status,
        202
    );
    let big = vec![b'a'; 1024 * 1024 + 1];
    assert_eq!(rest(&emu, "POST", &format!("/api/hubs/h/:send?{V}"), Some("text/plain"), &big).await.status, 413);
    assert_eq!(rest(&emu, "POST", &format!("/api/hubs/1h/:send?{V}"), Some("text/plain"), b"x").await.status, 400);
    assert_eq!(
        rest(&emu, "POST", &format!("/api/hubs/h/:addToGroups?{V}"), Some("application/json"), b"{}").await.status,
        501
    );
    assert_eq!(rest(&emu, "GET", &format!("/api/hubs/h/whatever?{V}"), None, b"").await.status, 404);
}

#[tokio::test]
async fn group_membership_of_connections_and_users() {
    let emu = emulator().await;
    let mut a = Client::reliable(&emu, "h", TokenOptions::user("alice")).await;
    let id = a.connection_id.clone();
    assert_eq!(rest(&emu, "HEAD", &format!("/api/hubs/h/groups/g?{V}"), None, b"").await.status, 404);
    assert_eq!(rest(&emu, "PUT", &format!("/api/hubs/h/groups/g/connections/{id}?{V}"), None, b"").await.status, 200);
    assert_eq!(rest(&emu, "HEAD", &format!("/api/hubs/h/groups/g?{V}"), None, b"").await.status, 200);
    let list = rest(&emu, "GET", &format!("/api/hubs/h/groups/g/connections?{V}"), None, b"").await.json();
    assert_eq!(list["value"], json!([{"connectionId": id, "userId": "alice"}]));
    emu.inject_group_message("h", "g", webpubsub_emulator::DataType::Text, "in g").unwrap();
    assert_eq!(a.recv().await["data"], "in g");
    assert_eq!(
        rest(&emu, "DELETE", &format!("/api/hubs/h/groups/g/connections/{id}?{V}"), None, b"").await.status,
        204
    );
    assert_eq!(rest(&emu, "HEAD", &format!("/api/hubs/h/groups/g?{V}"), None, b"").await.status, 404);
    let r = rest(&emu, "PUT", &format!("/api/hubs/h/groups/g/connections/nope?{V}"), None, b"").await;
    assert_eq!((r.status, r.json()["code"].as_str()), (404, Some("Error.Connection.NotExisted")));

    // User membership applies to current and future connections of the user.
    assert_eq!(rest(&emu, "PUT", &format!("/api/hubs/h/users/alice/groups/ug?{V}"), None, b"").await.status, 200);
    let a2 = Client::reliable(&emu, "h", TokenOptions::user("alice")).await;
    assert_eq!(emu.connection(&id).unwrap().groups, vec!["ug".to_string()]);
    assert_eq!(emu.connection(&a2.connection_id).unwrap().groups, vec!["ug".to_string()]);
    rest(&emu, "PUT", &format!("/api/hubs/h/groups/other/connections/{id}?{V}"), None, b"").await;
    assert_eq!(rest(&emu, "DELETE", &format!("/api/hubs/h/users/alice/groups/ug?{V}"), None, b"").await.status, 204);
    assert_eq!(emu.connection(&id).unwrap().groups, vec!["other".to_string()]);
    rest(&emu, "PUT", &format!("/api/hubs/h/users/alice/groups/ug2?{V}"), None, b"").await;
    assert_eq!(rest(&emu, "DELETE", &format!("/api/hubs/h/users/alice/groups?{V}"), None, b"").await.status, 204);
    assert!(emu.connection(&id).unwrap().groups.is_empty());
    assert!(emu.connection(&a2.connection_id).unwrap().groups.is_empty());
    let a3 = Client::reliable(&emu, "h", TokenOptions::user("alice")).await;
    assert!(emu.connection(&a3.connection_id).unwrap().groups.is_empty(), "user groups were cleared");

    rest(&emu, "PUT", &format!("/api/hubs/h/groups/x/connections/{id}?{V}"), None, b"").await;
    rest(&emu, "PUT", &format!("/api/hubs/h/groups/y/connections/{id}?{V}"), None, b"").await;
    assert_eq!(rest(&emu, "DELETE", &format!("/api/hubs/h/connections/{id}/groups?{V}"), None, b"").await.status, 204);
    assert!(emu.connection(&id).unwrap().groups.is_empty());
}

#[tokio::test]
async fn exists_checks() {
    let emu = emulator().await;
    let a = Client::reliable(&emu, "h", TokenOptions::user("alice")).await;
    assert_eq!(
        rest(&emu, "HEAD", &format!("/api/hubs/h/connections/{}?{V}", a.connection_id), None, b"").await.status,
        200
    );
    assert_eq!(rest(&emu, "HEAD", &format!("/api/hubs/h/connections/nope?{V}"), None, b"").await.status, 404);
    assert_eq!(rest(&emu, "HEAD", &format!("/api/hubs/h/users/alice?{V}"), None, b"").await.status, 200);
    assert_eq!(rest(&emu, "HEAD", &format!("/api/hubs/h/users/bob?{V}"), None, b"").await.status, 404);
    assert_eq!(
        rest(&emu, "HEAD", &format!("/api/hubs/other/users/alice?{V}"), None, b"").await.status,
        404,
        "hubs are separate"
    );
}

#[tokio::test]
async fn close_operations_send_disconnected_with_reason() {
    let emu = emulator().await;
    let mut a = Client::reliable(&emu, "h", TokenOptions::user("alice").group("g")).await;
    let r =
        rest(&emu, "DELETE", &format!("/api/hubs/h/connections/{}?{V}&reason=bye%20now", a.connection_id), None, b"")
            .await;
    assert_eq!(r.status, 204);
    let (msgs, code, _) = a.expect_close().await;
    assert_eq!(code, 1000);
    assert_eq!(msgs, vec![json!({"type":"system","event":"disconnected","message":"bye now"})]);
    assert!(emu.wait_until(T, |c| c.is_empty()).await, "a REST close ends the logical connection");
    a.recover().await;
    assert_eq!(a.expect_close().await.1, 1008);

    let mut b = Client::reliable(&emu, "h", TokenOptions::user("bob").group("g")).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("carol").group("g")).await;
    let mut d = Client::reliable(&emu, "h", TokenOptions::user("dave")).await;
    rest(
        &emu,
        "POST",
        &format!("/api/hubs/h/groups/g/:closeConnections?{V}&excluded={}&reason=group", c.connection_id),
        None,
        b"",
    )
    .await;
    assert_eq!(b.expect_close().await.0[0]["message"], "group");
    c.expect_silence(QUIET).await;
    rest(&emu, "POST", &format!("/api/hubs/h/users/carol/:closeConnections?{V}&reason=user"), None, b"").await;
    assert_eq!(c.expect_close().await.0[0]["message"], "user");
    d.expect_silence(QUIET).await;
    rest(&emu, "POST", &format!("/api/hubs/h/:closeConnections?{V}&reason=all"), None, b"").await;
    assert_eq!(d.expect_close().await.0[0]["message"], "all");
}

#[tokio::test]
async fn grant_revoke_check_permissions() {
    let emu = emulator().await;
    let mut a = Client::reliable(&emu, "h", TokenOptions::user("alice")).await;
    let id = a.connection_id.clone();
    let p = |verb: &str, perm: &str, target: &str| {
        (verb.to_string(), format!("/api/hubs/h/permissions/{perm}/connections/{id}?{V}{target}"))
    };
    let (v, u) = p("HEAD", "sendToGroup", "&targetName=g");
    assert_eq!(rest(&emu, &v, &u, None, b"").await.status, 404);
    let (v, u) = p("PUT", "sendToGroup", "&targetName=g");
    assert_eq!(rest(&emu, &v, &u, None, b"").await.status, 200);
    let (v, u) = p("HEAD", "sendToGroup", "&targetName=g");
    assert_eq!(rest(&emu, &v, &u, None, b"").await.status, 200);
    a.send(json!({"type":"sendToGroup","group":"g","data":1,"ackId":1})).await;
    assert_eq!(a.recv().await["success"], true);
    a.send(json!({"type":"sendToGroup","group":"h","data":1,"ackId":2})).await;
    assert_eq!(a.recv().await["error"]["name"], "Forbidden");
    let (v, u) = p("DELETE", "sendToGroup", "&targetName=g");
    assert_eq!(rest(&emu, &v, &u, None, b"").await.status, 204);
    a.send(json!({"type":"sendToGroup","group":"g","data":1,"ackId":3})).await;
    assert_eq!(a.recv().await["error"]["name"], "Forbidden");
    let (v, u) = p("PUT", "joinLeaveGroup", "");
    assert_eq!(rest(&emu, &v, &u, None, b"").await.status, 200);
    assert_eq!(a.join("anything", 4).await["success"], true);
    let (v, u) = p("PUT", "dance", "");
    assert_eq!(rest(&emu, &v, &u, None, b"").await.status, 400);
    let r = rest(&emu, "PUT", &format!("/api/hubs/h/permissions/sendToGroup/connections/nope?{V}"), None, b"").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn generate_token_yields_a_working_client_token() {
    let emu = emulator().await;
    let r = rest(&emu, "POST", &format!("/api/hubs/h/:generateToken?{V}&userId=zed&role=webpubsub.joinLeaveGroup&group=g1&group=g2&minutesToExpire=5"), None, b"").await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let c =
        Client::connect(&format!("ws://127.0.0.1:{}/client/hubs/h?access_token={token}", emu.port()), RELIABLE).await;
    assert_eq!(c.user_id, "zed");
    assert_eq!(emu.connection(&c.connection_id).unwrap().groups, vec!["g1".to_string(), "g2".to_string()]);
    assert_eq!(
        rest(&emu, "POST", &format!("/api/hubs/h/:generateToken?{V}&minutesToExpire=0"), None, b"").await.status,
        400
    );
    assert_eq!(
        rest(&emu, "POST", &format!("/api/hubs/h/:generateToken?{V}&clientType=MQTT"), None, b"").await.status,
        501
    );
}

#[tokio::test]
async fn list_group_connections_pages() {
    let emu = emulator().await;
    let mut ids = Vec::new();
    for u in ["a", "b", "c"] {
        ids.push(Client::reliable(&emu, "h", TokenOptions::user(u).group("g")).await.connection_id);
    }
    ids.sort();
    let first =
        rest(&emu, "GET", &format!("/api/hubs/h/groups/g/connections?{V}&maxpagesize=2"), None, b"").await.json();
    let page: Vec<&str> =
        first["value"].as_array().unwrap().iter().map(|v| v["connectionId"].as_str().unwrap()).collect();
    assert_eq!(page, vec![ids[0].as_str(), ids[1].as_str()]);
    let next = first["nextLink"].as_str().unwrap();
    let second = rest(&emu, "GET", &format!("{next}&{V}"), None, b"").await.json();
    assert_eq!(second["value"][0]["connectionId"], ids[2].as_str());
    assert!(second["nextLink"].is_null());
    assert_eq!(
        rest(&emu, "GET", &format!("/api/hubs/h/groups/g/connections?{V}&maxpagesize=0"), None, b"").await.status,
        400
    );
}

#[tokio::test]
async fn generate_token_refuses_out_of_range_minutes() {
    let emu = emulator().await;
    // The schema's minutesToExpire is an int32 >= 1; larger values used to overflow into an
    // expiry in the past.
    for minutes in ["9223372036854775807", "153722867280912931", "2147483648", "-5", "0", "ten", "1e3", ""] {
        let r =
            rest(&emu, "POST", &format!("/api/hubs/h/:generateToken?{V}&minutesToExpire={minutes}"), None, b"").await;
        assert_eq!(r.status, 400, "minutesToExpire={minutes}");
        assert_eq!(r.json()["code"], "Error.BadRequest");
        assert!(r.json()["message"].as_str().unwrap().contains("minutesToExpire"), "minutesToExpire={minutes}");
    }
    let r = rest(&emu, "POST", &format!("/api/hubs/h/:generateToken?{V}&minutesToExpire=2147483647"), None, b"").await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let lifetime = token_exp(&token) - now_secs();
    assert!((lifetime - 2_147_483_647 * 60).abs() <= 2, "lifetime {lifetime}");
    Client::connect(&format!("ws://127.0.0.1:{}/client/hubs/h?access_token={token}", emu.port()), RELIABLE).await;
}
